/**
 * Wraps the data-plane listener: gives every request an id (`x-ms-request-id`, sent back to the client
 * and on to `/api`), and when the response is over counts it in the metrics and writes its access-log
 * line. What a request is (site, environment, kind) is asked of the host only then, once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddressOf } from '../shared/forwarded.js';
import { REQUEST_ID_HEADER } from '../shared/request-tag.js';
import { onResponseClose } from '../shared/response-close.js';
import type { AccessLog } from './access-log.js';
import type { Metrics, RequestLabels } from './metrics.js';
import type { TrafficRecorder } from './traffic.js';

/** What the host knows about a request, asked once its response is over. */
export interface RequestClassifier {
  classify(req: IncomingMessage): RequestLabels;
  /** The signed-in user's id, when the request carries a session (only read for the access log). */
  userId?(req: IncomingMessage): string | undefined;
}

/** Options of {@link instrumentListener}. */
export interface InstrumentOptions {
  readonly metrics?: Metrics;
  readonly accessLog?: AccessLog;
  /** The traffic history of the portal's charts (decision 0032). */
  readonly traffic?: Pick<TrafficRecorder, 'observeRequest'>;
  readonly classifier: RequestClassifier;
  /** Makes request ids (the edge's generator). */
  readonly requestId: () => string;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export { REQUEST_ID_HEADER };

/** Returns the listener with request ids, metrics and access log around it. */
export function instrumentListener(listener: Listener, options: InstrumentOptions): Listener {
  const { metrics, accessLog, traffic, classifier } = options;
  return (req, res) => {
    const id = options.requestId();
    res.setHeader(REQUEST_ID_HEADER, id);
    if (metrics !== undefined || accessLog !== undefined || traffic !== undefined) {
      const started = performance.now();
      const socket = req.socket;
      const bytesBefore = socket.bytesWritten;
      // Read now: once the client has closed the connection, the socket no longer knows its address.
      const client = accessLog === undefined ? '' : clientAddressOf(req);
      onResponseClose(res, () => {
        const ended = performance.now();
        const seconds = (ended - started) / 1000;
        const labels = classifier.classify(req);
        const status = answeredStatus(res);
        metrics?.observeRequest(labels, status, seconds);
        traffic?.observeRequest(labels, status, seconds, ended);
        accessLog?.write({
          req,
          res,
          status,
          labels,
          id,
          seconds,
          bytes: socket.bytesWritten - bytesBefore,
          userId: classifier.userId?.(req),
          client,
        });
      });
    }
    listener(req, res);
  };
}

/**
 * The status a request ended with: its response's, or 499 (nginx's "client closed request") when the
 * client left before any answer was sent, instead of the 200 a response starts out with.
 */
function answeredStatus(res: { readonly headersSent: boolean; readonly statusCode: number }): number {
  return res.headersSent ? res.statusCode : CLIENT_CLOSED;
}

const CLIENT_CLOSED = 499;
