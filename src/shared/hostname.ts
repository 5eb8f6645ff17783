/** The host name a request is for, read from its `Host` header once per request by each listener step. */

/**
 * `Host` without port, lower case, without a trailing dot: `value.replace(/:\d+$/, '')` (for an IPv6
 * literal, what follows its `]`), lower-cased, then `.replace(/\.$/, '')`, without a regular expression
 * per request.
 */
export function hostnameOf(host: string | undefined): string {
  const value = host ?? '';
  const end = value.startsWith('[') ? literalEnd(value) : portStart(value);
  const lower = (end === value.length ? value : value.slice(0, end)).toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Where an IPv6 literal's `:<digits>` suffix starts (the length when there is none). */
function literalEnd(value: string): number {
  const close = value.indexOf(']');
  if (close === -1) {
    return value.length;
  }
  const rest = value.slice(close + 1);
  return rest.startsWith(':') && portStart(rest) === 0 ? close + 1 : value.length;
}

/** Where a `:<digits>` suffix starts (the length when there is none). */
function portStart(value: string): number {
  const colon = value.lastIndexOf(':');
  if (colon === -1 || colon === value.length - 1) {
    return value.length;
  }
  for (let index = colon + 1; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 48 || code > 57) {
      return value.length;
    }
  }
  return colon;
}
