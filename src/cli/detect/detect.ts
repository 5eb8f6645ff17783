/**
 * Detects a Static Web Apps project from its files: the front end (a framework from package.json, else
 * plain HTML), its build output and dev server, and an Azure Functions API (a folder with host.json).
 * Looks at the project folder and its sub-folders two levels down, skipping node_modules and dot folders.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isRecord } from '../../shared/guards.js';
import { parseJsonText } from '../../shared/json-text.js';
import { type FrameworkDefinition, matchFramework, type PackageFacts } from './frameworks.js';

/** What detection found, with locations relative to the project folder (SWA CLI key names). */
export interface DetectedProject {
  /** The framework's name, `Plain HTML`, or undefined when nothing was recognised. */
  readonly framework?: string;
  readonly appLocation: string;
  readonly outputLocation: string;
  readonly appBuildCommand?: string;
  readonly run?: string;
  readonly appDevserverUrl?: string;
  readonly apiLocation?: string;
  readonly apiBuildCommand?: string;
  /** Things the user should know or fix (e.g. a missing static adapter). */
  readonly hints: readonly string[];
}

const SKIPPED = new Set(['node_modules', 'dist', 'build', 'out', 'coverage']);
const MAX_DEPTH = 2;

/** Detects the project in `root`. */
export async function detectProject(root: string): Promise<DetectedProject> {
  const folders = await listFolders(root);
  const apiDir = await findApiFolder(folders);
  const appFolders = folders.filter((dir) => dir !== apiDir);
  const api = apiDir === undefined ? {} : await describeApi(root, apiDir);
  for (const dir of appFolders) {
    const facts = await readPackage(dir);
    const framework = facts === undefined ? undefined : matchFramework(facts);
    if (facts !== undefined && framework !== undefined) {
      return { ...(await describeFramework(root, dir, framework, facts)), ...api };
    }
  }
  const html = await findFirst(appFolders, (dir) => hasFile(dir, 'index.html'));
  const appLocation = html === undefined ? '.' : toLocation(root, html);
  return {
    framework: html === undefined ? undefined : 'Plain HTML',
    appLocation,
    outputLocation: '.',
    hints: [],
    ...api,
  };
}

async function describeFramework(
  root: string,
  dir: string,
  framework: FrameworkDefinition,
  facts: PackageFacts,
): Promise<DetectedProject> {
  const runner = await packageRunner(dir, root);
  const devScript = [framework.devScript, 'dev', 'start', 'serve'].find(
    (name) => facts.scripts[name] !== undefined,
  );
  const hints = framework.staticHint?.needs(facts) === true ? [framework.staticHint.message] : [];
  const hasBuild = facts.scripts[framework.buildScript] !== undefined;
  if (!hasBuild) {
    hints.push(`package.json has no "${framework.buildScript}" script, so no appBuildCommand was set`);
  }
  return {
    framework: framework.name,
    appLocation: toLocation(root, dir),
    outputLocation: framework.id === 'angular' ? await angularOutput(dir) : framework.outputLocation,
    appBuildCommand: hasBuild ? runner(framework.buildScript) : undefined,
    run: devScript === undefined ? undefined : runner(devScript),
    appDevserverUrl:
      devScript === undefined
        ? undefined
        : withScriptPort(framework.devServerUrl, facts.scripts[devScript], framework.id),
    hints,
  };
}

/** Frameworks whose dev server reads the `PORT` variable (Vite, Astro, Angular and SvelteKit do not). */
const READS_PORT_VARIABLE = new Set(['cra', 'nextjs', 'vue-cli']);
/** A port a dev script names by flag: `--port 3001`, `--port=3001`, `-p 4000`. */
const PORT_FLAG = /(?:--port[= ]|(?:^|\s)-p\s+)(\d{2,5})(?!\d)/;
/** {@link PORT_FLAG}, or `PORT=3001` before the command. */
const PORT_FLAG_OR_VARIABLE = /(?:--port[= ]|(?:^|\s)-p\s+|(?:^|\s)PORT=)(\d{2,5})(?!\d)/;

/**
 * The framework's dev server URL with the port its dev script asks for (`vite --port 3001`, `next dev -p
 * 4000`, `ng serve --port=4300`, `PORT=3001 react-scripts start` for a framework that reads `PORT`), else
 * as the framework's template sets it.
 */
export function withScriptPort(url: string, script: string | undefined, frameworkId: string): string {
  const pattern = READS_PORT_VARIABLE.has(frameworkId) ? PORT_FLAG_OR_VARIABLE : PORT_FLAG;
  const match = pattern.exec(script ?? '');
  const port = match?.[1] === undefined ? undefined : Number(match[1]);
  if (port === undefined || port < 1 || port > 65_535) {
    return url;
  }
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.origin;
}

async function describeApi(
  root: string,
  apiDir: string,
): Promise<Pick<DetectedProject, 'apiLocation' | 'apiBuildCommand'>> {
  const facts = await readPackage(apiDir);
  const hasBuild = facts?.scripts.build !== undefined;
  const runner = await packageRunner(apiDir, root);
  return { apiLocation: toLocation(root, apiDir), apiBuildCommand: hasBuild ? runner('build') : undefined };
}

/** `npm run <script>` (or yarn/pnpm when their lockfile is there; `npm start` for start). */
async function packageRunner(dir: string, root: string): Promise<(script: string) => string> {
  const manager = await detectPackageManager(dir, root);
  if (manager === 'npm') {
    return (script) => (script === 'start' ? 'npm start' : `npm run ${script}`);
  }
  return (script) => `${manager} ${script}`;
}

/** The package manager whose lockfile is in `dir` or `root`: npm, yarn or pnpm (npm when none). */
export async function detectPackageManager(
  dir: string,
  root: string = dir,
): Promise<'npm' | 'yarn' | 'pnpm'> {
  for (const folder of [dir, root]) {
    if (await hasFile(folder, 'package-lock.json')) {
      return 'npm';
    }
    if (await hasFile(folder, 'pnpm-lock.yaml')) {
      return 'pnpm';
    }
    if (await hasFile(folder, 'yarn.lock')) {
      return 'yarn';
    }
  }
  return 'npm';
}

/** Angular's output: `outputPath` of the first project (its `browser` folder for the application builder). */
async function angularOutput(dir: string): Promise<string> {
  const workspace = await readJson(join(dir, 'angular.json'));
  const projects = isRecord(workspace?.projects) ? Object.entries(workspace.projects) : [];
  const [name, project] = projects[0] ?? ['app', undefined];
  const build = isRecord(project) && isRecord(project.architect) ? project.architect.build : undefined;
  const builder = isRecord(build) && typeof build.builder === 'string' ? build.builder : '';
  const outputPath = isRecord(build) && isRecord(build.options) ? build.options.outputPath : undefined;
  const browserBuilder = builder.endsWith(':application');
  if (typeof outputPath === 'string') {
    return browserBuilder ? `${outputPath}/browser` : outputPath;
  }
  if (isRecord(outputPath) && typeof outputPath.base === 'string') {
    const browser = typeof outputPath.browser === 'string' ? outputPath.browser : 'browser';
    return browser === '' ? outputPath.base : `${outputPath.base}/${browser}`;
  }
  return `dist/${name}/browser`;
}

/** What package.json says, or undefined when there is none (or it is not JSON). */
async function readPackage(dir: string): Promise<PackageFacts | undefined> {
  const json = await readJson(join(dir, 'package.json'));
  if (json === undefined) {
    return undefined;
  }
  const names = [json.dependencies, json.devDependencies].flatMap((deps) =>
    isRecord(deps) ? Object.keys(deps) : [],
  );
  const scripts = isRecord(json.scripts) ? (json.scripts as Record<string, string>) : {};
  const configText = (
    await Promise.all(
      ['next.config.js', 'next.config.mjs', 'next.config.ts'].map((f) => readText(join(dir, f))),
    )
  ).join('\n');
  return { dependencies: new Set(names), scripts, configText };
}

/** The first folder holding host.json (an Azure Functions app). */
async function findApiFolder(folders: readonly string[]): Promise<string | undefined> {
  return findFirst(folders.slice(1), (dir) => hasFile(dir, 'host.json'));
}

/** `root`, then its sub-folders breadth first, down to {@link MAX_DEPTH}. */
async function listFolders(root: string): Promise<string[]> {
  const found = [root];
  for (let index = 0; index < found.length; index++) {
    const dir = found[index] ?? root;
    if (relative(root, dir).split(sep).filter(Boolean).length >= MAX_DEPTH) {
      continue;
    }
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const subfolders = entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED.has(entry.name))
      .map((entry) => join(dir, entry.name))
      .sort();
    found.push(...subfolders);
  }
  return found;
}

async function findFirst(
  folders: readonly string[],
  test: (dir: string) => Promise<boolean>,
): Promise<string | undefined> {
  for (const dir of folders) {
    if (await test(dir)) {
      return dir;
    }
  }
  return undefined;
}

function toLocation(root: string, dir: string): string {
  return relative(root, dir).split(sep).join('/') || '.';
}

async function hasFile(dir: string, name: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.includes(name);
}

async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed = parseJsonText(await readFile(file, 'utf8'));
    return parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}
