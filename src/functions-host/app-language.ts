/**
 * Tells a Functions app Portico cannot run from one it can, by the files at the top of its folder and the
 * signals the Functions host itself goes by: a custom handler (host.json `customHandler`),
 * `FUNCTIONS_WORKER_RUNTIME` in local.settings.json, or a .NET, Python, Java or PowerShell project. Portico
 * runs Node.js apps only, and such a folder would otherwise start with "No functions found" and answer
 * every /api call 404. Synchronous and cheap (one directory listing, host.json and local.settings.json
 * read only when there), so the CLI says so where it resolves the API folder, before anything is built or
 * started (decisions 0077, 0105).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { isRecord } from '../shared/guards.js';
import { parseJsonWithComments } from '../shared/json-text.js';
import { clip } from '../shared/quote.js';

/** A Functions app of another kind than Node.js: the file that says so and what it is. */
export interface OtherFunctionsApp {
  /** The file found at the top of the folder, e.g. `api.csproj`. */
  readonly file: string;
  /** What it is, e.g. `a .NET Functions app`. */
  readonly kind: string;
}

/**
 * File names (lower case) that mark another language's project even beside a package.json (kept there for
 * tooling such as prettier or a front-end build): no Node.js Functions app has them at its top.
 */
const PROJECT_FILES: Readonly<Record<string, string>> = {
  'function_app.py': 'a Python Functions app',
  'functions.metadata': 'a built .NET (isolated) Functions app',
};

/**
 * File names (lower case) that mark another language's project only without a package.json: a Node.js
 * app may well hold a requirements.txt for a script, or a pom.xml of a neighbouring tool.
 */
const PROJECT_FILES_WITHOUT_PACKAGE_JSON: Readonly<Record<string, string>> = {
  'requirements.txt': 'a Python Functions app',
  'pom.xml': 'a Java Functions app',
  'build.gradle': 'a Java Functions app',
  'build.gradle.kts': 'a Java Functions app',
  'requirements.psd1': 'a PowerShell Functions app',
  'profile.ps1': 'a PowerShell Functions app',
};

/** Project file extensions of .NET. */
const DOTNET_PROJECT = /\.(cs|fs|vb)proj$/i;

/** What each `FUNCTIONS_WORKER_RUNTIME` (compared in lower case) other than `node` is. */
const WORKER_RUNTIMES: Readonly<Record<string, string>> = {
  dotnet: 'a .NET Functions app',
  'dotnet-isolated': 'a .NET (isolated) Functions app',
  python: 'a Python Functions app',
  java: 'a Java Functions app',
  powershell: 'a PowerShell Functions app',
  custom: 'a custom handler',
};

/**
 * The other kind of Functions app `apiDir` holds, or undefined for a Node.js app (or a folder that is not
 * there: that is said elsewhere). In order, as the Functions host decides: a custom handler in host.json;
 * `FUNCTIONS_WORKER_RUNTIME` in local.settings.json (`node` makes it Node.js whatever else is there); a
 * .NET project, `function_app.py` or `functions.metadata`, beside a package.json or not; the other
 * languages' project files only without a package.json.
 */
export function findOtherFunctionsApp(apiDir: string): OtherFunctionsApp | undefined {
  const names = listFolder(apiDir);
  const lower = new Set(names.map((name) => name.toLowerCase()));
  if (lower.has('host.json') && hasCustomHandler(join(apiDir, 'host.json'))) {
    return { file: 'host.json', kind: 'a custom handler (host.json "customHandler")' };
  }
  const runtime = lower.has('local.settings.json')
    ? workerRuntimeOf(join(apiDir, 'local.settings.json'))
    : undefined;
  if (runtime !== undefined) {
    return runtime.toLowerCase() === 'node' ? undefined : byWorkerRuntime(runtime);
  }
  const dotnet = names.find((name) => DOTNET_PROJECT.test(name));
  if (dotnet !== undefined) {
    return { file: dotnet, kind: 'a .NET Functions app' };
  }
  const strong = markerIn(names, PROJECT_FILES);
  if (strong !== undefined || lower.has('package.json')) {
    return strong;
  }
  return markerIn(names, PROJECT_FILES_WITHOUT_PACKAGE_JSON);
}

function byWorkerRuntime(runtime: string): OtherFunctionsApp {
  const kind = WORKER_RUNTIMES[runtime.toLowerCase()] ?? 'not a Node.js Functions app';
  return {
    file: 'local.settings.json',
    kind: `${kind} (FUNCTIONS_WORKER_RUNTIME is "${clip(runtime)}")`,
  };
}

function markerIn(
  names: readonly string[],
  markers: Readonly<Record<string, string>>,
): OtherFunctionsApp | undefined {
  const marker = names.find((name) => markers[name.toLowerCase()] !== undefined);
  return marker === undefined ? undefined : { file: marker, kind: markers[marker.toLowerCase()] ?? '' };
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

/** The parsed file, or undefined when it cannot be read or parsed (its own reader reports that). */
function readJsonFile(path: string): unknown {
  try {
    const parsed = parseJsonWithComments(readFileSync(path, 'utf8'));
    return parsed.ok ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}

/** A `customHandler` section at the top of host.json (keys in any case, as the host reads them). */
function hasCustomHandler(hostJson: string): boolean {
  const parsed = readJsonFile(hostJson);
  return isRecord(parsed) && Object.keys(parsed).some((key) => key.toLowerCase() === 'customhandler');
}

/** `Values.FUNCTIONS_WORKER_RUNTIME` of local.settings.json, when it is a non-empty string. */
function workerRuntimeOf(localSettings: string): string | undefined {
  const parsed = readJsonFile(localSettings);
  const values = isRecord(parsed) ? parsed.Values : undefined;
  const runtime = isRecord(values) ? values.FUNCTIONS_WORKER_RUNTIME : undefined;
  return typeof runtime === 'string' && runtime.trim() !== '' ? runtime.trim() : undefined;
}
