/**
 * DNS lookups of domain validation, through the system resolver or `--dns-server host:port`. A lookup
 * answers what it found, "nothing" (NXDOMAIN, no data), or that it could not tell (timeout, SERVFAIL):
 * only the first two may change a domain's status.
 */
import { Resolver } from 'node:dns/promises';

/** The outcome of one lookup. */
export type DnsAnswer =
  | { readonly kind: 'found'; readonly values: readonly string[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** The two lookups validation needs. */
export interface DomainDns {
  cname(name: string): Promise<DnsAnswer>;
  txt(name: string): Promise<DnsAnswer>;
}

const NOTHING = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);

/** A resolver over `server` (`host:port`), or the system's servers. */
export function createDomainDns(server?: string): DomainDns {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (server !== undefined) {
    resolver.setServers([server]);
  }
  const ask = async (lookup: () => Promise<string[]>): Promise<DnsAnswer> => {
    try {
      const values = await lookup();
      return values.length === 0 ? { kind: 'none' } : { kind: 'found', values };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      return NOTHING.has(code) ? { kind: 'none' } : { kind: 'unknown', reason: code || String(error) };
    }
  };
  return {
    cname: (name) =>
      ask(async () => (await resolver.resolveCname(name)).map((v) => v.toLowerCase().replace(/\.$/, ''))),
    txt: (name) => ask(async () => (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''))),
  };
}
