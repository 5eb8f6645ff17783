/**
 * The page for a dev server that cannot be reached (not started yet, crashed, wrong port): a 502 that
 * names the URL the developer gave and what to check, instead of a hang or a bare socket error. HTML
 * for browsers, plain text for everything else.
 *
 * A dev server restarts many times a day, so the answer must not end the browser's wait for it (decision
 * 0111): Vite's client, having lost its hot-reload socket, polls with `Accept: text/x-vite-ping` and
 * reloads the tab at the first HTTP answer of any kind, so that ping gets no answer at all (the
 * connection is dropped, and the client keeps polling); and the HTML page of a GET navigation pings the
 * same way itself and reloads once the dev server answers, whatever the framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../../shared/html.js';

/** Writes the 502 answer for `error`; when the response has already started, it is cut instead. */
export function sendDevServerUnreachable(
  req: IncomingMessage,
  res: ServerResponse,
  devServerUrl: string,
  error: unknown,
): void {
  if (res.headersSent || res.destroyed || isDevServerPing(req)) {
    res.destroy();
    return;
  }
  const lines = describeUnreachable(devServerUrl, error);
  const html = /text\/html/i.test(req.headers.accept ?? '');
  const retry = html && (req.method === 'GET' || req.method === 'HEAD');
  const body = html
    ? renderHtml(retry ? [...lines.slice(0, -1), RETRY_LINE] : lines, retry)
    : `${lines.join('\n')}\n`;
  const headers = {
    'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(req.complete ? {} : { connection: 'close' }),
  };
  if (!req.complete) {
    req.unpipe();
    req.resume();
  }
  res.writeHead(502, headers).end(req.method === 'HEAD' ? undefined : body);
}

/** The explanation, one sentence per line: what failed, then what to check. */
export function describeUnreachable(devServerUrl: string, error: unknown): string[] {
  const code = errorCode(error);
  return [
    `Portico could not get an answer from your dev server at ${devServerUrl} (${code}).`,
    'Check that the dev server is running (start it, or let Portico start it with --run "<command>"),',
    `that it listens at exactly ${devServerUrl} (host, port and http/https as it prints them),`,
    'and look at its output for a crash or a compile error. Reload this page once it is up.',
  ];
}

/** The request header of Vite's reconnect ping (Vite 5's `waitForSuccessfulPing`), also the page's own. */
const PING_ACCEPT = 'text/x-vite-ping';

/** A ping asks whether the dev server is back: an answer of any kind would say yes. */
function isDevServerPing(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').toLowerCase().includes(PING_ACCEPT);
}

/** The page's last sentence when it reloads by itself (a GET navigation; a form's POST is never re-sent). */
const RETRY_LINE =
  'and look at its output for a crash or a compile error. This page reloads by itself once it answers.';

/**
 * Pings the page's own URL every second (dropped while the dev server is down, see the module comment)
 * and reloads at the first answer; without scripts, a refresh every 5 s does the same.
 */
const RETRY_HEAD = `<noscript><meta http-equiv="refresh" content="5"></noscript><script>(function(){function ping(){fetch(location.href,{method:'HEAD',cache:'no-store',headers:{Accept:'${PING_ACCEPT}'}}).then(function(){location.reload()},function(){setTimeout(ping,1000)})}setTimeout(ping,1000)})()</script>`;

function renderHtml(lines: readonly string[], retry: boolean): string {
  const [first, ...rest] = lines.map(escapeHtml);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>502 Dev server not reachable</title>${retry ? RETRY_HEAD : ''}<style>body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:40rem;color:#222}h1{font-size:1.6rem}</style></head><body><h1>502: the dev server is not reachable</h1><p>${first ?? ''}</p><p>${rest.join(' ')}</p></body></html>\n`;
}

/** The most telling code of an error: its own, its cause's, or the first of an AggregateError's. */
export function errorCode(error: unknown): string {
  const own = codeOf(error);
  if (own !== undefined) {
    return own;
  }
  if (error instanceof AggregateError) {
    return codeOf(error.errors[0]) ?? 'no answer';
  }
  return (error instanceof Error ? (codeOf(error.cause) ?? error.message) : undefined) ?? 'no answer';
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
