/**
 * `trailingSlash` (spec §1.9) for a dev server, whose file list Portico cannot see. The canonical URL is
 * decided by the path's shape alone: `.html` and `index.html` URLs are canonicalised as for files, and
 * `always` adds a slash to an extensionless path, `never` removes one. What needs the file list (`auto`
 * or the default mode choosing between a folder and a page) passes through unchanged. The pipeline asks
 * only for page requests, so a dev server's own module URLs (`/@vite/client`) are never redirected.
 *
 * | request           | always         | never        | auto           | default |
 * |-------------------|----------------|--------------|----------------|---------|
 * | /about            | 301 /about/    | —            | —              | —       |
 * | /about/           | —              | 301 /about   | —              | —       |
 * | /about/index.html | 301 /about/    | 301 /about   | 301 /about/    | —       |
 * | /contact.html     | 301 /contact/  | 301 /contact | 301 /contact   | —       |
 */
import type { TrailingSlash } from '../../config/types.js';

const INDEX = '/index.html';

/** The canonical path `path` redirects to (301), or undefined when it is served as it is. */
export function matchDevServerSlash(path: string, mode: TrailingSlash | undefined): string | undefined {
  if (mode === undefined || path === '/') {
    return undefined;
  }
  if (path.endsWith(INDEX)) {
    const folder = path.slice(0, -INDEX.length + 1);
    return mode === 'never' ? trimSlash(folder) : folder;
  }
  if (path.endsWith('.html')) {
    const bare = path.slice(0, -'.html'.length);
    return mode === 'always' ? `${bare}/` : bare;
  }
  if (path.endsWith('/')) {
    return mode === 'never' ? path.slice(0, -1) : undefined;
  }
  return mode === 'always' && !hasExtension(path) ? `${path}/` : undefined;
}

function trimSlash(folder: string): string {
  return folder === '/' ? '/' : folder.slice(0, -1);
}

function hasExtension(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.lastIndexOf('.') > 0;
}
