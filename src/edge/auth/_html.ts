/** Folder-private HTML helpers for the pages `/.auth` renders. */
import { escapeHtml } from '../../shared/html.js';

/**
 * The Content-Security-Policy sent with every `/.auth` page: no scripts, no external resources, only
 * the page's own inline styles, and never framed.
 */
export const AUTH_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/** Wraps `body` in a complete, self-contained HTML document with the shared inline stylesheet. */
export function renderPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const PAGE_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #dde1e8;border-radius:8px}
h1{font-size:1.4rem;margin:0 0 .25rem}
p.note{margin:0 0 1.5rem;color:#5a6272;font-size:.9rem}
p.error{margin:0 0 1rem;padding:.6rem .8rem;background:#fdecec;border:1px solid #f1b5b5;border-radius:6px;color:#8a1c1c}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
small{display:block;color:#5a6272;font-size:.8rem;margin-top:.2rem}
input,textarea{width:100%;padding:.5rem .6rem;font:inherit;border:1px solid #c3c9d4;border-radius:6px}
textarea{min-height:4.5rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
button{margin-top:1.5rem;padding:.6rem 1.4rem;font:inherit;font-weight:600;color:#fff;background:#2459d6;border:0;border-radius:6px;cursor:pointer}
code{font-size:.9em}
`;
