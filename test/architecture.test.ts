/** Keeps the folder boundaries of docs/architecture.md honest by scanning relative imports in src/. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/shared/errors.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

const ALLOWED: Record<string, readonly string[]> = {
  shared: [],
  config: ['shared'],
  edge: ['shared', 'config'],
  'functions-host': ['shared'],
  storage: ['shared', 'config'],
  // The gateway data plane (API Management): policies, keys, counters, forwarding.
  gateway: ['shared'],
  // The control plane checks policy documents with the gateway's parser when they are saved.
  'control-plane': ['shared', 'config', 'storage', 'gateway'],
  client: ['shared'],
  portal: ['shared'],
  // TLS: certificates by SNI, the service certificate's files, ACME; storage-free (serve wires it).
  tls: ['shared'],
  // Operations: metrics (fed by diagnostics-channel events), access log, readiness.
  ops: ['shared'],
  // The two composition roots: main.ts (`portico start`) and serve/ (`portico serve`).
  // The `--run` dev server command of `portico start` (a process group), composed by main.ts.
  start: ['shared'],
  'main.ts': ['shared', 'config', 'edge', 'functions-host', 'start'],
  serve: [
    'shared',
    'config',
    'storage',
    'control-plane',
    'edge',
    'functions-host',
    'portal',
    'gateway',
    'tls',
    'ops',
  ],
  // `functions start` composes the functions host alone, as `start` and `serve` compose through their roots.
  cli: ['shared', 'config', 'client', 'main.ts', 'serve', 'functions-host'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(path);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function topFolder(path: string): string {
  return relative(SRC, path).split('/')[0] ?? '';
}

function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // Static imports and the dynamic `import('…')` of modules loaded on first use (the CLI's commands).
  const specifiers = [...text.matchAll(/(?:from |import\()'(\.[^']+)'/g)].map((match) => match[1] ?? '');
  return specifiers.map((specifier) => topFolder(resolve(dirname(file), specifier).replace(/\.js$/, '.ts')));
}

describe('architecture', () => {
  it('each folder imports only what docs/architecture.md allows', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const own = topFolder(file);
      const allowed = ALLOWED[own];
      expect(allowed, `${own} is not in the import table`).toBeDefined();
      for (const folder of importedFolders(file)) {
        if (folder !== own && !allowed?.includes(folder)) {
          violations.push(`${relative(SRC, file)} imports ${folder}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('every error code carries its module prefix', () => {
    for (const code of Object.keys(ERROR_CODES)) {
      expect(code).toMatch(
        /^(CONFIG|EDGE|AUTH|PROXY|CLI|CLIENT|STORAGE|GATEWAY|FUNCTIONS|CONTROL|DEPLOY|SERVE|TLS)_[A-Z_]+$|^INTERNAL$/,
      );
    }
  });
});
