/**
 * SIGUSR1 opens Node's inspector on 127.0.0.1:9229 when no JavaScript listens for it: a debugger with the
 * whole server (its service key, every site's settings), reachable by whatever runs on the machine's
 * loopback, a tenant's function in a shared network included. Operators send USR1 out of habit (nginx
 * reopens its logs on it), so Portico's commands listen for it for the whole life of the process, which
 * keeps the inspector closed; what it does beyond that is the command's (`portico serve`: reopen its
 * logs, as on SIGHUP). Functions workers listen too, so a tenant's worker is never opened either.
 * `node --inspect` still opens the inspector on purpose.
 */

let action: (() => void) | undefined;
let claimed = false;

/** Listens for SIGUSR1 from now on, so that it never opens the inspector (idempotent). */
export function keepInspectorClosed(): void {
  if (!claimed) {
    claimed = true;
    process.on('SIGUSR1', () => action?.());
  }
}

/** What SIGUSR1 does from now on (undefined: nothing); the inspector stays closed either way. */
export function onSigusr1(next: (() => void) | undefined): void {
  keepInspectorClosed();
  action = next;
}
