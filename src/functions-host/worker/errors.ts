/**
 * Errors of the worker. Load errors are user errors: their `userMessage` says what is wrong with the app
 * and how to fix it, and is sent to the parent as the `fatal` message. The `AzFunc*` classes reproduce the
 * worker's errors that the libraries recognise by their `isAzureFunctionsSystemError` flag (spec §2.1).
 *
 * Their codes are listed in the catalog, `src/shared/errors.ts`, so the parent reports them as user errors.
 */
import type { ErrorCode } from '../../shared/errors.js';

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

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The stack (or message) of any thrown value, for logs. */
export function errorDetail(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
