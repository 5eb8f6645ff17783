/** How far apart two words are, for "did you mean" suggestions (config keys, swa-cli.config.json keys). */

/**
 * The Levenshtein distance of `a` and `b`: the fewest single-character insertions, deletions and
 * substitutions that turn one into the other. Case counts; callers lower-case both when it should not.
 * @example editDistance('routez', 'routes') // 1
 */
export function editDistance(a: string, b: string): number {
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
