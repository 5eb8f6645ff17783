/**
 * `--open`: opens the dev server's URL in the user's browser with the platform's opener (`open` on macOS,
 * `start` on Windows, `xdg-open` elsewhere). Without a display (SSH, CI, containers) it says so and does
 * nothing; a missing opener is a note, never a failure of the dev server.
 */
import { spawn } from 'node:child_process';

/** The opener command for `url` on `platform`, or undefined when there is no display to open it on. */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform,
  env: Readonly<Record<string, string | undefined>>,
): { command: string; args: string[] } | undefined {
  if (platform === 'darwin') {
    return { command: 'open', args: [url] };
  }
  if (platform === 'win32') {
    return { command: 'cmd', args: ['/c', 'start', '""', url] };
  }
  const display = env.DISPLAY ?? env.WAYLAND_DISPLAY;
  return display === undefined || display === '' ? undefined : { command: 'xdg-open', args: [url] };
}

/** Opens `url`, writing what happened with `note`. */
export function openBrowser(
  url: string,
  note: (line: string) => void,
  platform: NodeJS.Platform = process.platform,
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const opener = browserCommand(url, platform, env);
  if (opener === undefined) {
    note(`--open: no display found (DISPLAY is not set), so no browser was opened; visit ${url}`);
    return;
  }
  const child = spawn(opener.command, opener.args, { stdio: 'ignore', detached: true });
  child.on('error', (error) =>
    note(`--open: could not run ${opener.command} (${error.message}); visit ${url}`),
  );
  child.unref();
}
