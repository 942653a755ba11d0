export { DEFAULT_OTLP_ENDPOINT, loadTracingConfigFile, parseTracingConfiguration, TracingConfigError, type TracingConfig } from './config';
export { startTracing, type RunningTracing } from './setup';
export {
  extractContext,
  injectContext,
  runInContext,
  setTracingEnabled,
  SpanKind,
  SpanStatusCode,
  startSpan,
  tracingEnabled,
  withSpan,
  type Attributes,
  type Context,
  type Span,
} from './spans';
export { runTracedJob, withTraceContext, type TracedJobData } from './jobs';
