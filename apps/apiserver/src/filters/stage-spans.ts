/**
 * With tracing on, every filter-chain stage becomes a span (`filter.<name>`, a child of the
 * request's KubernetesAPI span) covering the stage's own work: from entering the filter until it
 * passes the request on (or answers it itself). Stages are sequential, so one current span per
 * request is enough.
 */
import type { Span } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { Handler, RequestContext } from '../http/context';
import type { NamedFilter } from './chain';

export function applyFiltersWithStageSpans(handler: Handler, filters: readonly NamedFilter[]): Handler {
  const current = new WeakMap<RequestContext, Span>();
  const endStage = (ctx: RequestContext, span?: Span) => {
    const s = current.get(ctx);
    if (s && (span === undefined || s === span)) {
      s.end();
      current.delete(ctx);
    }
  };
  return filters.reduceRight<Handler>((next, f) => {
    const h = f.filter((ctx) => {
      endStage(ctx);
      return next(ctx);
    });
    return async (ctx) => {
      // stages before the tracing filter have no request span to hang off
      if (!trace.getActiveSpan()) return h(ctx);
      const span = trace.getTracer('kubernest').startSpan(`filter.${f.name}`);
      current.set(ctx, span);
      try {
        return await h(ctx);
      } finally {
        endStage(ctx, span);
      }
    };
  }, handler);
}
