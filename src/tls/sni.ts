/**
 * The certificate of a TLS handshake, chosen by the name the client asked for (SNI): a custom domain's
 * own certificate when it has one, else the service certificate (`<domain>` and `*.<domain>`), which is
 * also what a client without SNI or with an unknown name gets.
 */
import type { SecureContext } from 'node:tls';

/** Where the selector finds certificates; both are read at every handshake, so updates apply at once. */
export interface CertificateSources {
  /** The service certificate, when the service has one. */
  readonly service?: () => SecureContext;
  /** The certificate installed for a custom domain (lower case, no trailing dot). */
  readonly forHost: (hostname: string) => SecureContext | undefined;
}

/** `tls` `SNICallback` over the sources. */
export function createSniCallback(
  sources: CertificateSources,
): (servername: string, callback: (error: Error | null, context?: SecureContext) => void) => void {
  return (servername, callback) => {
    const hostname = servername.toLowerCase().replace(/\.$/, '');
    const context = sources.forHost(hostname) ?? sources.service?.();
    if (context === undefined) {
      callback(new Error(`no certificate for ${hostname}`));
      return;
    }
    callback(null, context);
  };
}
