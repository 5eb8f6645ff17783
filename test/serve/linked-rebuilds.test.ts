/**
 * A linked backend's calls outlive the rebuilds of environments: a plan change rebuilds only the site
 * whose plan changed (its connections to the backend of another site stay open), and an environment
 * rebuilt under a call in flight lets that call finish instead of cutting it (decision 0118).
 * Real sockets, real SQLite, a real backend on loopback that answers when the test says so.
 * @see tester report "proto-sec" item 2 (a 60 s call on site B failed with 502 after site E's plan change)
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { writeApp } from '../helpers/app.js';
import {
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;

/** A backend whose `/api/hold` answers only once released; every answer names the connection's port. */
interface HoldingBackend {
  readonly url: string;
  /** Resolves when a `/api/hold` call has arrived. */
  arrived(): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

async function startHoldingBackend(): Promise<HoldingBackend> {
  let arrive: () => void = () => undefined;
  let arrival = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  let release: () => void = () => undefined;
  const server: Server = createServer((req, res) => {
    const port = String(req.socket.remotePort);
    if (req.url?.startsWith('/api/hold')) {
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      arrive();
      void released.then(() => res.end(`held ${port}`));
      return;
    }
    res.end(port);
  });
  // Connections kept open for as long as the proxy keeps them (undici reads this server's Keep-Alive).
  server.keepAliveTimeout = 600_000;
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    arrived: () => arrival,
    release: () => {
      release();
      arrival = new Promise<void>((resolve) => {
        arrive = resolve;
      });
    },
    close: () => closeServer(server),
  };
}

describe('portico serve: linked /api calls and environment rebuilds', () => {
  let t: TestService;
  let backend: HoldingBackend;
  let linkedHost: string;

  async function createSite(name: string, sku: 'Free' | 'Standard'): Promise<string> {
    const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: sku } });
    const { defaultHostname, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    const app = await writeApp({ 'index.html': name });
    expect((await deployFolders(t.service, apiKey, app)).status).toBe(200);
    return defaultHostname;
  }

  beforeAll(async () => {
    t = await startTestService();
    backend = await startHoldingBackend();
    expect(
      (await t.admin('PUT', `${WEB}/slow`, { kind: 'app', properties: { backendUrl: backend.url } })).status,
    ).toBe(201);
    linkedHost = await createSite('linked', 'Standard');
    await createSite('other', 'Free');
    const linked = await t.admin('PUT', `${SITES_PATH}/linked/linkedBackends/slow`, {
      properties: { backendResourceId: `${WEB}/slow`, backendType: 'webapp' },
    });
    expect(linked.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it("another site's plan change leaves this site's calls and connections alone", async () => {
    const before = await t.get(linkedHost, '/api/port');
    expect(before.status).toBe(200);
    const call = t.get(linkedHost, '/api/hold');
    await backend.arrived();
    expect((await t.admin('PUT', `${SITES_PATH}/other`, { sku: { name: 'Standard' } })).status).toBe(200);
    backend.release();
    const answer = await call;
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).toMatch(/^held \d+$/);
    // Not rebuilt: the next call goes over the connection the first one opened.
    expect((await t.get(linkedHost, '/api/port')).text).toBe(before.text);
  });

  it('a call in flight when its own environment is rebuilt (a settings change) finishes', async () => {
    const call = t.get(linkedHost, '/api/hold');
    await backend.arrived();
    const settings = await t.admin('PUT', `${SITES_PATH}/linked/config/appsettings`, {
      properties: { GREETING: 'hi' },
    });
    expect(settings.status).toBe(200);
    backend.release();
    const answer = await call;
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).toMatch(/^held \d+$/);
  });
});
