/** Narrowing helpers for values read from JSON or from user code. */

/** True for plain objects (not arrays, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Names that are special on every JavaScript object (`__proto__` sets the prototype, `constructor` and
 * `prototype` are inherited): never valid as user-chosen keys such as app setting names.
 */
export const SPECIAL_OBJECT_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `record[key]` when it is the record's own property; never an inherited one (`constructor`, …). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The message of anything thrown: an `Error`'s message, or the value itself as text. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** `thrown` and the errors that caused it (`cause`), outermost first, at most `depth` of them. */
export function errorChain(thrown: unknown, depth = 5): Error[] {
  const chain: Error[] = [];
  let current = thrown;
  while (current instanceof Error && chain.length < depth) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}

/** The string `code` of an error (a system or TLS code such as `ECONNREFUSED`), if it has one. */
export function errorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
