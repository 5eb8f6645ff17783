/**
 * Regular expressions shared by the schema (where they also end up in the generated JSON Schema, so they use
 * no flags) and the checks.
 */

/** An HTTP header field name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A header value Node can send: tabs and printable ASCII or Latin-1 (RFC 9110 field-vchar and obs-text);
 * no line break, no control character, nothing above U+00FF.
 */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** One role name, or several joined by commas (the lenient form of D9). */
export const ROLE_LIST_ENTRY = /^\s*[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*\s*$/;

/** No role name of a {@link ROLE_LIST_ENTRY} longer than `max` characters (shared/role-names.ts). */
export function noRoleLongerThan(max: number): RegExp {
  return new RegExp(`^(?![\\s\\S]*[A-Za-z0-9_]{${max + 1}})`);
}

/** An IPv4 CIDR block (`10.0.0.0/24`) or an Azure service tag (`AzureFrontDoor.Backend`). */
export const IP_RANGE_OR_SERVICE_TAG =
  /^(?:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(?:3[0-2]|[12]?\d)|[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)$/;

/** A host name with an optional port, without scheme or path. */
export const HOST_NAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;

/** A media type with optional parameters: `text/json`, `text/html; charset=utf-8`. */
export const MEDIA_TYPE =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;

/** A `mimeTypes` key: a dot and the extension. */
export const FILE_EXTENSION_KEY = /^\..+$/;

/** A status code written as a string (lenient form of D9). */
export const STATUS_CODE_STRING = /^[1-5]\d\d$/;

/** `auth.rolesSource`: an API path. */
export const ROLES_SOURCE = /^\/[Aa][Pp][Ii]\/[^\s?#]+$/;

/**
 * A redirect target's shape: a path (not `//host`) or an absolute http(s) URL with a host. White space is
 * left to {@link NO_WHITE_SPACE}, so that a target with a space is told about the space, not its shape.
 */
export const REDIRECT_TARGET = /^(?:\/(?!\/)|https?:\/\/[^/?#]+)/;

/** No white space anywhere, Unicode spaces (U+00A0, U+3000) included. */
export const NO_WHITE_SPACE = /^\S*$/;

/** A rewrite target: anything that is not an absolute or protocol-relative URL and has no control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to reject control characters
export const REWRITE_TARGET = /^(?![A-Za-z][A-Za-z0-9+.-]*:|\/\/)[^\u0000-\u001f]+$/;

/** A route pattern or fallback exclude: non-empty, without control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to reject control characters
export const ROUTE_PATTERN = /^[^\u0000-\u001f]+$/;

/** An app setting name (application-settings.md: letters, digits, `.` and `_`). */
export const APP_SETTING_NAME = /^[A-Za-z0-9._]+$/;

/** A custom OpenID Connect provider name, used in `/.auth/login/<name>`. */
export const PROVIDER_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * An identity provider's URL: `https://`, or `http://` on this machine only (`localhost`, `*.localhost`,
 * `127.0.0.1`, `[::1]`), where test and development providers run.
 */
export const PROVIDER_URL =
  /^(?:https:\/\/[^\s/?#]+|http:\/\/(?:localhost|[^\s/?#:@]+\.localhost|127\.0\.0\.1|\[::1\])(?::\d+)?(?=[/?#]|$))\S*$/;
