/**
 * Locates the first syntax error in a JSON text with its line and column, because `JSON.parse` on Node 20
 * does not always say where the problem is ("Unexpected token '}', ... is not valid JSON"); and the
 * property names an object repeats, which `JSON.parse` takes silently (the last one wins).
 */

/** Where a JSON text stops being valid, and what was expected there. */
export interface JsonSyntaxError {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in UTF-16 code units. */
  readonly column: number;
  readonly message: string;
}

/** A property name an object repeats: the last one is the one `JSON.parse` keeps. */
export interface RepeatedName {
  /** Where the repeated property is: the object's keys and array indexes, then the name. */
  readonly path: readonly (string | number)[];
  /** 1-based lines of the name's first and of its last (kept) occurrence. */
  readonly firstLine: number;
  readonly lastLine: number;
  /** 1-based columns (UTF-16 code units) of their opening quotes, for names repeated on one line. */
  readonly firstColumn: number;
  readonly lastColumn: number;
}

interface Scanner {
  readonly text: string;
  pos: number;
  /** Set when the caller wants repeated names: the path to the value being scanned, and what was found. */
  readonly names?: {
    path: (string | number)[];
    repeated: { path: (string | number)[]; first: number; last: number }[];
  };
}

class JsonFault extends Error {
  readonly offset: number;

  constructor(offset: number, message: string) {
    super(message);
    this.offset = offset;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

/** The first syntax error in `text`, or undefined when `text` is one valid JSON value. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const scanner: Scanner = { text, pos: 0 };
  try {
    scanValue(scanner);
    skipWhitespace(scanner);
    if (scanner.pos < text.length) {
      fail(scanner, `unexpected ${describeAt(scanner)} after the end of the JSON value; remove it`);
    }
    return undefined;
  } catch (error) {
    if (error instanceof JsonFault) {
      return { ...lineAndColumn(text, error.offset), message: error.message };
    }
    throw error;
  }
}

/**
 * Every property name an object in `text` repeats, in the order found; empty when `text` is not valid JSON
 * (its syntax error is reported instead).
 */
export function findRepeatedNames(text: string): RepeatedName[] {
  const scanner: Scanner = { text, pos: 0, names: { path: [], repeated: [] } };
  try {
    scanValue(scanner);
  } catch (error) {
    if (error instanceof JsonFault) {
      return [];
    }
    throw error;
  }
  return (scanner.names?.repeated ?? []).map((found) => {
    const first = lineAndColumn(text, found.first);
    const last = lineAndColumn(text, found.last);
    return {
      path: found.path,
      firstLine: first.line,
      lastLine: last.line,
      firstColumn: first.column,
      lastColumn: last.column,
    };
  });
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function fail(scanner: Scanner, message: string): never {
  throw new JsonFault(scanner.pos, message);
}

function describeAt(scanner: Scanner): string {
  const char = scanner.text[scanner.pos];
  return char === undefined ? 'end of file' : JSON.stringify(char);
}

function skipWhitespace(scanner: Scanner): void {
  while (/[ \t\n\r]/.test(scanner.text[scanner.pos] ?? '')) {
    scanner.pos++;
  }
  if (scanner.text.startsWith('//', scanner.pos) || scanner.text.startsWith('/*', scanner.pos)) {
    fail(scanner, 'JSON does not allow comments; remove the comment');
  }
}

function expectMore(scanner: Scanner, what: string): void {
  if (scanner.pos >= scanner.text.length) {
    fail(scanner, `the file ends too early: expected ${what}; check for a missing closing } or ]`);
  }
}

function scanValue(scanner: Scanner): void {
  skipWhitespace(scanner);
  expectMore(scanner, 'a value');
  const char = scanner.text[scanner.pos];
  if (char === '{') {
    scanObject(scanner);
  } else if (char === '[') {
    scanArray(scanner);
  } else if (char === '"') {
    scanString(scanner);
  } else {
    scanScalar(scanner);
  }
}

function scanScalar(scanner: Scanner): void {
  NUMBER.lastIndex = scanner.pos;
  if (NUMBER.test(scanner.text)) {
    scanner.pos = NUMBER.lastIndex;
    return;
  }
  const literal = LITERALS.find((word) => scanner.text.startsWith(word, scanner.pos));
  if (literal === undefined) {
    fail(
      scanner,
      `unexpected ${describeAt(scanner)}: expected a value (a "string", a number, {...}, [...], true, false or null)`,
    );
  }
  scanner.pos += literal.length;
}

function scanObject(scanner: Scanner): void {
  scanner.pos++;
  skipWhitespace(scanner);
  if (scanner.text[scanner.pos] === '}') {
    scanner.pos++;
    return;
  }
  const seen = new Map<string, number>();
  for (;;) {
    scanMember(scanner, seen);
    if (!scanSeparator(scanner, '}', 'property value')) {
      return;
    }
  }
}

function scanMember(scanner: Scanner, seen: Map<string, number>): void {
  skipWhitespace(scanner);
  expectMore(scanner, 'a property name');
  if (scanner.text[scanner.pos] !== '"') {
    const hint =
      scanner.text[scanner.pos] === '}' ? 'remove the trailing comma' : 'put the name in double quotes';
    fail(scanner, `expected a property name in double quotes but found ${describeAt(scanner)}; ${hint}`);
  }
  const start = scanner.pos;
  scanString(scanner);
  const name =
    scanner.names === undefined ? '' : (JSON.parse(scanner.text.slice(start, scanner.pos)) as string);
  skipWhitespace(scanner);
  expectMore(scanner, '":"');
  if (scanner.text[scanner.pos] !== ':') {
    fail(scanner, `expected ":" after the property name but found ${describeAt(scanner)}`);
  }
  scanner.pos++;
  if (scanner.names === undefined) {
    scanValue(scanner);
    return;
  }
  const first = seen.get(name);
  if (first !== undefined) {
    scanner.names.repeated.push({ path: [...scanner.names.path, name], first, last: start });
  }
  seen.set(name, first ?? start);
  scanner.names.path.push(name);
  scanValue(scanner);
  scanner.names.path.pop();
}

function scanArray(scanner: Scanner): void {
  scanner.pos++;
  skipWhitespace(scanner);
  if (scanner.text[scanner.pos] === ']') {
    scanner.pos++;
    return;
  }
  for (let index = 0; ; index++) {
    scanner.names?.path.push(index);
    scanValue(scanner);
    scanner.names?.path.pop();
    if (!scanSeparator(scanner, ']', 'array element')) {
      return;
    }
  }
}

/** After a member or element: true on `,` (more follow), false on the closing bracket. */
function scanSeparator(scanner: Scanner, close: '}' | ']', after: string): boolean {
  skipWhitespace(scanner);
  expectMore(scanner, `"," or "${close}"`);
  const char = scanner.text[scanner.pos];
  scanner.pos++;
  if (char === ',') {
    return true;
  }
  if (char === close) {
    return false;
  }
  scanner.pos--;
  return fail(scanner, `expected "," or "${close}" after the ${after} but found ${describeAt(scanner)}`);
}

function scanString(scanner: Scanner): void {
  scanner.pos++;
  for (;;) {
    expectMore(scanner, 'a closing double quote');
    const char = scanner.text[scanner.pos] ?? '';
    if (char === '"') {
      scanner.pos++;
      return;
    }
    if (char < ' ') {
      fail(scanner, 'strings cannot contain line breaks or control characters; write them as \\n or \\t');
    }
    scanner.pos += char === '\\' ? scanEscape(scanner) : 1;
  }
}

function scanEscape(scanner: Scanner): number {
  const next = scanner.text[scanner.pos + 1] ?? '';
  if ('"\\/bfnrt'.includes(next) && next !== '') {
    return 2;
  }
  if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(scanner.text.slice(scanner.pos + 2, scanner.pos + 6))) {
    return 6;
  }
  return fail(scanner, 'invalid escape sequence in a string; write a backslash as \\\\');
}
