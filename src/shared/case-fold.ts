/**
 * Case folding for names matched without regard to case: function routes and the `/api` rules that
 * guard them. The functions host and the edge fold with these two functions, so a rule on `/api/secure*`
 * holds for every spelling that reaches the function, `/api/ſecure` (long s) and `/api/fıles`
 * (dotless i) included, which upper-case to ASCII.
 */

/** Upper-cases per UTF-16 unit, keeping the length so indexes stay valid (like .NET OrdinalIgnoreCase). */
export function foldCase(text: string): string {
  const upper = text.toUpperCase();
  if (upper.length === text.length) {
    return upper;
  }
  let folded = '';
  for (const unit of text.split('')) {
    const mapped = unit.toUpperCase();
    folded += mapped.length === 1 ? mapped : unit;
  }
  return folded;
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * A lower-case form under which every two texts that {@link foldCase} makes equal are equal, and those
 * that lower-casing makes equal too (the Kelvin sign and `k`): `/API/ſecure` → `/api/secure`. Matching a
 * rule in this form is at least as broad as any backend that ignores case, so a rule never misses a
 * spelling the backend routes to the function it guards.
 */
export function caselessForm(text: string): string {
  if (!NON_ASCII.test(text)) {
    return text.toLowerCase();
  }
  let folded = '';
  for (const char of foldCase(text)) {
    const lower = char.toLowerCase();
    folded += lower.length === char.length ? lower : char;
  }
  return folded;
}
