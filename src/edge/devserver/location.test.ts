import { describe, expect, it } from 'vitest';
import { rewriteDevServerLocation } from './location.js';

const ORIGIN = 'https://127.0.0.1:4280';

describe('rewriteDevServerLocation', () => {
  it("moves a redirect to the dev server's own address to Portico's, keeping path, query and hash", () => {
    const dev = 'http://localhost:5173';
    expect(rewriteDevServerLocation('http://localhost:5173/next?a=1#b', dev, ORIGIN)).toBe(
      'https://127.0.0.1:4280/next?a=1#b',
    );
    expect(rewriteDevServerLocation('http://127.0.0.1:5173/x', dev, ORIGIN)).toBe('https://127.0.0.1:4280/x');
  });

  it('leaves relative locations and other addresses alone', () => {
    const dev = 'http://localhost:5173';
    expect(rewriteDevServerLocation('/next', dev, ORIGIN)).toBe('/next');
    expect(rewriteDevServerLocation('http://localhost:5174/x', dev, ORIGIN)).toBe('http://localhost:5174/x');
    expect(rewriteDevServerLocation('https://github.com/login', dev, ORIGIN)).toBe(
      'https://github.com/login',
    );
  });
});
