/**
 * Span helpers over @opentelemetry/api. Until a process starts tracing (setup.ts) every helper is
 * a plain call, so the hot path pays one boolean check. Trace context crosses processes as W3C
 * `traceparent`/`tracestate`: HTTP headers, gRPC metadata and bullmq job data use the carriers
 * below.
 */
import { context, Context, propagation, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

let enabled = false;

export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

export const tracer = () => trace.getTracer('kubernest');

export type Attributes = Record<string, string | number | boolean | undefined>;

function clean(attrs: Attributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v;
  return out;
}

/** Run `fn` inside a child span of the active context (a plain call while tracing is off). */
export function withSpan<T>(name: string, attrs: Attributes, fn: (span?: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (!enabled) return fn();
  return tracer().startActiveSpan(name, { kind, attributes: clean(attrs) }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Start a span that the caller ends (e.g. when a response or stream closes), with its context. */
export function startSpan(name: string, attrs: Attributes, kind: SpanKind, parent: Context = context.active()): { span: Span; ctx: Context } | undefined {
  if (!enabled) return undefined;
  const span = tracer().startSpan(name, { kind, attributes: clean(attrs) }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Run `fn` with `ctx` as the active context (for work started inside a span made by startSpan). */
export function runInContext<T>(ctx: Context | undefined, fn: () => T): T {
  return ctx ? context.with(ctx, fn) : fn();
}

/** The context carried by W3C headers (HTTP request headers, gRPC metadata as a record, job data). */
export function extractContext(carrier: Record<string, unknown>): Context {
  return propagation.extract(context.active(), carrier, {
    get: (c, key) => {
      const v = (c as Record<string, unknown>)[key];
      if (typeof v === 'string') return v;
      if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
      return undefined;
    },
    keys: (c) => Object.keys(c as Record<string, unknown>),
  });
}

/** The active context as W3C headers (`traceparent`, `tracestate`), empty while tracing is off. */
export function injectContext(ctx: Context = context.active()): Record<string, string> {
  const out: Record<string, string> = {};
  if (enabled) propagation.inject(ctx, out);
  return out;
}

export { SpanKind, SpanStatusCode };
export type { Context, Span };
