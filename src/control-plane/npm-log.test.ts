import { describe, expect, it } from 'vitest';
import { createNpmLog, createRedactor, describeInstallFailure, PROGRESS_INTERVAL_MS } from './npm-log.js';

const META = (name: string) => `npm http fetch GET 200 https://registry.npmjs.org/${name} 12ms (cache miss)`;
const TARBALL = (name: string) =>
  `npm http cache ${name}@https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz 0ms (cache hit)`;

function harness(redact: (text: string) => string = (text) => text) {
  let clock = 0;
  const emitted: string[] = [];
  const log = createNpmLog({ now: () => clock, emit: (line) => emitted.push(line), redact });
  return { log, emitted, advance: (ms: number) => (clock += ms) };
}

describe('npm install log', () => {
  it('summarises npm request lines into progress lines and keeps npm’s other lines', () => {
    const { log, emitted, advance } = harness();
    log.line(META('cookie'));
    expect(emitted).toEqual(['npm install: 1 package resolved, 0 fetched, 0 s…']);
    advance(500);
    log.line(META('tslib'));
    log.line(TARBALL('cookie'));
    log.tick();
    expect(emitted).toHaveLength(1);
    advance(PROGRESS_INTERVAL_MS);
    log.tick();
    expect(emitted.at(-1)).toBe('npm install: 2 packages resolved, 1 fetched, 3 s…');
    log.line('npm warn deprecated tslib@1.0.0: use 2');
    log.line('added 2 packages in 3s');
    const text = log.finish('finished');
    expect(text).toBe(
      [
        'npm install: 1 package resolved, 0 fetched, 0 s…',
        'npm install: 2 packages resolved, 1 fetched, 3 s…',
        'npm warn deprecated tslib@1.0.0: use 2',
        'added 2 packages in 3s',
        'npm install finished after 3 s: 2 packages resolved, 1 fetched.',
        '',
      ].join('\n'),
    );
    expect(text).toBe(`${emitted.join('\n')}\n`);
  });

  it('counts a tarball once whether npm fetched it or found it in its cache', () => {
    const { log } = harness();
    log.line('npm http fetch GET 200 http://127.0.0.1:9/t/tiny-1.0.0.tgz 5ms (cache miss)');
    log.line('npm http cache @scope/tiny@http://127.0.0.1:9/t/tiny-1.0.0.tgz 0ms (cache hit)');
    expect(log.finish('finished')).toMatch(/: 1 package resolved, 1 fetched\.$/m);
  });

  it('counts packages by name, so a lockfile install fetches no more than it resolves', () => {
    const { log } = harness();
    log.line('npm http fetch GET 200 https://registry.npmjs.org/ms/-/ms-2.1.3.tgz 5ms (cache miss)');
    log.line('npm http fetch GET 200 https://registry.npmjs.org/@azure/functions/-/functions-4.6.0.tgz 5ms');
    log.line('npm http fetch GET 200 https://registry.npmjs.org/@azure%2ffunctions 5ms');
    expect(log.finish('finished')).toMatch(/: 2 packages resolved, 2 fetched\.$/m);
  });

  /** @see the QA finding: retry lines were read as a package named "attempt" and hidden for minutes. */
  it('shows npm’s first retry of each kind at once, with the certificate hint, and counts no package', () => {
    const { log, emitted } = harness();
    const retry = (n: number) =>
      `npm http fetch GET https://registry.npmjs.org/ms attempt ${n} failed with SELF_SIGNED_CERT_IN_CHAIN`;
    log.line(retry(1));
    log.line(retry(2));
    expect(emitted).toHaveLength(2);
    expect(emitted[0]).toBe('npm install: retrying https://registry.npmjs.org/ms: SELF_SIGNED_CERT_IN_CHAIN');
    expect(emitted[1]).toMatch(
      /^npm install: The server's npm does not trust .*npm_config_cafile=<PEM file>/,
    );
    expect(log.finish('failed (exit code 1)')).toMatch(/: 0 packages resolved, 0 fetched\.$/m);
  });

  it('writes no progress line after npm’s summary, and drops npm’s note on log files', () => {
    const { log, emitted, advance } = harness();
    log.line(META('cookie'));
    log.line('added 1 package in 1s');
    log.line('npm error Log files were not written due to the config logs-max=0');
    advance(10 * PROGRESS_INTERVAL_MS);
    log.tick();
    expect(emitted).toEqual(['npm install: 1 package resolved, 0 fetched, 0 s…', 'added 1 package in 1s']);
  });

  it('says nothing about progress before npm asks for a package', () => {
    const { log, emitted, advance } = harness();
    advance(10 * PROGRESS_INTERVAL_MS);
    log.tick();
    expect(emitted).toEqual([]);
  });
});

describe('npm log redaction', () => {
  const npmrc = [
    '@acme:registry=https://npm.acme.test/',
    '//npm.acme.test/:_authToken=acme-secret-token-123',
    `//other.test/:_auth=${Buffer.from('deployer:hunter2-password').toString('base64')}`,
    'always-auth=true',
  ].join('\n');
  const redact = createRedactor(npmrc, {
    'npm_config_//npm.operator.test/:_authToken': 'operator-token-456',
  });

  it.each([
    [
      'a token of the API’s .npmrc',
      'npm error 401 with acme-secret-token-123 in it',
      'acme-secret-token-123',
    ],
    [
      'both parts of an _auth setting',
      'npm error login as deployer failed: hunter2-password',
      'hunter2-password',
    ],
    [
      'a token of the operator’s npm settings',
      'npm http fetch GET 401 operator-token-456',
      'operator-token-456',
    ],
    [
      'credentials in a URL',
      'npm http fetch GET 200 https://bob:s3cr3t-pass@registry.test/x 1ms',
      's3cr3t-pass',
    ],
    ['an _authToken setting', 'npm error //x.test/:_authToken=zzzzzzzzzzzz', 'zzzzzzzzzzzz'],
    ['a bearer token', 'npm verbose authorization: Bearer abcdefabcdef123', 'abcdefabcdef123'],
    ['an npm access token', `npm error bad token npm_${'A1'.repeat(18)}`, `npm_${'A1'.repeat(18)}`],
  ])('takes out %s', (_, line, secret) => {
    const out = redact(line);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('leaves ordinary lines alone', () => {
    expect(redact('added 3 packages in 1s')).toBe('added 3 packages in 1s');
  });

  it('redacts the lines the log keeps and makes', () => {
    const { log } = harness(redact);
    log.line('npm error 401 Unauthorized: acme-secret-token-123 rejected');
    expect(log.finish('failed (exit code 1)')).not.toContain('acme-secret-token-123');
  });
});

describe('describeInstallFailure', () => {
  it("quotes npm's own lines, not Portico's progress lines", () => {
    const { log, advance } = harness();
    for (let i = 0; i < 30; i++) {
      advance(PROGRESS_INTERVAL_MS);
      log.line(META(`p${i}`));
    }
    log.line('npm error code E404');
    log.line('npm error 404 Not Found - GET https://registry.npmjs.org/nope');
    const message = describeInstallFailure('failed (exit code 1)', log.output());
    expect(message).not.toContain('resolved');
    expect(message).toContain('Last output of npm:\nnpm error code E404\nnpm error 404 Not Found');
    expect(message).toContain('npm install --omit=dev in the API folder');
    expect(message).not.toContain('npm_config_cafile');
  });

  it('points at the .npmrc credentials when the registry refuses them', () => {
    const message = describeInstallFailure(
      'failed (exit code 1)',
      'npm error code E401\nnpm error 401 Unauthorized',
    );
    expect(message).toContain(
      "The registry refused npm's credentials (E401): check the registry token in the API's .npmrc",
    );
    expect(message).not.toContain('Fix package.json');
  });

  it('says a registry or proxy that failed to answer is not the API’s fault', () => {
    for (const [code, line] of [
      ['E502', 'npm error code E502\nnpm error 502 Bad Gateway - GET https://registry.npmjs.org/left-pad'],
      ['E429', 'npm error code E429\nnpm error 429 Too Many Requests - GET https://registry.npmjs.org/x'],
      ['ECONNRESET', 'npm ERR! code ECONNRESET\nnpm ERR! network aborted'],
      ['ETIMEDOUT', 'npm error code ETIMEDOUT\nnpm error network request to https://r.example/x failed'],
    ] as const) {
      const message = describeInstallFailure('failed (exit code 1)', line);
      expect(message).toContain(`a proxy between the server and it, did not answer (${code})`);
      expect(message).toContain('deploy again');
      expect(message).not.toContain('Fix package.json');
    }
  });

  it('names where the operator’s CA file is when npm cannot read it, or what it must hold', () => {
    const outside = describeInstallFailure(
      'failed (exit code 1)',
      'npm error code SELF_SIGNED_CERT_IN_CHAIN',
      {
        cafile: { path: '/tmp/corp-ca.pem', visible: false },
      },
    );
    expect(outside).toContain('npm_config_cafile=/tmp/corp-ca.pem is outside the folders npm sees');
    expect(outside).not.toContain('npm_config_cafile=<PEM file>');
    const inside = describeInstallFailure(
      'failed (exit code 1)',
      'npm error code SELF_SIGNED_CERT_IN_CHAIN',
      {
        cafile: { path: '/etc/ssl/corp.pem', visible: true },
      },
    );
    expect(inside).toContain('npm_config_cafile=/etc/ssl/corp.pem, and trusts only the CAs in that file');
  });

  it('says what the operator sets when npm does not trust the registry certificate', () => {
    for (const code of [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_HAS_EXPIRED',
    ]) {
      const message = describeInstallFailure('failed (exit code 1)', `npm error code ${code}`);
      expect(message).toContain(`TLS certificate (${code})`);
      expect(message).toContain('npm_config_cafile=<PEM file>');
      expect(message).toContain('NODE_EXTRA_CA_CERTS=<PEM file>, which npm trusts as the server does');
    }
  });
});
