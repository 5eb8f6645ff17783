/**
 * Output of the management commands: one JSON document with `--json`, otherwise short aligned tables and
 * `key: value` lines on stdout; notes and progress go to stderr.
 */
import type { Command } from 'commander';

/** Writes one JSON document (pretty-printed) on stdout. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes lines on stdout. */
export function writeLines(lines: readonly string[]): void {
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

/** Writes a note (what happened, what to do next) on stderr, keeping stdout for results. */
export function writeNote(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Writes an aligned table with a header row on stdout, or `empty` when there are no rows. */
export function writeTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  empty: string,
): void {
  if (rows.length === 0) {
    writeNote(empty);
    return;
  }
  writeLines(formatTable(headers, rows));
}

/** Aligns columns with two spaces between them; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [headers, ...rows];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `key: value` lines, keys padded to one width. */
export function formatFields(fields: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`);
}

/** A size in bytes as `950 B`, `12.3 kB`, `1.2 MB` or `1.1 GB` (powers of 1000). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) {
    return `${bytes} B`;
  }
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** An ISO date as `2025-01-31 14:05` (UTC), or `-` when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') {
    return '-';
  }
  return iso.replace('T', ' ').slice(0, 16);
}

/** Adds `--json` to a command that prints a result. */
export function addJsonOption(command: Command): Command {
  return command.option('--json', 'print one JSON document (the REST resource or list) on stdout');
}

/** With `--json`, `json` as one document on stdout; otherwise the human `lines`. */
export function writeResult(
  flags: { readonly json?: boolean },
  json: unknown,
  lines: readonly string[],
): void {
  if (flags.json === true) {
    writeJson(json);
    return;
  }
  writeLines(lines);
}
