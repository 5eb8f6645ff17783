/**
 * The candidate closest to `input` when it is close enough to be a likely typo (`allowRoles` →
 * `allowedRoles`, `routez` → `routes`), otherwise undefined.
 */
export function suggestClosest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = typoDistance(input, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= maxTypoDistance(input) ? best : undefined;
}

function maxTypoDistance(input: string): number {
  return Math.max(1, Math.min(3, Math.floor(input.length / 3)));
}

function typoDistance(input: string, candidate: string): number {
  if (input.toLowerCase() === candidate.toLowerCase()) {
    return 0;
  }
  return levenshtein(input.toLowerCase(), candidate.toLowerCase());
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
