/**
 * Static path resolution with the `trailingSlash` policy (spec §1.9). Given a decoded request path and a
 * file lookup, decides which file serves it or where a 301 goes. Extensionless paths resolve to
 * `<path>.html` in every mode; folders resolve to `<path>/index.html`.
 *
 * | request             | default        | always          | never         | auto            |
 * |---------------------|----------------|-----------------|---------------|-----------------|
 * | /about              | about/index    | 301 /about/     | about/index   | 301 /about/     |
 * | /about/             | about/index    | about/index     | 301 /about    | about/index     |
 * | /about/index.html   | about/index    | 301 /about/     | 301 /about    | 301 /about/     |
 * | /contact            | contact.html   | 301 /contact/   | contact.html  | contact.html    |
 * | /contact/           | 301 /contact   | contact.html    | 301 /contact  | 301 /contact    |
 * | /contact.html       | contact.html   | 301 /contact/   | 301 /contact  | 301 /contact    |
 */
import type { TrailingSlash } from '../../config/types.js';

export type StaticResolution =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'redirect'; readonly path: string }
  | { readonly kind: 'missing' };

type Mode = TrailingSlash | 'default';
type Exists = (path: string) => boolean;

const INDEX = 'index.html';

/** Resolves `path` to a file or a canonical-URL redirect under the given trailing-slash mode. */
export function resolveStaticPath(
  path: string,
  mode: TrailingSlash | undefined,
  exists: Exists,
): StaticResolution {
  const m: Mode = mode ?? 'default';
  if (path.endsWith('/')) {
    return resolveSlashed(path, m, exists);
  }
  if (path.endsWith(`/${INDEX}`) && exists(path)) {
    return resolveIndexFile(path, m);
  }
  if (path.endsWith('.html') && exists(path)) {
    return m === 'always' || m === 'never' || m === 'auto' ? redirectHtml(path, m) : file(path);
  }
  if (exists(path)) {
    return file(path);
  }
  return resolveBare(path, m, exists);
}

function resolveSlashed(path: string, m: Mode, exists: Exists): StaticResolution {
  const bare = path.slice(0, -1);
  const isRoot = path === '/';
  if (exists(path + INDEX)) {
    return m === 'never' && !isRoot ? redirect(bare) : file(path + INDEX);
  }
  if (!isRoot && exists(`${bare}.html`)) {
    return m === 'always' ? file(`${bare}.html`) : redirect(bare);
  }
  return MISSING;
}

function resolveIndexFile(path: string, m: Mode): StaticResolution {
  const folder = path.slice(0, -INDEX.length);
  if (m === 'always' || m === 'auto') {
    return redirect(folder);
  }
  if (m === 'never') {
    return redirect(folder === '/' ? '/' : folder.slice(0, -1));
  }
  return file(path);
}

function redirectHtml(path: string, m: Mode): StaticResolution {
  const bare = path.slice(0, -'.html'.length);
  return redirect(m === 'always' ? `${bare}/` : bare);
}

function resolveBare(path: string, m: Mode, exists: Exists): StaticResolution {
  if (exists(`${path}/${INDEX}`)) {
    return m === 'always' || m === 'auto' ? redirect(`${path}/`) : file(`${path}/${INDEX}`);
  }
  if (exists(`${path}.html`)) {
    return m === 'always' ? redirect(`${path}/`) : file(`${path}.html`);
  }
  return MISSING;
}

/**
 * The other file a path may be served from, if any (decision D1): `/admin/` or `/admin` →
 * `/admin/index.html` when that file exists and `/admin` is not itself a file; else `/secret` or
 * `/secret/` → `/secret.html` when that file exists. Route rules are tried on it too, so a rule on the
 * file protects every URL that serves it, whatever the `trailingSlash` mode.
 */
export function servedFileOf(path: string, exists: Exists): string | undefined {
  const slashed = path.endsWith('/');
  if (!slashed && exists(path)) {
    return undefined;
  }
  const index = slashed ? path + INDEX : `${path}/${INDEX}`;
  if (exists(index)) {
    return index;
  }
  const bare = slashed ? path.slice(0, -1) : path;
  const html = `${bare}.html`;
  return bare !== '' && exists(html) ? html : undefined;
}

const MISSING: StaticResolution = Object.freeze({ kind: 'missing' });

function file(path: string): StaticResolution {
  return { kind: 'file', path };
}

function redirect(path: string): StaticResolution {
  return { kind: 'redirect', path };
}
