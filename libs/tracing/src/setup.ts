/**
 * Starting OpenTelemetry in a process: @opentelemetry/sdk-node with the OTLP gRPC trace exporter,
 * W3C trace context, a parent-based sampler at `samplingRatePerMillion`. The SDK is loaded only
 * when tracing is configured (it costs about half a second to load), and the span helpers in
 * spans.ts do nothing until it is.
 */
import type { TracingConfig } from './config';
import { setTracingEnabled } from './spans';

export interface RunningTracing {
  /** flush and stop the exporter */
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string, config: TracingConfig, attributes: Record<string, string> = {}): RunningTracing {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
  const base = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const url = /^https?:\/\//.test(config.endpoint) ? config.endpoint : `http://${config.endpoint}`;
  const rate = (config.samplingRatePerMillion ?? 0) / 1_000_000;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': serviceName, ...attributes }),
    spanProcessors: [new base.BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 500 })],
    sampler: new base.ParentBasedSampler({ root: new base.TraceIdRatioBasedSampler(rate) }),
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
  });
  sdk.start();
  setTracingEnabled(true);
  return {
    shutdown: async () => {
      setTracingEnabled(false);
      await sdk.shutdown().catch(() => undefined);
    },
  };
}
