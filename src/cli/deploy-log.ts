/**
 * The commit step of `portico deploy`: while the server checks and activates the deployment (a long
 * `npm install` of the API's dependencies included), the deployment's log is read about once a second
 * and its new lines are printed on stderr; the lines the commit answer adds are printed at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployClient, Deployment } from '../client/index.js';
import { writeNote } from './output.js';

/** How often the log is read while the commit runs. */
const POLL_MS = 1_000;

/** Commits deployment `id`, printing its log as it grows; resolves or rejects as the commit does. */
export async function commitWithLog(client: DeployClient, id: string): Promise<Deployment> {
  let printed = 0;
  const print = (log: string | null | undefined) => {
    const lines = (log ?? '').split('\n').filter((line) => line !== '');
    for (const line of lines.slice(printed)) {
      writeNote(`  ${line}`);
    }
    printed = Math.max(printed, lines.length);
  };
  const done = new AbortController();
  const follow = async () => {
    while (!done.signal.aborted) {
      await sleep(POLL_MS, undefined, { signal: done.signal }).catch(() => undefined);
      if (!done.signal.aborted) {
        // A failed read only means no progress this time; the commit's own answer decides.
        print(
          await client.getDeployment(id).then(
            (d) => d.properties.log,
            () => undefined,
          ),
        );
      }
    }
  };
  const following = follow();
  try {
    const deployment = await client.commit(id);
    print(deployment.properties.log);
    return deployment;
  } finally {
    done.abort();
    await following;
  }
}
