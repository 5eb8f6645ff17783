/**
 * Sign-in in `portico serve` reaches a site's identity provider at public addresses only: a tenant's
 * `wellKnownOpenIdConfiguration` (or a discovery document's endpoints) naming the server's loopback gets
 * nothing sent there, and the visitor's answer is the same as for a closed port, so a tenant cannot scan
 * the host or reach its admin port. `--identity-provider-address` lets the operator allow a provider of
 * their own.
 * @see docs/decisions/0092-identity-providers-at-public-addresses.md (the tester's report: a 502 told an
 *   open loopback port from a closed one)
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { createDeployedSite, removeData, startTestService, type TestService } from '../helpers/service.js';

/** An HTTP server that counts what it receives and answers `answer` (a discovery document, say). */
interface Recorder {
  readonly url: string;
  readonly received: string[];
  answer: (req: IncomingMessage) => unknown;
  close(): Promise<void>;
}

async function startRecorder(host: string): Promise<Recorder> {
  const received: string[] = [];
  const recorder = {
    url: '',
    received,
    answer: (_req: IncomingMessage): unknown => ({}),
    close: () => closeServer(server),
  };
  const server: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(recorder.answer(req)));
  });
  recorder.url = `http://${host}:${await listen(server, 0, host)}`;
  return recorder;
}

/** A port nothing listens on (a server's, closed again). */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0, '127.0.0.1');
  await closeServer(server);
  return port;
}

/** A config registering the custom OpenID Connect provider `corp` at `wellKnown`. */
function corpConfig(wellKnown: string) {
  return {
    auth: {
      identityProviders: {
        customOpenIdConnectProviders: {
          corp: {
            registration: {
              clientIdSettingName: 'CORP_ID',
              clientCredential: { clientSecretSettingName: 'CORP_SECRET' },
              openIdConnectConfiguration: { wellKnownOpenIdConfiguration: wellKnown },
            },
            login: {},
          },
        },
      },
    },
  };
}

const SETTINGS = { CORP_ID: 'portico-corp', CORP_SECRET: 'corp-secret' };
const UNREACHABLE = 'The provider corp cannot be reached; try again later.';
/** The page a visitor got for a refused address (the first suite sets it, the second compares). */
let refusedPage = '';

describe('portico serve: identity providers at public addresses only', () => {
  let t: TestService;
  let target: Recorder;
  const log: string[] = [];
  const hosts = new Map<string, string>();

  const login = (site: string) => t.get(hosts.get(site) ?? '', '/.auth/login/corp');

  beforeAll(async () => {
    target = await startRecorder('127.0.0.1');
    t = await startTestService({ logger: createLogger({ write: (line) => log.push(line) }) });
    const closed = await closedPort();
    const sites: Record<string, string> = {
      open: `${target.url}/healthz`,
      named: `${target.url.replace('127.0.0.1', 'localhost')}/.well-known/openid-configuration`,
      closed: `http://127.0.0.1:${closed}/x`,
      ipv6: `http://[::1]:${closed}/x`,
    };
    for (const [name, wellKnown] of Object.entries(sites)) {
      hosts.set(
        name,
        await createDeployedSite(t, name, { files: {}, config: corpConfig(wellKnown), settings: SETTINGS }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await target?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('sends nothing to a provider on loopback, and answers as for a closed port, without the address', async () => {
    const answers = await Promise.all(['open', 'named', 'closed', 'ipv6'].map(login));
    expect(target.received).toEqual([]);
    for (const answer of answers) {
      expect(answer.status).toBe(502);
      expect(answer.text).toContain(UNREACHABLE);
      expect(answer.text).not.toMatch(/127\.0\.0\.1|localhost|::1|refused/);
    }
    // Refused, closed or failing: the same page, so a tenant cannot tell an open port from a closed one.
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    refusedPage = answers[0]?.text ?? '';
  });

  it('tells the operator, in the log, which address was refused and how to allow it', async () => {
    await login('open');
    const line = log.find((entry) => entry.includes('sign-in with corp'));
    expect(line, log.join('\n')).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(line).toContain('--identity-provider-address 127.0.0.1');
    expect(target.received).toEqual([]);
  });
});

describe('portico serve: --identity-provider-address allows the operator’s own provider', () => {
  let t: TestService;
  let idp: TestOidcProvider;
  let discovery: Recorder;
  let elsewhere: Recorder;
  const hosts = new Map<string, string>();

  beforeAll(async () => {
    idp = await startOidcProvider();
    // 127.0.0.2 is loopback too, but not the address the operator allows.
    elsewhere = await startRecorder('127.0.0.2');
    discovery = await startRecorder('127.0.0.1');
    discovery.answer = () => ({
      issuer: discovery.url,
      authorization_endpoint: `${discovery.url}/authorize`,
      token_endpoint: `${elsewhere.url}/token`,
      jwks_uri: `${elsewhere.url}/jwks`,
      userinfo_endpoint: `${elsewhere.url}/userinfo`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    t = await startTestService({ extra: { identityProviderAddresses: ['127.0.0.1'] } });
    const closed = await closedPort();
    for (const [name, wellKnown] of [
      // Connected to and refused by the system (ECONNREFUSED), and an open port answering no discovery document.
      ['closed', `http://127.0.0.1:${closed}/.well-known/openid-configuration`],
      ['failing', `${idp.issuer}/missing/.well-known/openid-configuration`],
    ] as const) {
      hosts.set(
        name,
        await createDeployedSite(t, name, { files: {}, config: corpConfig(wellKnown), settings: SETTINGS }),
      );
    }
    hosts.set(
      'corp',
      await createDeployedSite(t, 'corp', {
        files: {},
        config: corpConfig(idp.wellKnown),
        settings: SETTINGS,
      }),
    );
    hosts.set(
      'relay',
      await createDeployedSite(t, 'relay', {
        files: {},
        config: corpConfig(`${discovery.url}/.well-known/openid-configuration`),
        settings: SETTINGS,
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await idp?.close();
    await discovery?.close();
    await elsewhere?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('reaches a provider at an allowed address', async () => {
    const started = await t.get(hosts.get('corp') ?? '', '/.auth/login/corp');
    expect(started.status, started.text).toBe(302);
    expect(started.header('location')).toMatch(new RegExp(`^${idp.issuer}/`));
  });

  it('answers a closed port and a failing provider at an allowed address as it answers a refused one', async () => {
    expect(refusedPage).toContain(UNREACHABLE);
    for (const site of ['closed', 'failing']) {
      const answer = await t.get(hosts.get(site) ?? '', '/.auth/login/corp');
      expect(answer.status, site).toBe(502);
      expect(answer.text, site).toBe(refusedPage);
    }
  });

  it('refuses the endpoints a discovery document at an allowed address names elsewhere', async () => {
    const host = hosts.get('relay') ?? '';
    const started = await t.get(host, '/.auth/login/corp');
    expect(started.status, started.text).toBe(302);
    const location = new URL(started.header('location') ?? '');
    expect(location.origin).toBe(discovery.url);
    const cookie = String(started.header('set-cookie')).split(';')[0] ?? '';
    const state = location.searchParams.get('state') ?? '';
    const callback = await t.get(
      host,
      `/.auth/login/corp/callback?code=stolen&state=${encodeURIComponent(state)}`,
      {
        headers: { cookie },
      },
    );
    expect(callback.status).toBe(502);
    expect(callback.text).toContain(UNREACHABLE);
    expect(callback.text).not.toContain('127.0.0.2');
    expect(elsewhere.received).toEqual([]);
  });
});

describe("portico serve: the operator's preconfigured providers at addresses sign-in refuses", () => {
  it('warns at start, naming the variable, the address and the option; not once the option allows it', async () => {
    const providers = {
      aad: { clientId: 'portico-aad', clientSecret: 'secret', issuer: 'http://127.0.0.1:9/tenant/v2.0' },
      githubUrl: 'http://localhost:9',
      githubApiUrl: 'https://api.github.example',
    };
    const refused = await startTestService({ providers });
    try {
      const about = refused.service.warnings.filter((warning) => warning.includes('sign-in does not reach'));
      expect(about).toHaveLength(2);
      expect(about[0]).toContain('PORTICO_AAD_ISSUER names 127.0.0.1');
      expect(about[0]).toContain('--identity-provider-address 127.0.0.1');
      expect(about[1]).toContain('PORTICO_GITHUB_URL names localhost (127.0.0.1, ::1)');
      expect(about[1]).toContain('--identity-provider-address 127.0.0.1,::1');
    } finally {
      await refused.close();
      await removeData(refused.dataDir);
    }
    const allowed = await startTestService({
      providers,
      extra: { identityProviderAddresses: ['127.0.0.0/8', '::1'] },
    });
    try {
      expect(
        allowed.service.warnings.filter((warning) => warning.includes('sign-in does not reach')),
      ).toEqual([]);
    } finally {
      await allowed.close();
      await removeData(allowed.dataDir);
    }
  });
});
