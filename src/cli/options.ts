/** Parsers of command-line option values shared by the commands; each says what it expected. */
import { InvalidArgumentError } from 'commander';

/** A TCP port (0 picks a free one). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a port number between 0 and 65535.');
  }
  return port;
}

/** A positive number of seconds. */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('expected a positive number of seconds.');
  }
  return seconds;
}

/** An http(s) URL, without trailing slashes. */
export function parseHttpUrl(value: string): string {
  if (!/^https?:\/\/[^/]+/i.test(value)) {
    throw new InvalidArgumentError('expected an http:// or https:// URL, e.g. http://127.0.0.1:7071.');
  }
  return value.replace(/\/+$/, '');
}

/** A heap size in whole megabytes (at least 16). */
export function parseMegabytes(value: string): number {
  const megabytes = Number(value);
  if (!Number.isInteger(megabytes) || megabytes < 16) {
    throw new InvalidArgumentError('expected a whole number of megabytes, at least 16.');
  }
  return megabytes;
}
