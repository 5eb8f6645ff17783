/** Spec §12 checks 24–36: headers, MIME types, navigation fallback and trailing slash, over a real socket. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

describe('headers and MIME types (checks 24–26, 28, 29)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(
      { 'index.html': 'home', 'data.json': '{"a":1}', 'foo.bar': 'x', 'index2.html': 'two' },
      {
        config: {
          routes: [{ route: '/rewrite_index2', rewrite: '/index2.html', headers: { a: 'c' } }],
          globalHeaders: { a: 'b', etag: '', 'X-Content-Type-Options': 'nosniff' },
          mimeTypes: { '.json': 'text/json' },
        },
      },
    );
  });
  afterAll(() => app.close());

  it('24/26. global headers are added and an empty value removes a header', async () => {
    const res = await app.fetch('/');
    expect(res.header('a')).toBe('b');
    expect(res.header('x-content-type-options')).toBe('nosniff');
    expect(res.header('etag')).toBeUndefined();
  });

  it('26. an empty value removes a header from an OPTIONS answer too, instead of sending it empty', async () => {
    const res = await app.fetch('/', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.header('allow')).toBe('GET, HEAD, OPTIONS');
    expect(res.header('a')).toBe('b');
    expect(res.header('etag')).toBeUndefined();
    expect(res.headers).not.toHaveProperty('etag');
  });

  it('25. a route header overrides the global one', async () => {
    const res = await app.fetch('/rewrite_index2');
    expect(res.text).toBe('two');
    expect(res.header('a')).toBe('c');
  });

  it('28/29. custom and default content types', async () => {
    expect((await app.fetch('/data.json')).header('content-type')).toBe('text/json');
    expect((await app.fetch('/foo.bar')).header('content-type')).toBe('application/octet-stream');
    expect((await app.fetch('/index.html')).header('content-type')).toMatch(/^text\/html/);
  });
});

describe('navigation fallback (checks 30–32)', () => {
  const tree = {
    'index.html': 'spa shell',
    'images/logo.png': 'png',
    'images/headshot.jpg': 'jpg',
    'images/screenshot.gif': 'gif',
    'css/global.css': 'body{}',
    '404.html': 'custom not found',
  };

  it('30. follows the docs table', async () => {
    const app = await startApp(tree, {
      config: {
        navigationFallback: { rewrite: '/index.html', exclude: ['/images/*.{png,jpg,gif}', '/css/*'] },
      },
    });
    try {
      const expectations: [string, number, string | undefined][] = [
        ['/about/', 200, 'spa shell'],
        ['/images/logo.png', 200, 'png'],
        ['/images/icon.svg', 200, 'spa shell'],
        ['/images/unknown.png', 404, undefined],
        ['/css/unknown.css', 404, undefined],
        ['/css/global.css', 200, 'body{}'],
        ['/anything/else', 200, 'spa shell'],
      ];
      for (const [path, status, body] of expectations) {
        const res = await app.fetch(path);
        expect(res.status, path).toBe(status);
        if (body !== undefined) {
          expect(res.text, path).toBe(body);
        }
      }
    } finally {
      await app.close();
    }
  });

  it('31/32. excluded extensions get 404 through the 404 override; client routes get the shell', async () => {
    const app = await startApp(tree, {
      config: {
        navigationFallback: { rewrite: 'index.html', exclude: ['*.{txt}', '/*.{css,js}'] },
        responseOverrides: { '404': { rewrite: '/404.html' } },
      },
    });
    try {
      expect((await app.fetch('/does_not_exist.html')).text).toBe('spa shell');
      expect((await app.fetch('/products/12')).status).toBe(200);
      const txt = await app.fetch('/does_not_exist.txt');
      expect(txt.status).toBe(404);
      const css = await app.fetch('/x.css');
      expect(css.status).toBe(404);
      expect(css.text).toBe('custom not found');
    } finally {
      await app.close();
    }
  });

  it('never falls back for /.auth paths', async () => {
    const app = await startApp(tree, { config: { navigationFallback: { rewrite: '/index.html' } } });
    try {
      expect((await app.fetch('/.auth/unknown')).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('trailingSlash (checks 33–36)', () => {
  const tree = {
    'index.html': 'home',
    'about/index.html': 'about',
    'contact.html': 'contact',
    'what?.html': 'what',
    'x#y/index.html': 'xy',
  };
  const cases: Record<string, [string, number, string][]> = {
    default: [
      ['/contact/', 301, '/contact'],
      ['/about', 200, 'about'],
      ['/contact', 200, 'contact'],
    ],
    always: [
      ['/about', 301, '/about/'],
      ['/contact.html', 301, '/contact/'],
      ['/contact/', 200, 'contact'],
    ],
    never: [
      ['/about/', 301, '/about'],
      ['/about/index.html', 301, '/about'],
      ['/about', 200, 'about'],
    ],
    auto: [
      ['/about', 301, '/about/'],
      ['/contact/', 301, '/contact'],
      ['/contact.html', 301, '/contact'],
      ['/contact', 200, 'contact'],
      // A ? or # in a file's name stays encoded in the redirect, which would otherwise end the path.
      ['/what%3F.html', 301, '/what%3F'],
      ['/what%3F', 200, 'what'],
      ['/x%23y', 301, '/x%23y/'],
    ],
  };
  for (const [mode, expectations] of Object.entries(cases)) {
    it(`${mode}`, async () => {
      const app = await startApp(tree, { config: mode === 'default' ? {} : { trailingSlash: mode } });
      try {
        for (const [path, status, expected] of expectations) {
          const res = await app.fetch(`${path}?q=1`);
          expect(res.status, path).toBe(status);
          if (status === 301) {
            expect(res.header('location'), path).toBe(`${app.url}${expected}?q=1`);
          } else {
            expect(res.text, path).toBe(expected);
          }
        }
      } finally {
        await app.close();
      }
    });
  }
});
