/**
 * `portico serve`: the multi-site service (CONTRACT §4). One listener serves every site environment by
 * Host, the other the management API and the portal. Prints the URLs and where the admin token is;
 * Ctrl-C or SIGTERM stops it and every functions worker.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { createManagementClient } from '../../client/index.js';
import { type FunctionsNetwork, SANDBOX_CHOICES, type SandboxChoice } from '../../functions-host/index.js';
import {
  type PreconfiguredProviders,
  type PublicOrigin,
  runClusterPrimary,
  type Service,
  startService,
  WORKER_BANNER_ENV,
  WORKER_READY_MESSAGE,
} from '../../serve/index.js';
import { checkAddressBlock } from '../../shared/address-blocks.js';
import { MIN_ADMIN_TOKEN_CHARS } from '../../shared/admin-token.js';
import { PorticoError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import { onSigusr1 } from '../../shared/inspector-signal.js';
import {
  createLogger,
  LOG_FORMATS,
  type LogFormat,
  type Logger,
  routeConsoleTo,
} from '../../shared/logger.js';
import { quoteShellWord } from '../../shared/shell-quote.js';
import { packageVersion, porticoVersion } from '../../shared/version.js';
import {
  parseDatabaseUrl,
  parseDomainName,
  parseFolder,
  parseFunctionsNetworkFlag,
  parseHttpUrl,
  parseListenHost,
  parseMinutes,
  parsePort,
  parseRedisUrl,
  parseSandboxFlag,
  parseSeconds,
  parseWorkers,
} from '../options.js';
import { deployFolders } from './deploy.js';
import { type HttpsFlags, httpsFromFlags, parseAcmeEmail, parseDnsServer } from './serve-https.js';

/** The site `npm start` deploys the bundled demo to. */
const DEMO_SITE = 'demo';

interface ServeFlags extends HttpsFlags {
  logFormat?: LogFormat;
  data: string;
  databaseUrl?: string;
  redisUrl?: string;
  port: number;
  adminPort: number;
  host: string;
  adminHost?: string;
  domain: string;
  apiTimeout: number;
  apiIdleMinutes: number;
  verbose?: boolean;
  secretKeyFile?: string;
  demoApp?: string;
  demoApi?: string;
  sandbox: SandboxChoice;
  functionsUser?: string;
  functionsNetwork: FunctionsNetwork;
  metrics: boolean;
  traffic: boolean;
  metricsPublic?: boolean;
  inProcessGateway: boolean;
  drainTimeout: number;
  workers: number;
  accessLog?: string;
  newDatabase?: boolean;
  trustedProxy?: string[];
  identityProviderAddress?: string[];
  publicHttps?: boolean;
  publicPort?: number;
}

/** Hooks that run once the service is up (the demo seeding of `npm start`). */
export type ServeReadyHook = (service: Service, token: string) => Promise<void>;

const ENVIRONMENT_HELP = `
Environment:
  PORTICO_ADMIN_TOKEN             admin token (default: a generated one in <data>/admin-token)
  PORTICO_SECRET_KEY              service key sealing secrets and sessions, the same on every node
                                  (default: a key file, see --secret-key-file; never kept in the database)
  PORTICO_SECRET_KEY_FILE         as --secret-key-file
  PORTICO_DATABASE_URL            as --database-url
  PORTICO_REDIS_URL               as --redis-url
  PORTICO_LOG_FORMAT              as --log-format (text or json)
  PORTICO_TRUSTED_PROXY           as --trusted-proxy (comma-separated)
  PORTICO_IDENTITY_PROVIDER_ADDRESS
                                  as --identity-provider-address (comma-separated)
  PORTICO_NPM_ALLOWED_HOSTS       host:port list deploy-time npm installs may reach on loopback or a
                                  private network (your registry or git server); others only at public
                                  addresses
  PORTICO_GITHUB_CLIENT_ID, PORTICO_GITHUB_CLIENT_SECRET
                                  the preconfigured github sign-in (a GitHub OAuth app)
  PORTICO_GITHUB_URL, PORTICO_GITHUB_API_URL
                                  GitHub Enterprise instead of github.com
  PORTICO_AAD_CLIENT_ID, PORTICO_AAD_CLIENT_SECRET, PORTICO_AAD_ISSUER
                                  the preconfigured aad sign-in (Microsoft Entra ID)
See docs/security.md (the service key, backups) and docs/sign-in.md.`;

/** Adds the `serve` command to the program. */
export function registerServeCommand(program: Command, onReady?: ServeReadyHook): Command {
  return program
    .command('serve')
    .description('Host many static web apps with environments, deployments and a management API')
    .option(
      '--data <dir>',
      'folder of the embedded database, contents and admin token',
      parseFolder,
      './.portico',
    )
    .option(
      '--database-url <url>',
      'PostgreSQL URL (several nodes may share it) instead of embedded SQLite',
      parseDatabaseUrl,
    )
    .option(
      '--redis-url <url>',
      'Redis URL shared by the nodes: changes reach every node at once (default: PORTICO_REDIS_URL)',
      parseRedisUrl,
    )
    .option('--port <port>', 'port serving the sites by Host', parsePort, 4280)
    .option('--admin-port <port>', 'port of the management API and portal', parsePort, 4281)
    .option('--host <host>', 'address to listen on', parseListenHost, '127.0.0.1')
    .option(
      '--admin-host <host>',
      'address of the management API and portal (default: --host); keep it private, e.g. 127.0.0.1 beside --host 0.0.0.0',
      parseListenHost,
    )
    .option('--domain <domain>', 'domain of generated host names', parseDomainName, 'localhost')
    .option('--api-timeout <seconds>', 'limit of one /api request', parseSeconds, 45)
    .option(
      '--api-idle-minutes <minutes>',
      'stop an environment’s functions after this quiet time',
      parseMinutes,
      15,
    )
    .option(
      '--secret-key-file <path>',
      'file holding the service key, created 0600 on first start; keep it outside --data and back it up apart (default: <data>/service-key)',
    )
    .option(
      '--sandbox <mechanism>',
      `where managed functions run: ${SANDBOX_CHOICES.join(', ')} (auto: the strongest this machine offers; see docs/security.md)`,
      parseSandboxFlag,
      'auto',
    )
    .option(
      '--functions-user <auto|off|uid[:count]>',
      'as root: a uid per site for managed functions (auto: 1000000000 and up; off: the server’s own)',
    )
    .option(
      '--functions-network <auto|private|shared>',
      'under bubblewrap, a network of its own per functions worker, off the host’s loopback, through slirp4netns (auto: when installed)',
      parseFunctionsNetworkFlag,
      'auto',
    )
    .option(
      '--new-database',
      'create a new, empty database although the data folder shows this node served another one (refused without it); the earlier files move to <data>/before-new-database-<time> (docs/operations.md)',
    )
    .option('--verbose', 'log one line per request')
    .option(
      '--log-format <format>',
      'text (default) or json: one JSON object per line of the server log on stderr (default: PORTICO_LOG_FORMAT)',
      (value: string) => parseLogFormat(value, '--log-format', InvalidArgumentError),
    )
    .option(
      '--access-log <file|->',
      'write one JSON line per request to this file (- for stdout); reopened on SIGHUP or SIGUSR1',
    )
    .option('--metrics-public', 'serve GET /metrics on the admin port without the admin token')
    .option('--no-metrics', 'turn the Prometheus metrics off (to measure their cost)')
    .option('--no-traffic', "turn the portal's traffic history off (to measure its cost)")
    .option(
      '--no-in-process-gateway',
      'call the gateway of a linked site over loopback HTTP instead of in process (to measure the difference)',
    )
    .option(
      '--workers <n>',
      'processes serving the same ports (node:cluster); the CPU count is a good choice',
      parseWorkers,
      1,
    )
    .option(
      '--drain-timeout <seconds>',
      'on SIGTERM, wait this long for requests in flight before cutting them (a second SIGTERM stops at once)',
      parseSeconds,
      30,
    )
    .option(
      '--demo-app <dir>',
      "on start, create the site 'demo' and deploy this folder to it, unless it has a live deployment",
    )
    .option('--demo-api <dir>', 'the API folder deployed with --demo-app')
    .option('--https-port <port>', 'serve HTTPS on this port too; plain HTTP then redirects', parsePort)
    .option(
      '--trusted-proxy <ip|cidr>[,…]',
      'reverse proxies (nginx, Caddy, an ingress) whose X-Forwarded-For/-Proto/-Host/-Port are believed; nobody else’s ever are (default: PORTICO_TRUSTED_PROXY)',
      TRUSTED_PROXIES.collect,
    )
    .option(
      '--identity-provider-address <ip|cidr>[,…]',
      "loopback or private addresses where sites' identity providers may be reached (your own Keycloak on this host or network); others only at public addresses (default: PORTICO_IDENTITY_PROVIDER_ADDRESS)",
      PROVIDER_ADDRESSES.collect,
    )
    .option(
      '--public-https',
      'the sites are reached over HTTPS through a proxy in front: URLs built outside a request (links, invitations, sign-in callbacks) use https://',
    )
    .option(
      '--public-port <port>',
      'the port clients reach the sites on through that proxy (default: 443 with --public-https, else --port)',
      parsePublicPort,
    )
    .option('--tls-cert <file>', 'PEM certificate (chain) of *.<domain>, reloaded when it changes')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--acme-directory <url>',
      'ACME directory for custom domain certificates (default: Let’s Encrypt)',
      parseHttpUrl,
    )
    .option('--acme-email <address>', 'contact address of the ACME account (expiry notices)', parseAcmeEmail)
    .option(
      '--acme-check-interval <seconds>',
      'how often certificates due are looked for (default 60)',
      parseSeconds,
    )
    .option(
      '--acme-retry <seconds>',
      'least time between two orders for one domain (default 3600)',
      parseSeconds,
    )
    .option(
      '--dns-server <host:port>',
      'DNS server for custom domain validation (default: the system’s)',
      parseDnsServer,
    )
    .addHelpText('after', ENVIRONMENT_HELP)
    .action((flags: ServeFlags) => runServe(flags, onReady ?? demoSeeder(flags)));
}

async function runServe(flags: ServeFlags, onReady?: ServeReadyHook): Promise<void> {
  const format = flags.logFormat ?? logFormatFromEnv(process.env);
  const logger = createLogger({ write: (line) => process.stderr.write(`${line}\n`), format });
  if (format === 'json') {
    routeConsoleTo(logger);
  }
  checkDistinctPorts(flags);
  if (flags.workers > 1 && cluster.isPrimary) {
    process.exitCode = await runClusterPrimary({ workers: flags.workers, log: (line) => logger.info(line) });
    return;
  }
  // In a worker of --workers, only the first one prints the start-up lines and seeds the demo.
  const quiet = cluster.isWorker && process.env[WORKER_BANNER_ENV] !== '1';
  const providers = providersFromEnv(process.env);
  const https = httpsFromFlags(flags);
  const shortToken = warnOfShortAdminToken(process.env.PORTICO_ADMIN_TOKEN);
  if (shortToken !== undefined && !quiet) {
    logger.warn(shortToken);
  }
  if (https !== undefined && https.certFile === undefined && !quiet) {
    logger.warn(
      `--https-port without --tls-cert and --tls-key: only custom domains with a certificate (by ACME, or set with portico domain cert set) answer over HTTPS; the generated host names (*.${flags.domain}) stay on plain HTTP. ${flags.domain.includes('.') ? `Give the service certificate for *.${flags.domain} to serve them over HTTPS.` : `No certificate can cover *.${flags.domain} (a wildcard right under a one-label name is never valid): give a --domain of two or more labels and a certificate for it to serve them over HTTPS.`}`,
    );
  }
  const service = await startService({
    dataDir: flags.data,
    databaseUrl: flags.databaseUrl ?? process.env.PORTICO_DATABASE_URL,
    redisUrl: flags.redisUrl ?? (process.env.PORTICO_REDIS_URL || undefined),
    port: flags.port,
    adminPort: flags.adminPort,
    host: flags.host,
    ...(flags.adminHost === undefined ? {} : { adminHost: flags.adminHost }),
    removeFailedFirstData: !cluster.isWorker,
    newDatabase: flags.newDatabase === true,
    domain: flags.domain.toLowerCase(),
    adminToken: process.env.PORTICO_ADMIN_TOKEN,
    secretKey: process.env.PORTICO_SECRET_KEY || undefined,
    secretKeyFile: flags.secretKeyFile ?? (process.env.PORTICO_SECRET_KEY_FILE || undefined),
    apiTimeoutSeconds: flags.apiTimeout,
    apiIdleMinutes: flags.apiIdleMinutes,
    version: packageVersion(),
    verbose: flags.verbose === true,
    logger,
    providers,
    sandbox: flags.sandbox,
    ...(flags.functionsUser === undefined ? {} : { functionsUser: flags.functionsUser }),
    functionsNetwork: flags.functionsNetwork,
    ...(https === undefined ? {} : { https }),
    trustedProxies: flags.trustedProxy ?? TRUSTED_PROXIES.fromEnv(process.env),
    identityProviderAddresses: flags.identityProviderAddress ?? PROVIDER_ADDRESSES.fromEnv(process.env),
    ...publicOriginFromFlags(flags),
    ...(flags.dnsServer === undefined ? {} : { dnsServer: flags.dnsServer }),
    metrics: flags.metrics,
    traffic: flags.traffic,
    metricsPublic: flags.metricsPublic === true,
    accessLog: flags.accessLog,
    inProcessGateway: flags.inProcessGateway,
  });
  const stopped = waitForSignal(service, flags.drainTimeout * 1000, logger);
  process.send?.(WORKER_READY_MESSAGE);
  if (quiet) {
    await stopped;
    return;
  }
  process.stdout.write(
    `Portico service ready at ${service.url} (sites by Host, *.${flags.domain}; version ${porticoVersion()})\n`,
  );
  if (service.httpsPort !== undefined) {
    const redirected =
      https?.certFile === undefined
        ? 'custom domains with a certificate redirect from plain HTTP to it'
        : 'plain HTTP redirects to it the hosts it has a certificate for';
    process.stdout.write(`HTTPS on port ${service.httpsPort}; ${redirected}\n`);
  }
  process.stdout.write(`Management API at ${service.adminUrl} (OpenAPI: ${service.adminUrl}/openapi.json)\n`);
  process.stdout.write(`Portal at ${service.adminUrl}/ (sign in with the admin token)\n`);
  process.stdout.write(
    service.adminTokenFile === undefined
      ? 'Admin token: the PORTICO_ADMIN_TOKEN environment variable\n'
      : `Admin token: in ${displayPath(service.adminTokenFile)} (send it as Authorization: Bearer …)\n`,
  );
  process.stdout.write(
    service.serviceKey.source === 'file'
      ? `Service key: in ${displayPath(service.serviceKey.file)} (back it up apart from the data)\n`
      : 'Service key: the PORTICO_SECRET_KEY environment variable\n',
  );
  for (const warning of service.warnings) {
    logger.warn(warning);
  }
  process.stdout.write(
    `${describeProviders(providers, service.publicUrl(`identity.${flags.domain.toLowerCase()}`))}\n`,
  );
  process.stdout.write(`Functions sandbox: ${service.sandbox.describe()} (see docs/security.md)\n`);
  if (service.sandbox.notice !== undefined) {
    process.stdout.write(`Functions network: ${service.sandbox.notice}\n`);
  }
  if (service.sandbox.tempNotice !== undefined) {
    process.stdout.write(`Functions temp folders: ${service.sandbox.tempNotice}\n`);
  }
  if (onReady !== undefined) {
    const token =
      process.env.PORTICO_ADMIN_TOKEN ?? readFileSync(service.adminTokenFile ?? '', 'utf8').trim();
    await onReady(service, token).catch((error: unknown) => logger.error(errorMessage(error)));
  }
  await stopped;
  // Closed cleanly; a library's pending retry timer (an ACME order backing off) must not hold the process.
  process.exit(process.exitCode ?? 0);
}

/** `--public-port`: a port clients reach, so not 0 (which only asks a listener for a free one). */
function parsePublicPort(value: string): number {
  const port = parsePort(value);
  if (port === 0) {
    throw new InvalidArgumentError('expected the port clients reach the sites on, between 1 and 65535.');
  }
  return port;
}

/**
 * An option listing addresses and CIDR blocks (comma-separated, repeatable), with the environment variable
 * read when the option is absent: `collect` for commander (each use adds to the previous ones), `fromEnv`
 * for the variable (an invalid entry in either refuses the start, with `fix`).
 */
function addressListOption(flag: string, variable: string, fix: string) {
  return {
    collect: (value: string, previous: string[] | undefined): string[] => [
      ...(previous ?? []),
      ...splitAddresses(value, flag, InvalidArgumentError, fix),
    ],
    fromEnv: (env: NodeJS.ProcessEnv): string[] => {
      const value = env[variable];
      return value === undefined || value.trim() === ''
        ? []
        : splitAddresses(value, variable, UsageError, fix);
    },
  };
}

const TRUSTED_PROXIES = addressListOption(
  '--trusted-proxy',
  'PORTICO_TRUSTED_PROXY',
  'Give the addresses (or CIDR blocks) your reverse proxies connect from, comma-separated, e.g. 127.0.0.1,10.0.0.0/8.',
);
const PROVIDER_ADDRESSES = addressListOption(
  '--identity-provider-address',
  'PORTICO_IDENTITY_PROVIDER_ADDRESS',
  'Give the addresses (or CIDR blocks) of the identity providers you run yourself, comma-separated, e.g. 127.0.0.1,10.0.5.0/24.',
);

/** `--log-format` or `PORTICO_LOG_FORMAT`: one of {@link LOG_FORMATS}. */
function parseLogFormat(value: string, source: string, Refusal: new (message: string) => Error): LogFormat {
  const format = value.trim().toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new Refusal(`${source} is '${value}'; give text or json.`);
  }
  return format as LogFormat;
}

function logFormatFromEnv(env: NodeJS.ProcessEnv): LogFormat {
  const value = env.PORTICO_LOG_FORMAT;
  return value === undefined || value.trim() === ''
    ? 'text'
    : parseLogFormat(value, 'PORTICO_LOG_FORMAT', UsageError);
}

class UsageError extends PorticoError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

function splitAddresses(
  value: string,
  source: string,
  Refusal: new (message: string) => Error,
  fix: string,
): string[] {
  const entries = value
    .split(',')
    // An IPv6 address may be written as in a URL: [::1], [fd00::]/8.
    .map((entry) => entry.trim().replace(/^\[([^\]]*)\](\/\d+)?$/, '$1$2'))
    .filter((entry) => entry !== '');
  const problem = entries.map(checkAddressBlock).find((reason) => reason !== undefined);
  if (problem !== undefined || entries.length === 0) {
    throw new Refusal(`${source}: ${problem ?? 'no address given'}. ${fix}`);
  }
  return entries;
}

/** `--public-https` and `--public-port` as the service's public origin, when either is given. */
function publicOriginFromFlags(flags: ServeFlags): { publicOrigin?: PublicOrigin } {
  if (flags.publicHttps !== true && flags.publicPort === undefined) {
    return {};
  }
  const protocol = flags.publicHttps === true ? 'https' : 'http';
  return { publicOrigin: { protocol, port: flags.publicPort ?? (protocol === 'https' ? 443 : flags.port) } };
}

/**
 * The preconfigured providers' credentials, from the environment (never flags: secrets stay out of the
 * process list). A provider is set up only when both its client id and secret are given.
 */
export function providersFromEnv(env: NodeJS.ProcessEnv): PreconfiguredProviders {
  const value = (name: string) => env[name]?.trim() || undefined;
  const pair = (id: string, secret: string) => {
    const clientId = value(id);
    const clientSecret = value(secret);
    return clientId === undefined || clientSecret === undefined ? undefined : { clientId, clientSecret };
  };
  const github = pair('PORTICO_GITHUB_CLIENT_ID', 'PORTICO_GITHUB_CLIENT_SECRET');
  const aad = pair('PORTICO_AAD_CLIENT_ID', 'PORTICO_AAD_CLIENT_SECRET');
  const optional = (key: string, name: string) => (value(name) === undefined ? {} : { [key]: value(name) });
  return {
    ...(github === undefined ? {} : { github }),
    ...(aad === undefined ? {} : { aad: { ...aad, ...optional('issuer', 'PORTICO_AAD_ISSUER') } }),
    ...optional('githubUrl', 'PORTICO_GITHUB_URL'),
    ...optional('githubApiUrl', 'PORTICO_GITHUB_API_URL'),
  };
}

/**
 * One line saying which preconfigured providers can sign users in, how to set up the others, and the
 * callback URL to register with them (the identity host's).
 */
export function describeProviders(providers: PreconfiguredProviders, identityOrigin: string): string {
  const ready = [providers.github && 'github', providers.aad && 'aad'].filter(Boolean);
  const missing = [
    providers.github ? undefined : 'github (PORTICO_GITHUB_CLIENT_ID/SECRET)',
    providers.aad ? undefined : 'aad (PORTICO_AAD_CLIENT_ID/SECRET)',
  ].filter(Boolean);
  return [
    `Sign-in: ${ready.length > 0 ? `${ready.join(', ')} set up` : 'no preconfigured provider set up'}`,
    ...(missing.length > 0 ? [`to set up ${missing.join(', ')}`] : []),
    `their callback URL is ${identityOrigin}/.auth/login/<github|aad>/callback`,
    'sites may register their own (docs/sign-in.md)',
  ].join('; ');
}

/**
 * `npm start`: deploys the bundled demo when its site has no live deployment: the first time the service
 * runs on a data folder, and again at each start after a first deploy that failed (an npm install behind
 * a TLS-inspecting proxy), so fixing the cause and starting again is enough.
 */
function demoSeeder(flags: ServeFlags): ServeReadyHook | undefined {
  const appDir = flags.demoApp;
  if (appDir === undefined) {
    return undefined;
  }
  return async (service, token) => {
    const client = createManagementClient({ url: service.adminUrl, token });
    const existing = await client.getSite(DEMO_SITE).catch(() => undefined);
    const site = existing ?? (await client.createSite(DEMO_SITE, 'standard'));
    const live =
      existing !== undefined &&
      (await client.listDeployments(DEMO_SITE, 'production')).some((d) => d.properties.active);
    if (!live) {
      process.stderr.write(
        existing === undefined
          ? `Deploying the demo app to the new site '${DEMO_SITE}'…\n`
          : `The site '${DEMO_SITE}' has no live deployment (its last deploy failed); deploying the demo app again…\n`,
      );
      const deploymentToken = (await client.listSecrets(DEMO_SITE)).properties.apiKey;
      await deployFolders({
        url: service.adminUrl,
        deploymentToken,
        appDir,
        apiDir: flags.demoApi,
        env: 'production',
      }).catch((error: unknown) => {
        const api = flags.demoApi === undefined ? '' : ` --api ${quoteShellWord(flags.demoApi)}`;
        const command = `portico deploy ${quoteShellWord(appDir)}${api} --site ${DEMO_SITE}`;
        throw new Error(
          `${errorMessage(error)}\nThe demo app was not deployed. Fix the cause, then start again (the demo is deployed at each start until it is live) or run: ${command}`,
        );
      });
    }
    process.stdout.write(`Demo app: ${service.publicUrl(site.properties.defaultHostname)}\n`);
  };
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/**
 * SIGTERM or Ctrl-C drains: no new connections, requests in flight finish (cut after `drainMs`), then
 * everything stops and the process exits 0. A second signal during the drain exits at once (code 1).
 */
function waitForSignal(service: Service, drainMs: number, logger: Logger): Promise<void> {
  const stopNow = stopNowWith(logger);
  return new Promise((resolve) => {
    const reopen = () => service.reopenLogs();
    // A worker whose primary is gone (killed) drains and stops rather than serve on unsupervised.
    const onDisconnect = () => stop('SIGTERM');
    const stop = (signal: NodeJS.Signals) => {
      process.off('disconnect', onDisconnect);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGINT', ignoreSignal);
      process.once('SIGINT', cluster.isWorker ? ignoreSignal : stopNow);
      process.once('SIGTERM', stopNow);
      logger.info(
        `${signal}: draining (up to ${drainMs / 1000} s for requests in flight; send it again to stop at once)`,
      );
      void service.drain(drainMs).then(
        (clean) => {
          if (!clean) {
            logger.warn(`requests still in flight after ${drainMs / 1000} s were cut`);
          }
          process.off('SIGHUP', reopen);
          onSigusr1(undefined);
          process.off('SIGINT', stopNow);
          process.off('SIGTERM', stopNow);
          // The IPC channel of a worker would keep the process alive.
          if (cluster.isWorker && process.connected) {
            process.disconnect();
          }
          resolve();
        },
        (error: unknown) => {
          logger.error(`stopping failed: ${errorMessage(error)}`);
          process.exit(1);
        },
      );
    };
    // A worker of --workers leaves Ctrl-C to the primary, which sends it SIGTERM.
    process.on('SIGINT', cluster.isWorker ? ignoreSignal : stop);
    if (cluster.isWorker) {
      process.once('disconnect', onDisconnect);
    }
    process.on('SIGTERM', stop);
    process.on('SIGHUP', reopen);
    // logrotate set up as for nginx sends USR1: reopen as on SIGHUP (and never open the inspector).
    onSigusr1(reopen);
  });
}

function ignoreSignal(): void {}

/** The second signal's handler: stops at once. */
function stopNowWith(logger: Logger): (signal: NodeJS.Signals) => void {
  return (signal) => {
    logger.info(`${signal} again: stopping now, without waiting for requests in flight`);
    process.exit(1);
  };
}

/** The warning for a short `PORTICO_ADMIN_TOKEN`, or undefined. */
export function warnOfShortAdminToken(token: string | undefined): string | undefined {
  if (token === undefined || token.length >= MIN_ADMIN_TOKEN_CHARS) {
    return undefined;
  }
  return `PORTICO_ADMIN_TOKEN has ${token.length} character${token.length === 1 ? '' : 's'}: whoever reaches the admin port could guess it, so 20 wrong tokens a minute from one address shut that address out (a site's function on this machine could shut you out). Use ${MIN_ADMIN_TOKEN_CHARS} random characters or more (e.g. openssl rand -hex 32), and keep the admin port private (--admin-host 127.0.0.1).`;
}

/** Refuses two listeners given one port, before anything starts (port 0: each gets its own). */
function checkDistinctPorts(flags: ServeFlags): void {
  const ports: [string, number | undefined][] = [
    ['--port', flags.port],
    ['--admin-port', flags.adminPort],
    ['--https-port', flags.httpsPort],
  ];
  const given = ports.filter((entry): entry is [string, number] => entry[1] !== undefined && entry[1] !== 0);
  for (const [i, [flag, port]] of given.entries()) {
    const other = given.slice(i + 1).find(([, p]) => p === port);
    if (other !== undefined) {
      throw new PorticoError(
        'CLI_USAGE',
        `${flag} and ${other[0]} are both ${port}: each listener of portico serve needs its own port. Give ${other[0]} another one.`,
      );
    }
  }
}
