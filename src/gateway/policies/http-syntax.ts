/**
 * What an HTTP message can carry (RFC 9110 §5.1, §5.5, §15), for policies that write headers and
 * statuses: a header name is a token, a header value holds no CR, LF or other control character and
 * nothing beyond ISO-8859-1 (what Node's HTTP writer accepts), and a final status is 200–599 (a 1xx is
 * interim: a client would keep waiting for the real answer). Pure functions; checked on save for
 * literal values and per call for values that come from expressions.
 */

/** RFC 9110 §5.6.2 `token`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The lowest and highest status a policy may answer with. */
export const MIN_FINAL_STATUS = 200;
export const MAX_FINAL_STATUS = 599;

/** How header names must look, for messages. */
export const HEADER_NAME_RULE =
  "an HTTP token: letters, digits and !#$%&'*+-.^_`|~, without spaces, colons or other separators";

/** True when `name` can be a header name. */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/** Why `value` cannot be a header value, or undefined when it can. */
export function headerValueProblem(value: string): string | undefined {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\r' || char === '\n') {
      return 'holds a line break (CR or LF), which would end the header early';
    }
    if ((code < 0x20 && char !== '\t') || code === 0x7f) {
      return `holds the control character U+${hex(code)}`;
    }
    if (code > 0xff) {
      return `holds '${char}' (U+${hex(code)}); header values carry only ISO-8859-1 characters, so percent-encode it`;
    }
  }
  return undefined;
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/** True for an absolute http(s) URL, the only kind a backend base URL may be. */
export function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) {
    return false;
  }
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:';
}
