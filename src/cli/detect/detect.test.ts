import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectProject, withScriptPort } from './detect.js';

const PROJECTS = fileURLToPath(new URL('../../../test/fixtures/projects/', import.meta.url));

describe('detectProject', () => {
  it.each([
    ['vite', 'Vite', 'dist', 'npm run dev', 'http://localhost:5173'],
    ['cra', 'Create React App', 'build', 'npm start', 'http://localhost:3000'],
    ['angular', 'Angular', 'dist/my-app/browser', 'npm start', 'http://localhost:4200'],
    ['nextjs', 'Next.js (static export)', 'out', 'npm run dev', 'http://localhost:3000'],
    ['sveltekit', 'SvelteKit (static adapter)', 'build', 'npm run dev', 'http://localhost:5173'],
    ['vue-cli', 'Vue CLI', 'dist', 'npm run serve', 'http://localhost:8080'],
    ['astro', 'Astro', 'dist', 'npm run dev', 'http://localhost:4321'],
  ])('%s: framework, build output, dev server command and URL', async (folder, name, output, run, url) => {
    const detected = await detectProject(join(PROJECTS, folder));
    expect(detected).toMatchObject({
      framework: name,
      appLocation: '.',
      outputLocation: output,
      appBuildCommand: 'npm run build',
      run,
      appDevserverUrl: url,
    });
    expect(detected.hints).toEqual([]);
  });

  it('finds the Functions API by its host.json, with its build script', async () => {
    const detected = await detectProject(join(PROJECTS, 'vite'));
    expect(detected).toMatchObject({ apiLocation: 'api', apiBuildCommand: 'npm run build' });
  });

  it('reads a package.json saved with a byte order mark (Visual Studio, PowerShell 5.1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-detect-'));
    try {
      await cp(join(PROJECTS, 'vite'), dir, { recursive: true });
      const file = join(dir, 'package.json');
      await writeFile(file, `\uFEFF${await readFile(file, 'utf8')}`);
      expect(await detectProject(dir)).toMatchObject({ framework: 'Vite', outputLocation: 'dist' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('plain HTML: the folder holding index.html is served as it is, with no commands', async () => {
    const detected = await detectProject(join(PROJECTS, 'plain-html'));
    expect(detected).toEqual({ framework: 'Plain HTML', appLocation: 'src', outputLocation: '.', hints: [] });
  });

  it('a framework in a sub-folder, yarn by its lockfile, and a hint when Next.js is not a static export', async () => {
    const root = await mkdtemp(join(tmpdir(), 'portico-detect-'));
    try {
      await cp(join(PROJECTS, 'nextjs'), join(root, 'web'), { recursive: true });
      await writeFile(join(root, 'web', 'next.config.mjs'), 'export default {};');
      await writeFile(join(root, 'web', 'yarn.lock'), '');
      const detected = await detectProject(root);
      expect(detected).toMatchObject({ appLocation: 'web', appBuildCommand: 'yarn build', run: 'yarn dev' });
      expect(detected.hints.join('\n')).toContain("output: 'export'");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('withScriptPort', () => {
  it('takes the port the dev script asks for, in the ways frameworks spell it', () => {
    const url = 'http://localhost:5173';
    expect(withScriptPort(url, 'vite --port 41201 --strictPort', 'vite')).toBe('http://localhost:41201');
    expect(withScriptPort(url, 'vite --port=3001', 'vite')).toBe('http://localhost:3001');
    expect(withScriptPort('http://localhost:3000', 'next dev -p 4000', 'nextjs')).toBe(
      'http://localhost:4000',
    );
    expect(withScriptPort('http://localhost:3000', 'PORT=3001 react-scripts start', 'cra')).toBe(
      'http://localhost:3001',
    );
  });

  it("keeps the framework's URL when the script names no port, or no valid one", () => {
    const url = 'http://localhost:5173';
    expect(withScriptPort(url, 'vite', 'vite')).toBe(url);
    expect(withScriptPort(url, undefined, 'vite')).toBe(url);
    expect(withScriptPort(url, 'vite --port 99999', 'vite')).toBe(url);
    // Vite ignores PORT (it listens on 5173 whatever the variable says); create-react-app reads it.
    expect(withScriptPort(url, 'PORT=3001 vite', 'vite')).toBe(url);
    expect(withScriptPort('http://localhost:3000', 'PORT=3001 react-scripts start', 'cra')).toBe(
      'http://localhost:3001',
    );
    expect(withScriptPort(url, 'vite --host 0.0.0.0 --open /p/1234', 'vite')).toBe(url);
  });
});
