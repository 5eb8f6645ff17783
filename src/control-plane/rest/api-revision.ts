/**
 * API ids with a revision (decision 0123). Azure names revision n of API `x` `x;rev=n`, and tools address
 * the current revision that way (Terraform's azurerm provider creates and reads `x;rev=1`). Portico keeps
 * one revision per API, revision 1, the current one: `x;rev=1` is another name of `x` in every path under
 * `…/apis/{apiId}`, answered under the name it was asked by, as Azure answers a revision; another
 * revision is a 404, or a 501 when a PUT of the API would create it.
 */
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';

/** An API id as a path gives it. */
export interface ApiAddress {
  /** The API's stored id: `x` for `x` and for `x;rev=1`. */
  readonly id: string;
  /** The id as the path gives it (`x;rev=1`): the `name` (and last `id` segment) its resources answer with. */
  readonly name: string;
}

/** `{apiId};rev={revision}`; `rev` in any case, as ids are compared. */
const REVISION = /^(.*);rev=([^;]*)$/i;

/** The one revision each API has: Portico answers every API with `apiRevision: "1"`, `isCurrent: true`. */
const CURRENT_REVISION = '1';

/**
 * The API a path's `{apiId}` names: `x;rev=1` is `x`. Another revision is refused: with a 501 when
 * `createsApi` (a PUT of the API itself, which in Azure creates the revision), else with a 404.
 * @example parseApiAddress('pct;rev=1', false) // { id: 'pct', name: 'pct;rev=1' }
 */
export function parseApiAddress(raw: string, createsApi: boolean): ApiAddress {
  const match = REVISION.exec(raw);
  if (match === null) {
    return { id: raw, name: raw };
  }
  const [, id = '', revision = ''] = match;
  if (revision === CURRENT_REVISION) {
    return { id, name: raw };
  }
  const api = clip(id);
  if (createsApi) {
    throw new PorticoError(
      'CONTROL_NOT_SUPPORTED',
      `Portico does not create API revisions: '${clip(raw)}' would be revision '${clip(revision)}' of the API '${api}', and Portico keeps one revision per API (revision 1, the current one). Change the API itself with PUT …/apis/${api} (or …/apis/${api};rev=1), or give the new version its own API id and path.`,
    );
  }
  throw new PorticoError(
    'CONTROL_APIM_ENTITY_NOT_FOUND',
    `The service has no API '${clip(raw)}': Portico keeps one revision per API (revision 1, the current one), so the API '${api}' has no revision '${clip(revision)}'. Address it as '${api}' or '${api};rev=1'.`,
  );
}
