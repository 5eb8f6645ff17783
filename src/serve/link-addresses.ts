/**
 * Gateway links across a change of the service's address. The validate-jwt policy a link writes names the
 * site's and the gateway's public URLs, port included (spec/apim.md §4), and the tokens a site signs name
 * the URLs the service answers at now. When `portico serve` starts at another port, or with HTTPS turned
 * on or off, a policy nobody edited is rewritten for the new address, so linked sites keep working
 * without a repair. A policy a user changed stays as it is.
 */
import { type ControlContext, followServiceAddress } from '../control-plane/index.js';
import { errorMessage } from '../shared/guards.js';
import type { Logger } from '../shared/logger.js';

/** What to do about a link left at the old address. */
const REPAIR_HINT =
  'A link left broken shows in portico backends --site <name>, and portico link --site <name> --repair restores it.';

/**
 * Moves the gateway links to the service's current address; `afterChange` tells the data plane (and the
 * other nodes). A failure is logged, never thrown. The links it left fail closed: a link still at the old
 * address answers 401 and its status says why; an environment whose link cannot be read answers 503.
 */
export async function followLinkedGateways(
  control: ControlContext,
  logger: Logger,
  afterChange: () => Promise<void>,
): Promise<void> {
  try {
    const { moved, failures } = await followServiceAddress(control);
    for (const link of moved) {
      logger.info(
        `The link of ${link.hostname} to the API Management service '${link.service}' now expects tokens for ${link.to} (was ${link.from}).`,
      );
    }
    for (const failure of failures) {
      logger.warn(`Could not move ${failure}. ${REPAIR_HINT}`);
    }
    if (moved.length > 0) {
      await afterChange();
    }
  } catch (error) {
    logger.warn(
      `Could not move the gateway links to this service's address: ${errorMessage(error)}. ${REPAIR_HINT}`,
    );
  }
}
