/**
 * The v3 model (spec §5): every direct subfolder with a `function.json` is a function named after the
 * folder (host `HostFunctionMetadataProvider`); its script is loaded and its entry point picked the way
 * the worker's `LegacyFunctionLoader` does.
 */
import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { isRecord } from '../../shared/guards.js';
import { parseJsonWithComments } from '../../shared/json-text.js';
import { readOptional } from './app-files.js';
import { WorkerLoadError } from './errors.js';
import { asString, isCallable } from './guards.js';
import type { RegisteredFunction, RpcBindingInfo, RpcFunctionMetadata } from './types.js';

const FUNCTION_JSON = 'function.json';
const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,127}$/i;

/** The function folders of an app: those that can run, and those that cannot with the reason. */
export interface DiscoveredV3Functions {
  readonly found: RpcFunctionMetadata[];
  readonly failed: WorkerLoadError[];
}

/**
 * Reads the metadata of every function folder in `appDir`, sorted by name. A folder whose function.json
 * is wrong is set aside with its error, as the Functions host marks that one function in error and runs
 * the others.
 */
export async function discoverV3Functions(appDir: string): Promise<DiscoveredV3Functions> {
  const entries = await readdir(appDir, { withFileTypes: true });
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const found: RpcFunctionMetadata[] = [];
  const failed: WorkerLoadError[] = [];
  for (const folder of folders.sort()) {
    const text = await readOptional(join(appDir, folder, FUNCTION_JSON));
    if (text !== undefined) {
      try {
        found.push(await parseFunctionJson(join(appDir, folder), text));
      } catch (error) {
        if (!(error instanceof WorkerLoadError)) {
          throw error;
        }
        failed.push(error);
      }
    }
  }
  return { found, failed };
}

/** The subfolders of `appDir` that hold a `function.json` (v3 function folders), sorted. */
export async function listV3FunctionFolders(appDir: string): Promise<string[]> {
  const entries = await readdir(appDir, { withFileTypes: true }).catch(() => []);
  const folders: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && (await readOptional(join(appDir, entry.name, FUNCTION_JSON))) !== undefined) {
      folders.push(entry.name);
    }
  }
  return folders.sort();
}

async function parseFunctionJson(directory: string, text: string): Promise<RpcFunctionMetadata> {
  const name = basename(directory);
  const where = join(name, FUNCTION_JSON);
  if (!NAME_PATTERN.test(name) || name.toLowerCase() === 'host') {
    throw invalid(
      `"${name}" is not a valid function name (letters, digits, "_" and "-", starting with a letter)`,
    );
  }
  const result = parseJsonWithComments(text);
  if (!result.ok) {
    throw invalid(`${where} is not valid JSON (${result.reason})`);
  }
  const parsed = result.value;
  if (!isRecord(parsed)) {
    throw invalid(`${where} must contain a JSON object`);
  }
  const scriptFile = await resolveScriptFile(directory, asString(parsed.scriptFile));
  const entryPoint = asString(parsed.entryPoint);
  const bindings = toBindings(parsed.bindings, where);
  return { name, functionId: name, directory, scriptFile, bindings, ...(entryPoint ? { entryPoint } : {}) };
}

function toBindings(value: unknown, where: string): Record<string, RpcBindingInfo> {
  if (!Array.isArray(value)) {
    throw invalid(`${where} has no "bindings" array`);
  }
  const bindings: Record<string, RpcBindingInfo> = {};
  for (const binding of value) {
    if (!isRecord(binding) || typeof binding.name !== 'string' || typeof binding.type !== 'string') {
      throw invalid(`${where}: every binding needs a "name" and a "type"`);
    }
    const { name, ...rest } = binding;
    bindings[name] = rest as RpcBindingInfo;
  }
  return bindings;
}

/** `scriptFile` if set (it must exist); else the only file, else `run.*`, else `index.js|mjs|cjs`. */
async function resolveScriptFile(directory: string, scriptFile: string | undefined): Promise<string> {
  const name = basename(directory);
  if (scriptFile !== undefined) {
    const path = resolve(directory, scriptFile);
    if ((await readOptional(path)) === undefined) {
      throw invalid(
        `${name}/${FUNCTION_JSON} sets "scriptFile" to "${scriptFile}", which does not exist${scriptFile.includes('\\') ? ` (write it with / separators: "${scriptFile.replaceAll('\\', '/')}")` : ''}`,
      );
    }
    return path;
  }
  const files = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && entry.name.toLowerCase() !== FUNCTION_JSON)
    .map((entry) => entry.name)
    .sort();
  const primary = pickPrimaryScript(files);
  if (primary === undefined) {
    throw invalid(
      `cannot tell which file of "${name}" to run: name it index.js (or run.js), or set "scriptFile" in ${FUNCTION_JSON}`,
    );
  }
  return join(directory, primary);
}

function pickPrimaryScript(files: readonly string[]): string | undefined {
  if (files.length === 1) {
    return files[0];
  }
  const stem = (file: string) => basename(file, extname(file)).toLowerCase();
  return (
    files.find((file) => stem(file) === 'run') ??
    files.find((file) => ['index.js', 'index.mjs', 'index.cjs'].includes(file.toLowerCase()))
  );
}

function invalid(message: string): WorkerLoadError {
  return new WorkerLoadError('FUNCTIONS_INVALID_METADATA', `Invalid v3 function: ${message}.`);
}

/** Picks the function to call from a loaded script: `entryPoint`, the only export, else `run` or `index`. */
export function toRegisteredFunction(metadata: RpcFunctionMetadata, exported: unknown): RegisteredFunction {
  const [callback, thisArg] = pickEntryPoint(exported, metadata.entryPoint);
  if (!isCallable(callback)) {
    const named = metadata.entryPoint ? `entry point "${metadata.entryPoint}"` : 'entry point';
    throw invalid(
      `the ${named} of "${metadata.name}" is not an exported function; export one function, ` +
        `or name it "run" or "index", or set "entryPoint" in ${FUNCTION_JSON}`,
    );
  }
  return { metadata, callback, thisArg };
}

function pickEntryPoint(exported: unknown, entryPoint: string | undefined): [unknown, unknown] {
  if (typeof exported !== 'object' || exported === null) {
    return [exported, undefined];
  }
  const record = exported as Record<string, unknown>;
  if (entryPoint) {
    return [record[entryPoint], exported];
  }
  const keys = Object.keys(record);
  const only = keys.length === 1 && keys[0] !== undefined ? record[keys[0]] : undefined;
  return [only ?? record.run ?? record.index, exported];
}
