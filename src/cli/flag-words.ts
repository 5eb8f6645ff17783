/**
 * A server error about a REST field, in the words of the command line that sent it: the management API
 * names `properties.backendUrl`, which a `portico webapp create` user never typed; they typed
 * `--backend-url`. Like the remedies of decision 0102, the server keeps one wording for every client and
 * each client words it as its own controls.
 */
import { PorticoError } from '../shared/errors.js';

/** The REST fields a command sets from its flags: `{ 'properties.serviceUrl': '--service-url' }`. */
export type FlagsOfFields = Readonly<Record<string, string>>;

/**
 * `error` with each field of `fields` named as its flag, in the message and the details' paths; any
 * other error, or one that names none of them, as it is.
 *
 * @example
 * await inFlagWords(client.put(path, body), { 'properties.serviceUrl': '--service-url' });
 */
export async function inFlagWords<T>(call: Promise<T>, fields: FlagsOfFields): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw reword(error, fields);
  }
}

function reword(error: unknown, fields: FlagsOfFields): unknown {
  if (!(error instanceof PorticoError) || error.code !== 'CLIENT_REQUEST_FAILED') {
    return error;
  }
  const message = withFlags(error.message, fields);
  if (message === error.message) {
    return error;
  }
  const details = error.details?.map((detail) => ({ ...detail, path: withFlags(detail.path, fields) }));
  return new PorticoError(error.code, message, {
    status: error.status,
    cause: error.cause,
    ...(details === undefined ? {} : { details }),
  });
}

/**
 * `text` with each whole field name as its flag: `properties.path` and `properties.path.`, never
 * `properties.pathPrefix` or `properties.path.segment`.
 */
function withFlags(text: string, fields: FlagsOfFields): string {
  let out = text;
  for (const [field, flag] of Object.entries(fields)) {
    out = out.replace(new RegExp(`${escapeRegExp(field)}(?!\\w|\\.\\w)`, 'g'), flag);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
