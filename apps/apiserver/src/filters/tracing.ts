/**
 * Tracing (upstream's WithTracing): with tracing on, every request gets a server span named
 * `KubernetesAPI`, a child of the client's W3C `traceparent` when it sends one, active for the
 * rest of the chain so admission, storage, watch-cache and tunnel spans nest under it. The
 * chain records an event on it as the request enters each later filter (chain.ts).
 */
import type { Filter } from '../http/context';
import { extractContext, runInContext, SpanKind, SpanStatusCode, startSpan, tracingEnabled } from '../../../../libs/tracing/src';

export function withTracing(): Filter {
  return (next) => {
    if (!tracingEnabled()) return next;
    return async (ctx) => {
      const info = ctx.info;
      const s = startSpan(
        'KubernetesAPI',
        {
          'http.method': ctx.method,
          'http.target': ctx.req.url,
          'http.user_agent': ctx.req.headers['user-agent'],
          'net.peer.ip': ctx.req.socket?.remoteAddress,
          'k8s.verb': info.verb,
          'k8s.api_group': info.isResourceRequest ? info.apiGroup : undefined,
          'k8s.resource': info.resource || undefined,
          'k8s.subresource': info.subresource || undefined,
          'k8s.namespace': info.namespace || undefined,
          'k8s.name': info.name || undefined,
        },
        SpanKind.SERVER,
        extractContext(ctx.req.headers as Record<string, unknown>),
      );
      if (!s) return next(ctx);
      try {
        await runInContext(s.ctx, () => next(ctx));
      } catch (e) {
        s.span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        s.span.setAttribute('http.status_code', ctx.res.statusCode);
        if (ctx.user) s.span.setAttribute('k8s.user', ctx.user.name);
        if (ctx.res.statusCode >= 500) s.span.setStatus({ code: SpanStatusCode.ERROR });
        s.span.end();
      }
    };
  };
}
