/**
 * Cancelling a streamed response when its client goes away. The v4 library writes a streamed body with
 * `for await (const chunk of response.body.values()) proxyRes.write(chunk)` (`http/httpProxy.ts`): a write
 * on a closed response fails silently, so the loop would read the user's stream for ever and its
 * `cancel()` would never run. The body is therefore handed to the library wrapped in a stream that errors
 * when `signal` aborts: the library's loop throws, which ends the invocation, and the user's stream is
 * cancelled with the signal's reason, as a fetch body is when its reader goes away.
 */
import { AsyncResource } from 'node:async_hooks';

/** What the handler returned, with its streamed body (if any) wrapped to end when `signal` aborts. */
export function cancellableResult(result: unknown, signal: AbortSignal): unknown {
  if (typeof result !== 'object' || result === null) {
    return result;
  }
  if (isLibraryResponse(result)) {
    if (result.body === null) {
      return result;
    }
    // The library turns a plain init back into its own HttpResponse; this one's body is already a stream.
    return {
      status: result.status,
      headers: result.headers,
      cookies: result.cookies,
      enableContentNegotiation: result.enableContentNegotiation,
      body: cancelOnAbort(result.body, signal),
    };
  }
  const init = result as { body?: unknown; jsonBody?: unknown };
  if (Object.getPrototypeOf(init) !== Object.prototype || init.jsonBody !== undefined) {
    return result;
  }
  const stream = asReadableStream(init.body);
  return stream === undefined ? result : { ...init, body: cancelOnAbort(stream, signal) };
}

/** The library's `HttpResponse` (the app's own copy, so the class itself cannot be checked). */
interface LibraryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly cookies: unknown[];
  readonly enableContentNegotiation: boolean;
  readonly body: ReadableStream<Uint8Array> | null;
}

function isLibraryResponse(value: object): value is LibraryResponse {
  const candidate = value as Partial<LibraryResponse> & { arrayBuffer?: unknown };
  return (
    typeof candidate.status === 'number' &&
    candidate.headers instanceof Headers &&
    Array.isArray(candidate.cookies) &&
    typeof candidate.arrayBuffer === 'function' &&
    (candidate.body === null || candidate.body instanceof ReadableStream)
  );
}

/** A body that streams (a web stream, a Node stream, an async iterable) as a web stream; else undefined. */
function asReadableStream(body: unknown): ReadableStream<Uint8Array> | undefined {
  if (body instanceof ReadableStream) {
    return body;
  }
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) {
    return ReadableStream.from(body as AsyncIterable<Uint8Array>);
  }
  return undefined;
}

/**
 * `source` read one chunk per read of the result (no read-ahead, so the user's stream keeps its pace);
 * once `signal` aborts, the result errors with its reason and `source` is cancelled.
 */
function cancelOnAbort(source: ReadableStream<Uint8Array>, signal: AbortSignal): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let stop = (): void => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // Bound to the invocation's async context, so what the user's cancel() logs names its function.
        stop = AsyncResource.bind(() => {
          try {
            controller.error(signal.reason);
          } catch {
            // Already closed: the body was complete.
          }
          reader.cancel(signal.reason).catch(() => {});
        });
        if (signal.aborted) {
          stop();
        } else {
          signal.addEventListener('abort', stop, { once: true });
        }
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (signal.aborted) {
          return;
        }
        if (done) {
          signal.removeEventListener('abort', stop);
          controller.close();
        } else {
          controller.enqueue(value);
        }
      },
      cancel(reason) {
        signal.removeEventListener('abort', stop);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
