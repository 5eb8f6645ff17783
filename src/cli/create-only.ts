/**
 * The `create` commands that must not replace what exists (decision 0058): a `PUT` with
 * `If-None-Match: *`, whose 409 `CONTROL_ENTITY_EXISTS` becomes the command's message naming `--replace`;
 * with `--replace`, a plain `PUT` that creates or replaces.
 */
import { serverErrorCode } from '../client/index.js';
import type { Resource, ResourceClient } from '../client/resources.js';
import { PorticoError } from '../shared/errors.js';

/** What a create-only call needs besides the resource's path and properties. */
export interface CreateOnlyOptions {
  /** `--replace`: a plain PUT. */
  readonly replace: boolean;
  /** Top-level fields beside `properties` (`kind`). */
  readonly extra?: Record<string, unknown>;
  /** The command's message when the resource exists and was left as it was. */
  readonly exists: string;
}

/** Creates the resource at `path`, refusing one that exists unless told to replace it. */
export async function createOrReplace(
  client: ResourceClient,
  path: string,
  properties: Record<string, unknown>,
  options: CreateOnlyOptions,
): Promise<Resource> {
  if (options.replace) {
    return client.put(path, properties, options.extra);
  }
  try {
    return await client.create(path, properties, options.extra);
  } catch (error) {
    if (serverErrorCode(error) === 'CONTROL_ENTITY_EXISTS') {
      throw new PorticoError('CLIENT_REQUEST_FAILED', options.exists, { status: 409, cause: error });
    }
    throw error;
  }
}
