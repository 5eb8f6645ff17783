/**
 * Loopback load benchmark of the API Management gateway of `portico serve` against a bare node:http
 * backend (HOUSE-STYLE habit 9).
 *
 *   npm run build && node bench/load/gateway.js
 *
 * Scenarios, each with a warm-up run that is thrown away, then a measured run:
 *   g1. bare node:http backend answering a small JSON document (the ceiling, from bare-servers.js);
 *   g2. the gateway passing an open API (no subscription, no policy) through to g1;
 *   g3. the same call on an API that needs a subscription key, with an API-scope policy of
 *       `validate-jwt` (RS256, a key given as n and e) and `rate-limit-by-key` per subscription;
 *   g4. a site's `/api`, linked to the API Management service, through the gateway to g1 (the site signs
 *       its token, the gateway checks it against the site's openid-config and the link's key); the
 *       gateway runs in the site's process (decision 0027);
 *   g5. g4 on a second `portico serve` started with `--no-in-process-gateway`: the HTTP hop over loopback
 *       that g4 replaced, for the comparison in the same run;
 *   g6. fast-gateway 5 with the same subscription key and JWT checks as g3 in an `onRequest` hook, jose
 *       verifying the token (fast-gateway-proxy.js), to g1;
 *   g7. a bare undici proxy (bare-proxy.js) to g1: the floor of any Node proxy;
 *   g8. g7 adding to each request the fields a linked site's call carries beyond g2's (the site's token
 *       twice, signed the same way, and the `x-ms-*` and forwarded fields): about 1.6 KB instead of 75 bytes.
 * Reported: g2/g1, g3/g2 (target >= 85 %: the cost of the checks relative to pass-through), g3/g6 (target
 * >= 2), g4/g2 (target >= 85 %), g4/g5, and g8/g7: what those fields alone cost a proxy that does nothing
 * else, and its backend, beside g4/g2. The three checked ratios, and g8/g7, are measured again in
 * alternating pairs of short runs; a verdict is on the median pair (decision 0052). For the Portico rows,
 * also the V8 young-generation bytes allocated and promoted per request, which other work on the machine
 * hardly moves.
 * A miss prints BELOW but does not fail the run; a scenario that cannot run sets exit code 1. Every target
 * is checked with one request first, so a benchmark cannot pass on broken output.
 *
 * Environment: BENCH_DURATION (seconds per measured run, default 4), BENCH_WARMUP (default 1),
 * BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 1; with more, the scenarios run in turn that many
 * times and each row shows its best round), BENCH_PAIRS (pairs per checked ratio, default 5; `off` for
 * none), BENCH_PAIR_SECONDS (seconds per run of a pair, default 2), BENCH_CPU_PROF (a folder: each
 * `portico serve` writes a `node --cpu-prof` profile there when it stops; the scenarios run one after the
 * other, so a profile's busy stretches are g2, g3 and g4 in turn, or g5 in the second one). Everything
 * listens on 127.0.0.1 only; the load generator, the bare backend and Portico run in separate processes.
 * Portico, fast-gateway and the bare proxies run with `node --no-memory-reducer` (decision 0048). Results
 * are also written to bench/results/gateway.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  cpuRatio,
  formatCheck,
  formatNotes,
  formatPairsNote,
  formatReference,
  formatRow,
  HOST,
  ratio,
  runBenchmark,
  runPairs,
  runRounds,
  settings,
  startBareServers,
  startProxyScript,
  startServe,
  stopChildren,
  writeResults,
} from './_harness.js';
import { API_BODY } from './bare-servers.js';

const TARGETS = { checks: 0.85, fastGateway: 2, linked: 0.85 };

/**
 * The Node flags of both `portico serve` processes, fast-gateway and the bare proxies (decision 0048):
 * each rests through the others' set-up and runs before its first load, and without this flag what V8's
 * memory reducer collected meanwhile could cost it up to 55 % more CPU per request (decision 0048).
 */
const NODE_FLAGS = ['--no-memory-reducer'];
const PROVIDERS = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers';
const APIM = `${PROVIDERS}/Microsoft.ApiManagement/service/bench`;
const SITE = `${PROVIDERS}/Microsoft.Web/staticSites/shop`;
const JWT_ISSUER = 'https://bench.local';
const JWT_AUDIENCE = 'bench';

/** One management call; throws unless the answer has one of the `expected` statuses. */
async function admin(service, method, path, body, expected = [200, 201]) {
  const response = await fetch(`${service.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!expected.includes(response.status)) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return text === '' ? undefined : JSON.parse(text);
}

/** The policy of the secure API: validate-jwt with the bench's RSA key, then a per-subscription rate. */
function securePolicy(jwk) {
  return [
    '<policies>',
    '  <inbound>',
    '    <base />',
    '    <validate-jwt header-name="Authorization" failed-validation-httpcode="401">',
    `      <issuer-signing-keys><key n="${jwk.n}" e="${jwk.e}" /></issuer-signing-keys>`,
    `      <audiences><audience>${JWT_AUDIENCE}</audience></audiences>`,
    `      <issuers><issuer>${JWT_ISSUER}</issuer></issuers>`,
    '    </validate-jwt>',
    '    <rate-limit-by-key calls="100000000" renewal-period="60" counter-key="@(context.Subscription.Id)" />',
    '  </inbound>',
    '  <backend><base /></backend>',
    '  <outbound><base /></outbound>',
    '  <on-error><base /></on-error>',
    '</policies>',
  ].join('\n');
}

/** An API of the bench service with the one operation `GET /hello`. */
async function createApi(service, name, properties) {
  await admin(service, 'PUT', `${APIM}/apis/${name}`, { properties });
  await admin(service, 'PUT', `${APIM}/apis/${name}/operations/hello`, {
    properties: { method: 'GET', urlTemplate: '/hello' },
  });
}

/** g3's API: subscription key through product p1, and the validate-jwt + rate-limit-by-key policy. */
async function configureSecureApi(service, serviceUrl) {
  await createApi(service, 'secure', { path: 'secure', serviceUrl });
  await admin(service, 'PUT', `${APIM}/products/p1`, {
    properties: { displayName: 'p1', subscriptionRequired: true, state: 'published' },
  });
  await admin(service, 'PUT', `${APIM}/products/p1/apis/secure`);
  await admin(service, 'PUT', `${APIM}/subscriptions/s1`, {
    properties: { displayName: 's1', scope: '/products/p1', state: 'active' },
  });
  const { primaryKey } = await admin(service, 'POST', `${APIM}/subscriptions/s1/listSecrets`);
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  await admin(service, 'PUT', `${APIM}/apis/secure/policies/policy`, {
    properties: { format: 'rawxml', value: securePolicy(await exportJWK(publicKey)) },
  });
  const jwt = await new SignJWT({ sub: 'bench' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  const headers = { 'ocp-apim-subscription-key': primaryKey, authorization: `Bearer ${jwt}` };
  const checks = {
    key: primaryKey,
    jwk: await exportJWK(publicKey),
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
  };
  return { headers, checks };
}

/** fast-gateway 5 with g3's key and JWT checks (g6), or the error that kept it from starting. */
async function startFastGateway(apiPort, secure) {
  if (secure instanceof Error) {
    throw secure;
  }
  const proxy = await startProxyScript('fast-gateway-proxy.js', apiPort, {
    env: { BENCH_FG_CHECKS: JSON.stringify(secure.checks) },
    nodeFlags: NODE_FLAGS,
  });
  return { ...proxy, headers: secure.headers };
}

/**
 * The fields a linked site's call carries to the backend beyond what a pass-through call carries: its
 * token (RS256 with a `kid`, the claims and hosts of spec/apim.md §4) in `Authorization` and
 * `x-ms-auth-token`, and the `x-ms-*` and forwarded fields, as `[name, value]` pairs.
 */
async function linkedCallFields(siteHost, gatewayHost) {
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'anonymous' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: randomBytes(32).toString('base64url') })
    .setIssuer(`http://${siteHost}/.auth`)
    .setAudience(`http://${gatewayHost}`)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .sign(privateKey);
  return [
    ['x-ms-original-url', `http://${siteHost}/api/hello`],
    ['x-ms-request-id', randomBytes(16).toString('hex')],
    ['x-forwarded-host', siteHost],
    ['x-forwarded-proto', 'http'],
    ['authorization', `Bearer ${token}`],
    ['x-ms-auth-token', token],
  ];
}

/** g8's fields for the linked site of `portico` (the measured service), or the error that prevents them. */
async function linkedFieldsOf(portico) {
  if (portico instanceof Error) {
    throw portico;
  }
  const { siteHost, gatewayHost } = portico.setup;
  if (siteHost instanceof Error) {
    throw siteHost;
  }
  return linkedCallFields(siteHost, gatewayHost);
}

/** The bytes `fields` add to a request head (`name: value` and CRLF each), or `?` when they could not be made. */
function fieldBytes(fields) {
  return fields instanceof Error
    ? '?'
    : fields.reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
}

/** g7 (no `fields`) or g8: bare-proxy.js to the backend, or the error that kept it from starting. */
async function startBareProxy(apiPort, fields = []) {
  if (fields instanceof Error) {
    throw fields;
  }
  const env = { BENCH_EXTRA_HEADERS: JSON.stringify(fields) };
  return startProxyScript('bare-proxy.js', apiPort, { env, nodeFlags: NODE_FLAGS });
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/** Deploys one index.html to the site's production environment over the deployment protocol. */
async function deployPage(service, apiKey) {
  const data = Buffer.from('<!doctype html><h1>shop</h1>\n');
  const hash = sha256(data);
  const call = async (method, path, body, type = 'application/json') => {
    const response = await fetch(`${service.adminUrl}/deploy/v1/deployments${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': type },
      body,
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`deployment ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return text === '' ? undefined : JSON.parse(text);
  };
  const listing = {
    environment: 'production',
    app: [{ path: 'index.html', size: data.length, sha256: hash }],
  };
  const { id, missing } = await call('POST', '', JSON.stringify(listing));
  if (missing.includes(hash)) {
    await call('PUT', `/${id}/files/${hash}`, data, 'application/octet-stream');
  }
  await call('POST', `/${id}/commit`);
}

/** g4: the site `shop`, its `/api` linked to the service, and the API `api` added to the link's product. */
async function configureLinkedSite(service, serviceUrl) {
  const site = await admin(service, 'PUT', SITE, { location: 'local', sku: { name: 'Standard' } });
  const { defaultHostname, apiKey } = site.properties;
  await deployPage(service, apiKey);
  await createApi(service, 'api', { path: 'api', serviceUrl });
  await admin(service, 'PUT', `${SITE}/linkedBackends/bench`, {
    properties: { backendResourceId: APIM, backendType: 'apim' },
  });
  const products = await admin(service, 'GET', `${APIM}/products`);
  const linked = products.value.find((product) => product.name.startsWith('swa-'));
  if (linked === undefined) {
    throw new Error('linking the site created no swa-… product');
  }
  await admin(service, 'PUT', `${APIM}/products/${linked.name}/apis/api`);
  return defaultHostname;
}

/**
 * Creates the bench service and everything the gateway scenarios call. Each part fails on its own, so a
 * broken part leaves only its scenario unable to run.
 */
async function configure(service, apiPort) {
  const serviceUrl = `http://${HOST}:${apiPort}/api`;
  const created = await admin(service, 'PUT', APIM, { location: 'local', properties: {} });
  const gatewayHost = `${created.properties.gatewayHostname}:${service.port}`;
  const open = await createApi(service, 'open', {
    path: 'open',
    serviceUrl,
    subscriptionRequired: false,
  }).then(
    () => ({ host: gatewayHost }),
    (error) => error,
  );
  const checked = await configureSecureApi(service, serviceUrl).catch((error) => error);
  const secure = checked instanceof Error ? checked : { ...checked.headers, host: gatewayHost };
  const siteHost = await configureLinkedSite(service, serviceUrl).then(
    (hostname) => `${hostname}:${service.port}`,
    (error) => error,
  );
  const linked = siteHost instanceof Error ? siteHost : { host: siteHost };
  return { open, secure, linked, checked, siteHost, gatewayHost };
}

/** A GET with exactly these headers (fetch would not send a Host of our choosing). */
function get(url, headers) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * One request, checked, so a benchmark cannot pass on broken output; then, for a scenario with checks,
 * one request without each credential, which must be refused, so it cannot pass on checks not made.
 */
async function checkTarget({ url, headers, expected, refusedWithout = [] }) {
  const { status, body } = await get(url, headers);
  if (status !== 200 || body !== expected) {
    throw new Error(`${url} answered ${status} with an unexpected body (${body.slice(0, 160)})`);
  }
  for (const name of refusedWithout) {
    const { [name]: _left, ...rest } = headers;
    const refused = await get(url, rest);
    if (refused.status !== 401) {
      throw new Error(`${url} without ${name} answered ${refused.status} instead of 401`);
    }
  }
}

/** A scenario's target (`pid`: the process serving it, for the CPU column), or its setup error thrown. */
function target(url, headers, pid, refusedWithout = [], gc = undefined) {
  if (headers instanceof Error) {
    throw headers;
  }
  return { url, headers, expected: API_BODY, refusedWithout, pids: [pid], gc };
}

/** The target of g7 or g8: the proxy's `/api/hello`, or the error that kept it from starting, thrown. */
function proxyTarget(proxy) {
  if (proxy instanceof Error) {
    throw proxy;
  }
  return target(`${proxy.url}/api/hello`, {}, proxy.pid);
}

/** The checked ratios measured again in alternating pairs (decision 0052), as `[row, base]`. */
const PAIRS = [
  ['g3', 'g2'],
  ['g3', 'g6'],
  ['g4', 'g2'],
  ['g8', 'g7'],
];

/**
 * Runs the eight scenarios, `settings.rounds` times in turn, keeping each one's best round; then the pairs
 * of {@link PAIRS}.
 */
async function runAll(bare, portico, hop, fastGateway, proxies) {
  const gateway = (path, headers, refusedWithout) => {
    if (portico instanceof Error) {
      throw portico;
    }
    const { service, setup } = portico;
    const url = `http://${HOST}:${service.port}${path}`;
    return target(url, headers(setup), service.pid, refusedWithout, service.gc);
  };
  const scenarios = [
    [
      'g1. bare node:http backend, JSON',
      async () => target(`http://${HOST}:${bare.api}/api/hello`, {}, bare.pid),
    ],
    ['g2. gateway pass-through (open API)', async () => gateway('/open/hello', (s) => s.open)],
    [
      'g3. gateway + key + validate-jwt + rate-limit-by-key',
      async () => gateway('/secure/hello', (s) => s.secure, ['ocp-apim-subscription-key', 'authorization']),
    ],
    [
      'g4. site /api → linked APIM (in process) → backend',
      async () => gateway('/api/hello', (s) => s.linked),
    ],
    [
      'g5. site /api → HTTP hop → linked APIM → backend',
      async () => {
        if (hop instanceof Error) {
          throw hop;
        }
        const { service, setup } = hop;
        return target(`http://${HOST}:${service.port}/api/hello`, setup.linked, service.pid, [], service.gc);
      },
    ],
    [
      'g6. fast-gateway 5 + key + JWT check (jose) in a hook',
      async () => {
        if (fastGateway instanceof Error) {
          throw fastGateway;
        }
        return target(`${fastGateway.url}/secure/hello`, fastGateway.headers, fastGateway.pid, [
          'ocp-apim-subscription-key',
          'authorization',
        ]);
      },
    ],
    ['g7. bare undici proxy (bare-proxy.js) → backend', async () => proxyTarget(proxies.bare)],
    [
      "g8. g7 adding a linked call's fields (token twice, x-ms-*, forwarded)",
      async () => proxyTarget(proxies.linked),
    ],
  ];
  const rows = await runRounds(scenarios, checkTarget);
  const pairs = await runPairs(scenarios, PAIRS, checkTarget);
  return { rows, pairs };
}

function formatRatio(label, value) {
  return `- ${label}: ${value === undefined ? 'NOT RUN' : `${(value * 100).toFixed(0)} %`}`;
}

/** The table shows the serving process's CPU time, and `portico serve`'s V8 allocation, per request. */
const CPU = { cpu: true, gc: true };

function formatReport(rows, pairs, extraBytes) {
  const [g1, g2, g3, g4, g5, g6, g7, g8] = rows;
  const lines = [
    '# Portico gateway load benchmark',
    '',
    `${new Date().toISOString()}; Node ${process.version}; ${availableParallelism()} CPUs; ` +
      `${settings.connections} connections; ${settings.warmup} s warm-up + ${settings.duration} s per scenario; ` +
      `best of ${settings.rounds} round(s); load generator, bare backend and \`portico serve\` in separate ` +
      'processes on loopback; Portico, fast-gateway and the bare proxies under `node --no-memory-reducer` (decision 0048).',
    'Ratio: against g1. CPU µs/req: user + system time of the process serving the row',
    '(children included) over the requests of the measured run, least of the rounds. Alloc KB/req and promoted',
    "B/req: what `portico serve`'s young generation allocated, and kept long enough to move to the old one, per",
    'request (from `--trace-gc-nvp`; least of the rounds): steady where req/s and CPU move with the machine.',
    '',
    '| scenario | req/s | p50 ms | p99 ms | ratio | CPU µs/req | alloc KB/req | promoted B/req |',
    '|---|---|---|---|---|---|---|---|',
    formatRow(g1, undefined, CPU),
    formatRow(g2, ratio(g2, g1), CPU),
    formatRow(g3, ratio(g3, g1), CPU),
    formatRow(g4, ratio(g4, g1), CPU),
    formatRow(g5, ratio(g5, g1), CPU),
    formatRow(g6, ratio(g6, g1), CPU),
    formatRow(g7, ratio(g7, g1), CPU),
    formatRow(g8, ratio(g8, g1), CPU),
    '',
    'Target check:',
    ...formatPairsNote(),
    formatRatio('gateway pass-through against the bare backend (g2/g1)', ratio(g2, g1)),
    formatCheck(
      'key + validate-jwt + rate-limit-by-key against pass-through (g3/g2)',
      ratio(g3, g2),
      TARGETS.checks,
      cpuRatio(g3, g2),
      pairs.get('g3/g2'),
    ),
    formatCheck(
      'key + validate-jwt + rate-limit-by-key against fast-gateway 5 with key + JWT (g3/g6)',
      ratio(g3, g6),
      TARGETS.fastGateway,
      cpuRatio(g3, g6),
      pairs.get('g3/g6'),
    ),
    formatCheck(
      'site → linked APIM against pass-through (g4/g2)',
      ratio(g4, g2),
      TARGETS.linked,
      cpuRatio(g4, g2),
      pairs.get('g4/g2'),
    ),
    formatRatio('site → HTTP hop → linked APIM against pass-through (g5/g2)', ratio(g5, g2)),
    formatRatio('in process against the HTTP hop (g4/g5)', ratio(g4, g5)),
    formatReference(
      `the fields a linked call adds (${extraBytes} bytes) through a proxy with no logic (g8/g7, beside g4/g2)`,
      ratio(g8, g7),
      cpuRatio(g8, g7),
      pairs.get('g8/g7'),
    ),
  ];
  return [...lines, ...formatNotes(rows), ''].join('\n');
}

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'portico-bench-gateway-'));
  try {
    const htmlFile = join(workDir, 'index.html');
    writeFileSync(htmlFile, '<!doctype html>\n');
    const bare = await startBareServers(htmlFile);
    // Started and configured before any measurement, so its start-up never overlaps a run.
    const portico = await startServe(join(workDir, 'data'), [], { gc: true, nodeFlags: NODE_FLAGS })
      .then(async (service) => ({ service, setup: await configure(service, bare.api) }))
      .catch((error) => error);
    const hop = await startServe(join(workDir, 'hop'), ['--no-in-process-gateway'], {
      gc: true,
      nodeFlags: NODE_FLAGS,
    })
      .then(async (service) => ({ service, setup: await configure(service, bare.api) }))
      .catch((error) => error);
    const fastGateway = await startFastGateway(
      bare.api,
      portico instanceof Error ? portico : portico.setup.checked,
    ).catch((error) => error);
    // Made once, from the measured service's hosts (the hop's service needs none).
    const fields = await linkedFieldsOf(portico).catch((error) => error);
    const proxies = {
      bare: await startBareProxy(bare.api).catch((error) => error),
      linked: await startBareProxy(bare.api, fields).catch((error) => error),
    };
    const { rows, pairs } = await runAll(bare, portico, hop, fastGateway, proxies);
    const report = formatReport(rows, pairs, fieldBytes(fields));
    process.stdout.write(`\n${report}`);
    writeResults('gateway.md', report);
    process.exitCode = rows.some((row) => row.error !== undefined) ? 1 : 0;
  } finally {
    await stopChildren();
    rmSync(workDir, { recursive: true, force: true });
  }
}

runBenchmark(main);
