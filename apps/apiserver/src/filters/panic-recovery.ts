/**
 * Panic recovery: anything thrown or rejected downstream becomes a Status response (StatusErrors as
 * themselves, anything else as 500 InternalError, logged) and the server keeps serving. If the
 * response was already started, the connection is cut instead (as Go's ErrAbortHandler), so the
 * client sees a broken response rather than a truncated one that looks complete.
 */
import type { Filter } from '../http/context';
import { writeError } from '../http/respond';

export function withPanicRecovery(): Filter {
  return (next) => async (ctx) => {
    try {
      await next(ctx);
    } catch (err) {
      if (ctx.res.headersSent) {
        console.error(`[apiserver] error after response started on ${ctx.method} ${ctx.path}:`, err);
        if (!ctx.res.writableEnded) ctx.res.destroy();
        return;
      }
      writeError(ctx, err);
    }
  };
}
