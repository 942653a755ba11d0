/**
 * The in-flight wait group (upstream's WithWaitGroup): every request is tracked so a graceful
 * shutdown can wait for non-long-running ones and end long-running ones (watches) cleanly. Once
 * the shutdown drains, a new non-exempt request gets upstream's 503 `apiserver is shutting down`
 * Status with `Retry-After: 1` (a tight retry: the client likely reaches another replica).
 */
import type { Filter } from '../http/context';
import { isExemptFromShutdownRejection, ShutdownSignals } from '../lifecycle/shutdown-signals';
import { failureStatus, writeStatus } from './responses';

export function withWaitGroup(signals: ShutdownSignals | undefined): Filter {
  return (next) => {
    if (!signals) return next;
    return (ctx) => {
      if (signals.draining && !ctx.longRunning && !isExemptFromShutdownRejection(ctx)) {
        writeStatus(ctx, failureStatus(503, 'ServiceUnavailable', 'apiserver is shutting down'), { 'Retry-After': '1' });
        return Promise.resolve();
      }
      // like Go's Server.Shutdown: no more keep-alive once the server stops accepting requests
      if (signals.notAcceptingNewRequests && !ctx.res.headersSent) ctx.res.setHeader('Connection', 'close');
      const done = next(ctx);
      signals.track(ctx, done);
      return done;
    };
  };
}
