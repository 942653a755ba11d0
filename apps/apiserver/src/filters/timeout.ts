/**
 * Request timeout for non-long-running requests: `--request-timeout`, or the `?timeout=` query
 * parameter when it is shorter (upstream's WithRequestDeadline + WithTimeoutForNonLongRunningRequests).
 * The deadline counts from ctx.receivedAt. On expiry: ctx.abort is aborted, a 504 Timeout Status is
 * sent (or, if the handler already started its response, the connection is cut), the handler's later
 * writes are ignored, and the filter returns so in-flight slots are released.
 */
import type { ServerResponse } from 'node:http';
import type { Filter, RequestContext } from '../http/context';
import { parseGoDuration } from '../config/go-duration';
import { failureStatus, writeStatus } from './responses';

export { isLongRunning } from './long-running';

export const TIMEOUT_MESSAGE = 'Timeout: request did not complete within requested timeout - context deadline exceeded';
const INVALID_TIMEOUT_IN_URL = 'invalid timeout specified in the request URL';

export interface TimeoutOptions {
  /** --request-timeout in ms; 0 = no timeout */
  requestTimeoutMs: number;
}

/** The error a timed-out request's ctx.signal carries. */
export class RequestTimeoutError extends Error {
  constructor() {
    super('context deadline exceeded');
    this.name = 'RequestTimeoutError';
  }
}

/** After a timeout the handler may still try to write: make every write a no-op. */
function muteResponse(res: ServerResponse): void {
  const r = res as unknown as Record<string, unknown>;
  r.writeHead = () => res;
  r.setHeader = () => res;
  r.removeHeader = () => undefined;
  r.write = () => true;
  r.end = () => res;
  r.flushHeaders = () => undefined;
}

function effectiveTimeout(ctx: RequestContext, maxMs: number): number {
  const raw = ctx.query.get('timeout');
  if (!raw) return maxMs;
  const userMs = parseGoDuration(raw); // throws DurationError
  return userMs > 0 && userMs < maxMs ? userMs : maxMs;
}

export function withTimeout(opts: TimeoutOptions): Filter {
  return (next) => async (ctx) => {
    if (ctx.longRunning) return next(ctx);
    let timeoutMs: number;
    try {
      timeoutMs = effectiveTimeout(ctx, opts.requestTimeoutMs);
    } catch (e) {
      const message = `${INVALID_TIMEOUT_IN_URL} - ${e instanceof Error ? e.message : String(e)}`;
      writeStatus(ctx, failureStatus(400, 'BadRequest', message));
      return;
    }
    if (timeoutMs <= 0) return next(ctx);

    const remaining = Math.max(0, ctx.receivedAt + timeoutMs - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), remaining);
    });
    const work = next(ctx).then(() => 'done' as const);
    let outcome: 'done' | 'timeout';
    try {
      outcome = await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'done') return;

    ctx.abort.abort(new RequestTimeoutError());
    const res = ctx.res;
    if (!res.headersSent) {
      writeStatus(ctx, failureStatus(504, 'Timeout', TIMEOUT_MESSAGE, {}));
    } else if (!res.writableEnded) {
      res.destroy();
    }
    muteResponse(res);
    const started = Date.now();
    work.catch((err: unknown) => {
      console.error(`[apiserver] post-timeout activity - time-elapsed: ${Date.now() - started}ms, ${ctx.method} ${JSON.stringify(ctx.path)} result:`, err);
    });
  };
}
