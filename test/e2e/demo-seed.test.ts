/**
 * `npm start` (serve --demo-app --demo-api) recovers from a first demo deploy that failed: started
 * again once the cause is fixed, it deploys the demo again (its site exists but serves nothing), and the
 * failure said how to retry without claiming a previous deployment that never was. The failure is a real
 * one: the API depends on a package from a registry nothing answers.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send } from '../helpers/app.js';
import { startCli, timeoutFor } from '../helpers/cli.js';

const DEMO_APP = fileURLToPath(new URL('../../examples/demo', import.meta.url));
const DEMO_API = fileURLToPath(new URL('../../examples/demo-api', import.meta.url));

describe('npm start after a failed first demo deploy', () => {
  let dataDir: string;
  let brokenApi: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-demo-'));
    brokenApi = await mkdtemp(join(tmpdir(), 'portico-e2e-demo-api-'));
    await cp(DEMO_API, brokenApi, { recursive: true });
    const pkg = JSON.parse(await readFile(join(DEMO_API, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    pkg.dependencies['left-pad'] = '1.3.0';
    await writeFile(join(brokenApi, 'package.json'), JSON.stringify(pkg, null, 2));
    // Nothing listens there: npm cannot install, as behind a proxy that breaks TLS.
    await writeFile(join(brokenApi, '.npmrc'), 'registry=http://127.0.0.1:47999/\n');
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(brokenApi, { recursive: true, force: true });
  });

  const serve = (apiDir: string) =>
    startCli(
      [
        'serve',
        '--data',
        dataDir,
        '--port',
        '0',
        '--admin-port',
        '0',
        '--demo-app',
        DEMO_APP,
        '--demo-api',
        apiDir,
      ],
      20_000,
    );

  it(
    'deploys the demo again at the next start, and the failure says how to retry',
    async () => {
      const first = await serve(brokenApi);
      try {
        await eventually(async () => first.stderr().includes('The demo app was not deployed'), 120_000);
        const said = first.stderr();
        expect(said).toContain(`portico deploy ${DEMO_APP} --api ${brokenApi} --site demo`);
        expect(said).not.toContain('the previous deployment keeps serving');
        expect(said).toContain('nothing was deployed to this environment before');
        expect(first.stdout()).not.toContain('Demo app:');
      } finally {
        await first.stop();
      }
      const second = await serve(DEMO_API);
      try {
        await eventually(async () => /Demo app: (http:\/\/\S+)/.test(second.stdout()), 120_000);
        expect(second.stderr()).toContain("The site 'demo' has no live deployment");
        const url = new URL(/Demo app: (http:\/\/\S+)/.exec(second.stdout())?.[1] ?? '');
        const page = await send(`http://127.0.0.1:${url.port}/`, { headers: { host: url.host } });
        expect(page.status).toBe(200);
        expect(page.text).toContain('Portico demo app');
      } finally {
        await second.stop();
      }
    },
    timeoutFor(2, 240_000),
  );
});
