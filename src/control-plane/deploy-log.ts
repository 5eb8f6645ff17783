/**
 * The log of a deployment while it is committed: lines (install progress, npm's own lines) are written
 * to the deployment's `log` as they come, so `GET /deploy/v1/deployments/{id}` and the deployment lists
 * show a long install as it goes and `portico deploy` can print it while it waits.
 */
import type { ControlContext } from './context.js';

/** The live log of one deployment. */
export interface DeployLog {
  /** Appends a line; it is written soon, without waiting. */
  line(text: string): void;
  /** Resolves once every line so far is written (call it before the deployment's final update). */
  flush(): Promise<void>;
}

/**
 * Creates the live log of deployment `id`. Writes never overlap: lines that come while one is written go
 * out together in the next one. A failed write is logged and does not fail the deploy.
 */
export function createDeployLog(ctx: ControlContext, id: string): DeployLog {
  let text = '';
  let written = '';
  let writing: Promise<void> | undefined;
  const write = async (): Promise<void> => {
    while (written !== text) {
      const next = text;
      await ctx.db
        .updateTable('deployments')
        .set({ log: next })
        .where('id', '=', id)
        .where('status', '=', 'Uploading')
        .execute()
        .catch((cause: unknown) =>
          ctx.logger.warn(`cannot write the log of deployment ${id}: ${String(cause)}`),
        );
      written = next;
    }
  };
  const start = () => {
    writing ??= write().finally(() => {
      writing = undefined;
    });
    return writing;
  };
  return {
    line(line) {
      text += `${line}\n`;
      void start();
    },
    async flush() {
      while (writing !== undefined || written !== text) {
        await start();
      }
    },
  };
}
