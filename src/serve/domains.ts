/**
 * Custom domains on the data plane: which `Ready` domain serves which site's production environment,
 * the redirect of a site's other domains to its default domain, and the periodic re-validation. It
 * follows the change log as the other resource tables do (`domains:<name>` entries, `*`, site changes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ControlContext,
  listServedDomains,
  revalidateDomains,
  type ServedDomain,
} from '../control-plane/index.js';
import type { EdgeSite } from '../edge/index.js';
import { isHttpsRequest } from '../shared/forwarded.js';
import { errorMessage } from '../shared/guards.js';
import type { ResourceTables } from './environment-runtime.js';
import type { SiteHosts } from './site-table.js';

/** The custom domains a node serves. */
export interface DomainTable extends ResourceTables {
  /** The `Ready` domain `hostname`, when it is one. */
  served(hostname: string): ServedDomain | undefined;
  /**
   * The edge's state provider, with custom domains resolved to their site's production environment; its
   * `describeHost` names the site and environment a host serves the same way, so metrics, the traffic
   * history and the access log count a custom domain's requests for that environment.
   */
  provider(table: SiteHosts): SiteHosts;
  /** 301 from a site's other custom domains to its default domain; true when it answered. */
  redirectToDefault(hostname: string, req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * Starts checking `Validating` domains every `intervalMs` and `Ready` ones once they were last checked
   * `readyAfterMs` ago; `afterChange` spreads what changed to the nodes.
   */
  startChecks(intervalMs: number, readyAfterMs: number, afterChange: () => Promise<void>): void;
}

/** Creates the table; `loadAll()` fills it. */
export function createDomainTable(control: ControlContext): DomainTable {
  let domains = new Map<string, ServedDomain>();
  let timer: NodeJS.Timeout | undefined;
  const reload = async () => {
    domains = new Map((await listServedDomains(control)).map((d) => [d.domainName, d]));
  };
  const served = (host: string | undefined) =>
    host === undefined ? undefined : domains.get(host.replace(/:\d+$/, '').toLowerCase().replace(/\.$/, ''));
  return {
    loadAll: reload,
    // Any change may concern a domain (a site deleted, a plan changed): the table is small, read it again.
    apply: async (names) => (names.length > 0 ? reload() : undefined),
    async close() {
      clearInterval(timer);
    },
    served: (hostname) => domains.get(hostname),
    provider: (table) => ({
      resolveSite: (host): EdgeSite | undefined =>
        table.resolveSite(host) ?? table.resolveSite(served(host)?.productionHostname),
      describeMissing: (host) =>
        table.describeMissing?.(host) ?? table.describeMissing?.(served(host)?.productionHostname),
      describeHost: (hostname) => {
        const production = domains.get(hostname)?.productionHostname;
        return (
          table.describeHost(hostname) ??
          (production === undefined ? undefined : table.describeHost(production))
        );
      },
    }),
    redirectToDefault(hostname, req, res) {
      const domain = domains.get(hostname);
      if (domain?.defaultDomain === undefined || domain.defaultDomain === hostname) {
        return false;
      }
      const secure = isHttpsRequest(req);
      const port = req.headers.host?.match(/:(\d+)$/)?.[1];
      const location = `${secure ? 'https' : 'http'}://${domain.defaultDomain}${port === undefined ? '' : `:${port}`}${req.url ?? '/'}`;
      res.writeHead(301, { location, 'content-length': 0 });
      res.end();
      return true;
    },
    startChecks(intervalMs, readyAfterMs, afterChange) {
      const check = () =>
        void revalidateDomains(control, readyAfterMs)
          .then(afterChange)
          .catch((error: unknown) =>
            control.logger.warn(`checking custom domains failed: ${errorMessage(error)}`),
          );
      timer = setInterval(check, intervalMs);
      timer.unref();
    },
  };
}

/** Runs `first`'s and then `second`'s resource tables as one. */
export function chainResources(first: ResourceTables, second: ResourceTables): ResourceTables {
  return {
    async loadAll() {
      await first.loadAll();
      await second.loadAll();
    },
    async apply(names) {
      await first.apply(names);
      await second.apply(names);
    },
    async close() {
      await Promise.all([first.close(), second.close()]);
    },
  };
}
