/** Small text helpers shared by the parser, the matcher and the table. */

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

/** Removes every leading and trailing `/`. */
export function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}
