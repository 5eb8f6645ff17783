/**
 * Tells a Functions app Portico cannot run from one it can, by the files at the top of its folder: a
 * custom handler (host.json `customHandler`), or a .NET, Python, Java or PowerShell project. Portico runs
 * Node.js apps only, and such a folder would otherwise start with "No functions found" and answer every
 * /api call 404. Synchronous and cheap (one directory listing, host.json read only when there), so the CLI
 * says so where it resolves the API folder, before anything is built or started.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';

/** A Functions app of another kind than Node.js: the file that says so and what it is. */
export interface OtherFunctionsApp {
  /** The file found at the top of the folder, e.g. `api.csproj`. */
  readonly file: string;
  /** What it is, e.g. `a .NET Functions app`. */
  readonly kind: string;
}

/** File names (lower case) that mark another language's project, and what they mark. */
const PROJECT_FILES: Readonly<Record<string, string>> = {
  'function_app.py': 'a Python Functions app',
  'requirements.txt': 'a Python Functions app',
  'pom.xml': 'a Java Functions app',
  'build.gradle': 'a Java Functions app',
  'build.gradle.kts': 'a Java Functions app',
  'requirements.psd1': 'a PowerShell Functions app',
  'profile.ps1': 'a PowerShell Functions app',
  'functions.metadata': 'a built .NET (isolated) Functions app',
};

/** Project file extensions of .NET. */
const DOTNET_PROJECT = /\.(cs|fs|vb)proj$/i;

/**
 * The other kind of Functions app `apiDir` holds, or undefined for a Node.js app (or a folder that is not
 * there: that is said elsewhere). A custom handler counts whatever else is there; a language's project file
 * counts only without a package.json, so a Node.js app with such a file beside it still runs.
 */
export function findOtherFunctionsApp(apiDir: string): OtherFunctionsApp | undefined {
  const names = listFolder(apiDir);
  const lower = new Set(names.map((name) => name.toLowerCase()));
  if (lower.has('host.json') && hasCustomHandler(join(apiDir, 'host.json'))) {
    return { file: 'host.json', kind: 'a custom handler (host.json "customHandler")' };
  }
  if (lower.has('package.json')) {
    return undefined;
  }
  const dotnet = names.find((name) => DOTNET_PROJECT.test(name));
  if (dotnet !== undefined) {
    return { file: dotnet, kind: 'a .NET Functions app' };
  }
  const marker = names.find((name) => PROJECT_FILES[name.toLowerCase()] !== undefined);
  return marker === undefined ? undefined : { file: marker, kind: PROJECT_FILES[marker.toLowerCase()] ?? '' };
}

/**
 * Throws a user error when `apiDir` holds a Functions app Portico cannot run: what was found, that Portico
 * runs Node.js apps only, then `howTo` (what the command's user can do instead).
 */
export function assertNodeFunctionsApp(apiDir: string, howTo: string): void {
  const other = findOtherFunctionsApp(apiDir);
  if (other === undefined) {
    return;
  }
  throw new PorticoError(
    'FUNCTIONS_APP_NOT_NODE',
    `The API folder ${apiDir} holds ${other.file}: it is ${other.kind}, and Portico runs Node.js Functions apps only. ${howTo}`,
  );
}

/** What to do about it in the dev loop: run it with Core Tools and point Portico at it. */
export const RUN_WITH_CORE_TOOLS =
  'Run that API with Azure Functions Core Tools (`func start` in that folder) and give its URL instead of the folder: --api-devserver-url http://localhost:7071 (apiDevserverUrl in swa-cli.config.json), as with the SWA CLI.';

function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Read as text, not parsed: the Functions host accepts comments in host.json, and its keys in any case. */
function hasCustomHandler(hostJson: string): boolean {
  try {
    return /"customHandler"\s*:/i.test(readFileSync(hostJson, 'utf8'));
  } catch {
    return false;
  }
}
