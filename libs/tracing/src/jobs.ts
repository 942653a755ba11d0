/**
 * Trace context across bullmq jobs: the producer stores the active context (W3C `traceparent`,
 * `tracestate`) in the job data under `trace`; the worker runs the job as a span continuing it,
 * whichever process picks the job up.
 */
import { extractContext, injectContext, runInContext, SpanKind, tracingEnabled, withSpan } from './spans';

export interface TracedJobData {
  /** W3C trace context of the producer, absent while tracing is off */
  trace?: Record<string, string>;
}

/** `data` plus the active trace context (unchanged while tracing is off). */
export function withTraceContext<T extends object>(data: T): T & TracedJobData {
  if (!tracingEnabled()) return data;
  const trace = injectContext();
  return Object.keys(trace).length > 0 ? { ...data, trace } : data;
}

/** Run a job's work as a CONSUMER span, a child of the producer's context when the job has one. */
export function runTracedJob<T>(name: string, data: TracedJobData | undefined, fn: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn();
  return runInContext(extractContext(data?.trace ?? {}), () => withSpan(name, { 'messaging.system': 'bullmq' }, fn, SpanKind.CONSUMER));
}
