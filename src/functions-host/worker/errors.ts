/**
 * Errors of the worker. Load errors are user errors: their `userMessage` says what is wrong with the app
 * and how to fix it, and is sent to the parent as the `fatal` message. The `AzFunc*` classes reproduce the
 * worker's errors that the libraries recognise by their `isAzureFunctionsSystemError` flag (spec §2.1).
 *
 * Their codes are listed in the catalog, `src/shared/errors.ts`, so the parent reports them as user errors.
 */
import type { ErrorCode } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';

/** Why an app could not be loaded. */
export type WorkerLoadErrorCode = Extract<
  ErrorCode,
  | 'FUNCTIONS_APP_DIR_MISSING'
  | 'FUNCTIONS_MAIN_NOT_FOUND'
  | 'FUNCTIONS_DEPENDENCIES_MISSING'
  | 'FUNCTIONS_MODULE_NOT_FOUND'
  | 'FUNCTIONS_SYNTAX_ERROR'
  | 'FUNCTIONS_DUPLICATE_NAME'
  | 'FUNCTIONS_ROUTE_PREFIX'
  | 'FUNCTIONS_ADMIN_AUTH_LEVEL'
  | 'FUNCTIONS_INVALID_METADATA'
  | 'FUNCTIONS_ROUTE_INVALID'
  | 'FUNCTIONS_ENTRY_POINT_FAILED'
  | 'FUNCTIONS_APP_START_FAILED'
>;

/** A problem with the user's app that prevents it from starting; `userMessage` is shown as is. */
export class WorkerLoadError extends Error {
  readonly code: WorkerLoadErrorCode;
  readonly userMessage: string;

  constructor(code: WorkerLoadErrorCode, userMessage: string, options?: { cause?: unknown }) {
    super(userMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkerLoadError';
    this.code = code;
    this.userMessage = userMessage;
  }
}

/** The worker's `AzFuncSystemError`: a host-side error the libraries may inspect. */
export class AzFuncSystemError extends Error {
  readonly isAzureFunctionsSystemError = true;
}

/** The worker's `AzFuncRangeError`; `app.hook.log` turns it into "Log hooks require host v4.34+". */
export class AzFuncRangeError extends RangeError {
  readonly isAzureFunctionsSystemError = true;
}

/** Thrown by `registerFunction` for a second function with the same id. */
export class DuplicateFunctionError extends AzFuncSystemError {
  readonly functionName: string;

  constructor(functionName: string) {
    super(`A function with id "${functionName}" has already been registered.`);
    this.functionName = functionName;
  }
}

/** Said after a refusal of the sandbox (Node's `ERR_ACCESS_DENIED`), so the log explains it. */
export const SANDBOX_HINT =
  'The functions sandbox refused this: a function may read its own app folder and its dependencies, write only os.tmpdir(), and use the network; it may not read other files, start processes or worker threads, load native addons or signal other processes. See docs/security.md ("Function code: the sandbox").';

/** The stack (or message) of any thrown value, for logs; a sandbox refusal gets {@link SANDBOX_HINT}. */
export function errorDetail(error: unknown): string {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return isAccessDenied(error) ? `${detail}\nERR_ACCESS_DENIED: ${SANDBOX_HINT}` : detail;
}

/** Node's refusal: its code, or its message when a library rethrew it without the code. */
function isAccessDenied(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return (
    code === 'ERR_ACCESS_DENIED' || errorMessage(error).startsWith('Access to this API has been restricted')
  );
}
