/**
 * Max-in-flight: separate limits for read-only (get/list/watch) and mutating requests, as
 * upstream's WithMaxInFlightLimit. Long-running requests are not counted; members of
 * system:masters are never rejected. Over the limit: 429 with `Retry-After: 1` and upstream's
 * plain-text body (Go's http.Error), which is what kube-apiserver sends.
 *
 * Position (chain.ts): after authentication and impersonation, right before authorization, as in
 * upstream's DefaultBuildHandlerChain — so `ctx.user` is known and the system:masters exemption works.
 * The health probes (GET /healthz, /livez, /readyz) are exempt as upstream's `probes` FlowSchema
 * makes them (exempt priority level). The counters are per replica (one process), as upstream's.
 */
import type { Filter } from '../http/context';
import { writePlainTextError } from './responses';
import { SYSTEM_MASTERS } from './types';

const NON_MUTATING_VERBS = new Set(['get', 'list', 'watch']);
/** upstream's `probes` FlowSchema: exempt */
const PROBE_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export interface MaxInFlightOptions {
  /** 0 = unlimited */
  maxRequestsInflight: number;
  /** 0 = unlimited */
  maxMutatingRequestsInflight: number;
}

export function withMaxInFlight(opts: MaxInFlightOptions): Filter {
  return (next) => {
    if (opts.maxRequestsInflight === 0 && opts.maxMutatingRequestsInflight === 0) return next;
    let readOnly = 0;
    let mutating = 0;
    return async (ctx) => {
      if (ctx.longRunning) return next(ctx);
      if (!ctx.info.isResourceRequest && ctx.info.verb === 'get' && PROBE_PATHS.has(ctx.path)) return next(ctx);
      const isMutating = !NON_MUTATING_VERBS.has(ctx.info.verb);
      const limit = isMutating ? opts.maxMutatingRequestsInflight : opts.maxRequestsInflight;
      if (limit === 0) return next(ctx);
      const current = isMutating ? mutating : readOnly;
      if (current >= limit) {
        if (ctx.user?.groups.includes(SYSTEM_MASTERS)) return next(ctx);
        writePlainTextError(ctx.res, 429, 'Too many requests, please try again later.', { 'Retry-After': '1' });
        return;
      }
      if (isMutating) mutating++;
      else readOnly++;
      try {
        await next(ctx);
      } finally {
        if (isMutating) mutating--;
        else readOnly--;
      }
    };
  };
}
