/**
 * Why a listener could not open, told to the person who chose its address: the port taken or not
 * allowed, or a `--host` that is not an address of this machine. Each message names the flag to change.
 * Errors of other kinds are handed back as they are.
 */
import { PorticoError } from './errors.js';

/** Where a listener tried to listen, and how the user chose it. */
export interface ListenAttempt {
  readonly port: number;
  readonly host: string;
  /** The flag that chose the port: `--port`, `--admin-port`, `--https-port`. */
  readonly portFlag: string;
  /** The flag that chose the address (default `--host`; `--admin-host` for serve's admin port). */
  readonly hostFlag?: string;
  /** What was starting: `portico start`, `portico serve`. */
  readonly command: string;
  /** Who else may hold the port, for the hint (`another portico start?`). */
  readonly usualHolder?: string;
}

/** The user's error for a failed listen, or `error` itself when it is not one. */
export function explainListenError(error: unknown, at: ListenAttempt): unknown {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const where = `port ${at.port} on ${at.host}`;
  const holder = at.usualHolder === undefined ? '' : ` (${at.usualHolder})`;
  const fail = (message: string) => new PorticoError('CLI_PORT_IN_USE', message, { cause: error });
  switch (code) {
    case 'EADDRINUSE':
      return fail(
        `${capital(where)} is already in use, so ${at.command} cannot listen there (${at.portFlag}). Stop the program that holds it${holder} or choose another port with ${at.portFlag} <number>.`,
      );
    case 'EACCES':
      return fail(
        `${capital(where)} may not be used by this user, so ${at.command} cannot listen there (${at.portFlag}): ports below 1024 need root or the CAP_NET_BIND_SERVICE capability. Choose another port with ${at.portFlag} <number>.`,
      );
    case 'EADDRNOTAVAIL':
      return fail(
        `${at.host} is not an address of this machine, so ${at.command} cannot listen on it (${at.hostFlag ?? '--host'}). Use 127.0.0.1 (this machine only), 0.0.0.0 (every address) or one of the machine's own addresses.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(
        `The host name ${at.host} (${at.hostFlag ?? '--host'}) could not be resolved to an address of this machine. Give an IP address such as 127.0.0.1 or 0.0.0.0, or a name this machine resolves to itself (localhost).`,
      );
    default:
      return error;
  }
}

function capital(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
