import { describe, expect, it } from 'vitest';
import { browserCommand } from './open-browser.js';

describe('browserCommand', () => {
  const url = 'https://127.0.0.1:4280';

  it('uses the platform opener', () => {
    expect(browserCommand(url, 'darwin', {})).toEqual({ command: 'open', args: [url] });
    expect(browserCommand(url, 'win32', {})).toEqual({ command: 'cmd', args: ['/c', 'start', '""', url] });
    expect(browserCommand(url, 'linux', { DISPLAY: ':0' })).toEqual({ command: 'xdg-open', args: [url] });
    expect(browserCommand(url, 'linux', { WAYLAND_DISPLAY: 'wayland-0' })?.command).toBe('xdg-open');
  });

  it('opens nothing on Linux without a display (SSH, CI, containers)', () => {
    expect(browserCommand(url, 'linux', {})).toBeUndefined();
    expect(browserCommand(url, 'linux', { DISPLAY: '' })).toBeUndefined();
  });
});
