/**
 * Accept-Encoding negotiation (RFC 9110 §12.5.3) between the codings a response can offer.
 */

/** Content codings Portico can send, in server preference order. */
export type Encoding = 'br' | 'gzip';

/** All codings, best first: brotli wins ties. */
export const ENCODINGS: readonly Encoding[] = ['br', 'gzip'];

/**
 * The coding the client prefers among `available` (given in server preference order), or undefined for
 * identity. The highest q-value wins, ties go to the server's order, `q=0` refuses a coding, and `*`
 * covers codings the header does not name.
 *
 * @example
 * negotiateEncoding('gzip, deflate, br', ['br', 'gzip']); // 'br'
 * negotiateEncoding('br;q=0.5, gzip', ['br', 'gzip']); // 'gzip'
 */
export function negotiateEncoding(
  header: string | undefined,
  available: readonly Encoding[],
): Encoding | undefined {
  if (header === undefined || header === '' || available.length === 0) {
    return undefined;
  }
  if (!header.includes(';')) {
    return pickFirstListed(header, available);
  }
  const weights = parseAcceptEncoding(header);
  let best: Encoding | undefined;
  let bestWeight = 0;
  for (const coding of available) {
    const weight = weights.get(coding) ?? weights.get('*') ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/** The common browser case, no q-values: every listed coding weighs 1, so server order decides. */
function pickFirstListed(header: string, available: readonly Encoding[]): Encoding | undefined {
  const listed = header.toLowerCase().split(',');
  for (let index = 0; index < listed.length; index++) {
    listed[index] = normalizeCoding(listed[index] ?? '');
  }
  return listed.includes('*') ? available[0] : available.find((coding) => listed.includes(coding));
}

/** Maps each lower-cased coding of an Accept-Encoding header to its q-value (`x-gzip` counts as gzip). */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const item of header.split(',')) {
    const [name = '', ...parameters] = item.split(';');
    const coding = normalizeCoding(name.toLowerCase());
    if (coding !== '') {
      weights.set(coding, parseQuality(parameters));
    }
  }
  return weights;
}

/** Trims a lower-cased coding and maps the `x-gzip` alias to `gzip` (RFC 9110 §8.4.1.3). */
function normalizeCoding(coding: string): string {
  const trimmed = coding.trim();
  return trimmed === 'x-gzip' ? 'gzip' : trimmed;
}

/** The `q` parameter's value; 1 when absent, 0 when malformed or out of range. */
function parseQuality(parameters: readonly string[]): number {
  for (const parameter of parameters) {
    const [key = '', value = ''] = parameter.split('=');
    if (key.trim().toLowerCase() === 'q') {
      const quality = Number(value.trim());
      return value.trim() !== '' && quality >= 0 && quality <= 1 ? quality : 0;
    }
  }
  return 1;
}
