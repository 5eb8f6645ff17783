/**
 * fast-gateway 5 in front of the bare backend: the comparison rows of the load benchmarks. It runs in its
 * own process, like Portico, with fast-gateway's defaults (restana, fast-proxy-lite on a keep-alive agent).
 *
 * Usage: node bench/load/fast-gateway-proxy.js <backend port>
 * - without BENCH_FG_CHECKS: `/api/*` is proxied to the backend unchanged (run.js, row g);
 * - with BENCH_FG_CHECKS (JSON `{ "key", "jwk", "issuer", "audience" }`): `/secure/*` is proxied to the
 *   backend's `/api/*` after the checks the gateway's g3 makes, written as a fast-gateway `onRequest` hook:
 *   the subscription key (header `Ocp-Apim-Subscription-Key`, else query `subscription-key`) and the
 *   bearer token, verified with jose (RS256 key, issuer, audience, expiry) (gateway.js, row g6). jose 6
 *   verifies with WebCrypto, whose RSA work Node does on its thread pool, off this process's main thread.
 * Prints one JSON line `{"port":<port>}` when listening on 127.0.0.1; stops on SIGTERM/SIGINT or when its
 * parent goes away (stdin closes).
 */
import gateway from 'fast-gateway';
import { importJWK, jwtVerify } from 'jose';

const backend = `http://127.0.0.1:${Number(process.argv[2])}`;

function refuse(res, message) {
  const body = JSON.stringify({ statusCode: 401, message });
  res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' });
  res.end(body);
  return true;
}

/** The key + JWT hook; returning true stops the request (fast-gateway's contract for `onRequest`). */
async function createChecks(text) {
  const { key, jwk, issuer, audience } = JSON.parse(text);
  const publicKey = await importJWK(jwk, 'RS256');
  return async (req, res) => {
    const given = req.headers['ocp-apim-subscription-key'] ?? req.query?.['subscription-key'];
    if (given === undefined) {
      return refuse(res, 'Access denied due to missing subscription key.');
    }
    if (given !== key) {
      return refuse(res, 'Access denied due to invalid subscription key.');
    }
    const authorization = req.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ')) {
      return refuse(res, 'Unauthorized. Access token is missing or invalid.');
    }
    try {
      await jwtVerify(authorization.slice(7), publicKey, { issuer, audience, algorithms: ['RS256'] });
      return false;
    } catch {
      return refuse(res, 'Unauthorized. Access token is missing or invalid.');
    }
  };
}

async function main() {
  const checks = process.env.BENCH_FG_CHECKS;
  const route =
    checks === undefined
      ? { prefix: '/api', prefixRewrite: '/api', target: backend }
      : {
          prefix: '/secure',
          prefixRewrite: '/api',
          target: backend,
          hooks: { onRequest: await createChecks(checks) },
        };
  const server = gateway({ routes: [route], enableServicesEndpoint: false });
  await server.start(0, '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ port: server.getServer().address().port })}\n`);
}

const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();
main().catch((error) => {
  process.stderr.write(`fast-gateway-proxy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
