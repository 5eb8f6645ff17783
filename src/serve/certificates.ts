/**
 * Custom domains' certificates on a node: the SNI table (read from the database, reloaded on
 * `domains:` changes), the answers to ACME challenges (any node may be asked), and the order loop:
 * every `Ready` domain without a certificate, or whose ACME certificate expires within 30 days, is
 * ordered by one node at a time (a lease in the database); a failed order leaves the working
 * certificate in place and its reason in the domain's status.
 */
import { randomUUID } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import {
  type ControlContext,
  clearCertificateAttempt,
  deleteOrphanCertificates,
  findAcmeChallenge,
  listCertificateWork,
  markCertificateAttempt,
  putAcmeChallenge,
  readCertificates,
  recordCertificateFailure,
  releaseLease,
  removeAcmeChallenge,
  resolveAcmeAccountKey,
  saveCertificate,
  tryLease,
} from '../control-plane/index.js';
import { errorMessage } from '../shared/guards.js';
import {
  createAccountKey,
  createContextFromPem,
  LETS_ENCRYPT_DIRECTORY,
  orderCertificate,
} from '../tls/index.js';
import type { ResourceTables } from './environment-runtime.js';

/** ACME settings of `portico serve`. */
export interface AcmeOptions {
  /** `--acme-directory` (default: Let's Encrypt). */
  readonly directoryUrl?: string;
  /** `--acme-email`. */
  readonly email?: string;
  /** How often the node looks for certificates to order, in ms (default: a minute). */
  readonly checkIntervalMs?: number;
  /** How long after an attempt a domain's order is tried again, in ms (default: an hour). */
  readonly retryMs?: number;
}

/** Renewal starts this long before a certificate expires. */
export const RENEW_BEFORE_MS = 30 * 24 * 60 * 60_000;

/** How long one node may hold an order's lease (an order that takes longer is given up). */
const LEASE_MS = 10 * 60_000;

/** The certificates a node serves, and its share of ordering them. */
export interface CertificateTable extends ResourceTables {
  forHost(hostname: string): SecureContext | undefined;
  keyAuthorization(token: string): Promise<string | undefined>;
  /** Starts the order loop; `afterChange` spreads a new certificate to every node. */
  startOrders(options: AcmeOptions, afterChange: () => Promise<void>): void;
}

/** Creates the table; `loadAll()` fills it. */
export function createCertificateTable(control: ControlContext): CertificateTable {
  let contexts = new Map<string, SecureContext>();
  let timer: NodeJS.Timeout | undefined;
  let kick: (() => void) | undefined;
  /** The order under way on this node, whose lease a stopping node gives back. */
  let ordering: { readonly hostname: string; readonly holder: string } | undefined;
  const reload = async () => {
    const next = new Map<string, SecureContext>();
    for (const stored of await readCertificates(control)) {
      try {
        next.set(stored.hostname, createContextFromPem(stored.cert, stored.key, stored.hostname));
      } catch (error) {
        control.logger.warn(errorMessage(error));
      }
    }
    contexts = next;
  };
  return {
    loadAll: reload,
    // Any change may concern a certificate (a domain or a whole site deleted): the table is small.
    // A domain that changed (one just validated) may need an order: look now rather than at the next tick.
    async apply(names) {
      if (names.length > 0) {
        await reload();
      }
      if (names.some((name) => name.startsWith('domains:'))) {
        kick?.();
      }
    },
    async close() {
      clearInterval(timer);
      kick = undefined;
      // A node stopped mid-order would hold the domain's lease for its whole term, and the attempt's stamp
      // would make every node wait --acme-retry: both are given back so another node orders at once.
      const cut = ordering;
      ordering = undefined;
      if (cut !== undefined) {
        await clearCertificateAttempt(control, cut.hostname).catch(() => undefined);
        await releaseLease(control, `acme:${cut.hostname}`, cut.holder).catch(() => undefined);
        control.logger.info(
          `stopped while ordering a certificate for ${cut.hostname}; another node will order it`,
        );
      }
    },
    forHost: (hostname) => contexts.get(hostname),
    keyAuthorization: (token) => findAcmeChallenge(control, token),
    startOrders(options, afterChange) {
      const holder = randomUUID();
      let running = false;
      const tick = () => {
        if (running) {
          return;
        }
        running = true;
        void orderDue(control, options, holder, (hostname) => {
          ordering = hostname === undefined ? undefined : { hostname, holder };
        })
          .then((ordered) => (ordered ? afterChange() : undefined))
          .catch((error: unknown) =>
            control.logger.warn(`ordering certificates failed: ${errorMessage(error)}`),
          )
          .finally(() => {
            running = false;
          });
      };
      kick = tick;
      tick();
      timer = setInterval(tick, options.checkIntervalMs ?? 60_000);
      timer.unref();
    },
  };
}

/** Orders what is due and not taken by another node; true when anything changed. */
async function orderDue(
  control: ControlContext,
  options: AcmeOptions,
  holder: string,
  onOrder: (hostname: string | undefined) => void,
): Promise<boolean> {
  const retryMs = options.retryMs ?? 60 * 60_000;
  await deleteOrphanCertificates(control);
  let changed = false;
  for (const hostname of await listCertificateWork(control, RENEW_BEFORE_MS, retryMs)) {
    const lease = `acme:${hostname}`;
    if (!(await tryLease(control, lease, holder, LEASE_MS))) {
      continue;
    }
    try {
      // Another node may have finished it between our listing and our lease.
      if ((await listCertificateWork(control, RENEW_BEFORE_MS, retryMs)).includes(hostname)) {
        onOrder(hostname);
        await markCertificateAttempt(control, hostname);
        await orderOne(control, options, hostname);
        changed = true;
      }
    } finally {
      onOrder(undefined);
      await releaseLease(control, lease, holder);
    }
  }
  return changed;
}

async function orderOne(control: ControlContext, options: AcmeOptions, hostname: string): Promise<void> {
  const directoryUrl = options.directoryUrl ?? LETS_ENCRYPT_DIRECTORY;
  try {
    const issued = await orderCertificate({
      directoryUrl,
      ...(options.email === undefined ? {} : { email: options.email }),
      accountKey: await resolveAcmeAccountKey(control, directoryUrl, createAccountKey),
      hostname,
      challenges: {
        put: (token, keyAuthorization) => putAcmeChallenge(control, token, keyAuthorization),
        remove: (token) => removeAcmeChallenge(control, token),
      },
    });
    await saveCertificate(control, hostname, issued, 'acme');
    control.logger.info(
      `installed a certificate for ${hostname} (valid until ${issued.notAfter.toISOString()})`,
    );
  } catch (error) {
    const message = errorMessage(error);
    control.logger.warn(message);
    await recordCertificateFailure(control, hostname, message);
  }
}
