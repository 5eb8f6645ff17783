/** What every control-plane service is built on, passed in once by the composition root. */
import type { Kysely } from 'kysely';
import type { Logger } from '../shared/logger.js';
import type { BlobStore, Database } from '../storage/index.js';
import type { Sealer } from './sealing.js';

/** Dependencies of the control-plane services. */
export interface ControlContext {
  readonly db: Kysely<Database>;
  readonly blobs: BlobStore;
  readonly sealer: Sealer;
  /** Domain of generated host names (`--domain`). */
  readonly domain: string;
  /** Local folder for materialised deployments and installs of this node. */
  readonly workDir: string;
  readonly logger: Logger;
  /** The clock (tests may pin it). */
  readonly now: () => Date;
  /** The public base URL of a host on the data-plane listener (`http://host:port`). */
  readonly publicUrl: (hostname: string) => string;
  /** Problems with app settings (names, reserved prefixes); the functions host's own rules. */
  readonly validateSettings: (settings: Readonly<Record<string, string>>) => string[];
}

/** Records that what `hostname` serves changed (or `*`: everything), for every node to reload. */
export async function recordChange(ctx: ControlContext, hostname: string): Promise<void> {
  await ctx.db.insertInto('changes').values({ hostname, at: ctx.now().toISOString() }).execute();
}
