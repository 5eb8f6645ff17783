/**
 * What an error message may show of an answer that is not Portico's JSON: one line of printable text,
 * never a whole HTML page, and never a control character a hostile server could use to rewrite the
 * user's terminal (an ANSI escape, a carriage return).
 */

/** The most characters of a body an error message quotes. */
const MAX_EXCERPT_CHARS = 200;

/** C0 and C1 control characters and DEL, the line breaks among them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * `text` as one printable line: every run of spaces and line breaks one space, every other control
 * character removed, and at most `max` characters (then `…`).
 *
 * @example
 * printableLine('<h1>\r\n Bad\u001b[2J Gateway</h1>'); // '<h1> Bad[2J Gateway</h1>'
 */
export function printableLine(text: string, max = MAX_EXCERPT_CHARS): string {
  const line = text.replace(/\s+/g, ' ').replace(CONTROL_CHARACTERS, '').trim();
  return line.length <= max ? line : `${line.slice(0, max)}…`;
}

/**
 * `text` (a server's error message) without the control characters a terminal would act on; its line
 * breaks stay, since a message may list its problems one per line.
 */
export function printableText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\t/g, ' ').replace(CONTROL_CHARACTERS, ''))
    .join('\n');
}

/**
 * Whether an answer is an HTML page (by its `content-type`, or by how its body starts): the error page
 * of a proxy or of another server, never one of Portico's management answers.
 */
export function isHtmlAnswer(contentType: string, text: string): boolean {
  return /\bhtml\b/i.test(contentType) || /^\s*<(!doctype\s+html|html|head|body|center|h1)\b/i.test(text);
}

/** The `<title>` (else the first `<h1>`) of an HTML page as one printable line, or `undefined`. */
export function htmlTitle(text: string): string | undefined {
  const match = /<title[^>]*>([^<]*)<\/title>/i.exec(text) ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(text);
  const title = printableLine(match?.[1] ?? '', 80);
  return title === '' ? undefined : title;
}
