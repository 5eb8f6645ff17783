import { editDistance } from '../../shared/edit-distance.js';

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
  return editDistance(input.toLowerCase(), candidate.toLowerCase());
}
