/**
 * Retry-After during shutdown (upstream's WithRetryAfter, installed with
 * --shutdown-send-retry-after): once the server stops accepting new requests, every new request
 * except health probes, /metrics and the loopback client gets 429 with `Retry-After: 5` and
 * `Connection: close`, so the client retries on another replica.
 */
import type { Filter } from '../http/context';
import { isExemptFromShutdownRejection, ShutdownSignals } from '../lifecycle/shutdown-signals';
import { writePlainTextError } from './responses';

export const SHUTDOWN_RETRY_AFTER_MESSAGE = 'The apiserver is shutting down, please try again later.';

export function withRetryAfter(signals: ShutdownSignals | undefined, enabled: boolean): Filter {
  return (next) => {
    if (!signals || !enabled) return next;
    return async (ctx) => {
      if (!signals.notAcceptingNewRequests || isExemptFromShutdownRejection(ctx)) return next(ctx);
      writePlainTextError(ctx.res, 429, SHUTDOWN_RETRY_AFTER_MESSAGE, { Connection: 'close', 'Retry-After': '5' });
    };
  };
}
