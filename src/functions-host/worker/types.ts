/**
 * The `@azure/functions-core` contract between a host and the programming-model libraries
 * (`@azure/functions` v3 and v4), mirrored from the library's `types-core/index.d.ts` (spec §2.1). Only the
 * fields Portico fills or reads are typed; enums are the lowercase strings the libraries use.
 */

/** A log level as the libraries pass it to `coreCtx.log` and `coreApi.log`. */
export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

/** Who produced a log line: the user's code or the library/host. */
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

/** A value in a "nullable" dictionary of `RpcHttpData`. */
export interface RpcNullableString {
  value?: string | null;
}

/** The tagged union the libraries use for every input and output value. */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

/** A cookie of an HTTP result, as the libraries' `toRpcHttpCookie` builds it. */
export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: RpcNullableString | null;
  path?: RpcNullableString | null;
  expires?: { value?: { seconds?: number | null } | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
  maxAge?: { value?: number | null } | null;
}

/** An HTTP request (trigger input) or response (output), spec §6.2 and §6.3. */
export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  enableContentNegotiation?: boolean | null;
  cookies?: RpcHttpCookie[] | null;
  nullableHeaders?: Record<string, RpcNullableString> | null;
  nullableParams?: Record<string, RpcNullableString> | null;
  nullableQuery?: Record<string, RpcNullableString> | null;
}

/** One binding of a function: trigger, input or output. Extra properties (route, methods…) pass through. */
export interface RpcBindingInfo {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  dataType?: string | null;
  [property: string]: unknown;
}

/** Function metadata as the libraries receive it (bindings keyed by name). */
export interface RpcFunctionMetadata {
  name: string;
  functionId: string;
  directory: string;
  scriptFile: string;
  entryPoint?: string;
  bindings: Record<string, RpcBindingInfo>;
}

/** A named input or output value. */
export interface RpcParameterBinding {
  name?: string | null;
  data?: RpcTypedData | null;
}

/** W3C trace context of an invocation. */
export interface RpcTraceContext {
  traceParent?: string;
  traceState?: string;
  attributes?: Record<string, string>;
}

/** What the host sends to invoke one function (spec §6.2). */
export interface RpcInvocationRequest {
  invocationId: string;
  functionId: string;
  inputData: RpcParameterBinding[];
  triggerMetadata: Record<string, RpcTypedData>;
  traceContext: RpcTraceContext;
}

/** What `InvocationModel.getResponse` returns. */
export interface RpcInvocationResponse {
  invocationId?: string | null;
  outputData?: RpcParameterBinding[] | null;
  returnValue?: RpcTypedData | null;
}

/** Where an invocation is in the pipeline; the libraries read it to word their log warnings. */
export type InvocationState = 'preInvocationHooks' | 'invocation' | 'postInvocationHooks';

/** The host-side context handed to `ProgrammingModel.getInvocationModel`. */
export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: RpcFunctionMetadata;
  state?: InvocationState;
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

/** A user function (or the library's wrapper around it). */
export type FunctionCallback = (...args: unknown[]) => unknown;

/** What `InvocationModel.getArguments` resolves to. */
export interface InvocationArguments {
  context: unknown;
  inputs: unknown[];
}

/** Per-invocation object of a programming model. */
export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

/** Capability flags exchanged at startup (spec §3 step 4). */
export type WorkerCapabilities = Record<string, string>;

/** A programming model (`@azure/functions` v3 or v4) as registered through `setProgrammingModel`. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
  getCapabilities?(capabilities: WorkerCapabilities): WorkerCapabilities | Promise<WorkerCapabilities>;
}

/** The context object passed to a hook callback; the libraries wrap it in their own classes. */
export type HookContext = Record<string, unknown>;

/** A hook callback as registered through `registerHook`. */
export type HookCallback = (context: HookContext) => unknown;

/** The hook names the emulated core accepts (spec §2.1). */
export type HookName = 'preInvocation' | 'postInvocation' | 'appStart' | 'appTerminate' | 'log';

/** A function ready to invoke: its metadata, its callback, and the `this` it is called with (v3). */
export interface RegisteredFunction {
  metadata: RpcFunctionMetadata;
  callback: FunctionCallback;
  thisArg?: unknown;
}
