/**
 * Locates the first syntax error in a JSON text with its line and column, because `JSON.parse` on Node 20
 * does not always say where the problem is ("Unexpected token '}', ... is not valid JSON").
 */

/** Where a JSON text stops being valid, and what was expected there. */
export interface JsonSyntaxError {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in UTF-16 code units. */
  readonly column: number;
  readonly message: string;
}

interface Scanner {
  readonly text: string;
  pos: number;
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
  for (;;) {
    scanMember(scanner);
    if (!scanSeparator(scanner, '}', 'property value')) {
      return;
    }
  }
}

function scanMember(scanner: Scanner): void {
  skipWhitespace(scanner);
  expectMore(scanner, 'a property name');
  if (scanner.text[scanner.pos] !== '"') {
    const hint =
      scanner.text[scanner.pos] === '}' ? 'remove the trailing comma' : 'put the name in double quotes';
    fail(scanner, `expected a property name in double quotes but found ${describeAt(scanner)}; ${hint}`);
  }
  scanString(scanner);
  skipWhitespace(scanner);
  expectMore(scanner, '":"');
  if (scanner.text[scanner.pos] !== ':') {
    fail(scanner, `expected ":" after the property name but found ${describeAt(scanner)}`);
  }
  scanner.pos++;
  scanValue(scanner);
}

function scanArray(scanner: Scanner): void {
  scanner.pos++;
  skipWhitespace(scanner);
  if (scanner.text[scanner.pos] === ']') {
    scanner.pos++;
    return;
  }
  for (;;) {
    scanValue(scanner);
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
