import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { parseTracingConfiguration } from './config';
import { runTracedJob, withTraceContext } from './jobs';
import { extractContext, injectContext, runInContext, setTracingEnabled, SpanKind, withSpan } from './spans';

describe('parseTracingConfiguration', () => {
  it('defaults the endpoint and validates the sampling rate', () => {
    expect(parseTracingConfiguration('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: TracingConfiguration\n')).toEqual({ endpoint: 'localhost:4317' });
    expect(parseTracingConfiguration('apiVersion: apiserver.config.k8s.io/v1alpha1\nkind: TracingConfiguration\nendpoint: 127.0.0.1:9\nsamplingRatePerMillion: 100\n')).toEqual({
      endpoint: '127.0.0.1:9',
      samplingRatePerMillion: 100,
    });
    expect(() => parseTracingConfiguration('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: TracingConfiguration\nsamplingRatePerMillion: 2000000\n')).toThrow(
      'samplingRatePerMillion: Invalid value: 2000000: sampling rate must be between 0 and 1 million',
    );
    expect(() => parseTracingConfiguration('apiVersion: v1\nkind: ConfigMap\n')).toThrow(/no kind "ConfigMap" is registered/);
  });
});

describe('trace context propagation', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    provider.register();
    setTracingEnabled(true);
  });
  afterAll(async () => {
    setTracingEnabled(false);
    await provider.shutdown();
  });

  it('a bullmq job continues the producer span, in whatever process runs it', async () => {
    let data: { n: number; trace?: Record<string, string> } = { n: 1 };
    await withSpan('producer', {}, async () => {
      data = withTraceContext({ n: 1 });
    }, SpanKind.PRODUCER);
    expect(data.trace?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // the job data crosses Redis as JSON
    const received = JSON.parse(JSON.stringify(data)) as typeof data;
    await runTracedJob('consumer', received, async () => 42);
    const spans = exporter.getFinishedSpans();
    const producer = spans.find((s) => s.name === 'producer')!;
    const consumer = spans.find((s) => s.name === 'consumer')!;
    expect(consumer.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
  });

  it('headers carry the context both ways (HTTP, gRPC metadata)', async () => {
    await withSpan('client', {}, async () => {
      const headers = injectContext();
      await runInContext(extractContext(headers), () => withSpan('server', {}, async () => undefined, SpanKind.SERVER));
    });
    const spans = exporter.getFinishedSpans();
    const client = spans.find((s) => s.name === 'client')!;
    const server = spans.find((s) => s.name === 'server')!;
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
  });
});
