import { describe, expect, it } from 'vitest';
import { MetricsStorage, resourceUsage, type MetricsPoint } from './storage';
import { decodeSummary } from './summary';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pt = (sec: number, cpuNs: bigint, mem: bigint, start = T0 - 60_000): MetricsPoint => ({ startTime: start, timestamp: T0 + sec * 1000, cumulativeCpu: cpuNs, memory: mem });

describe('resourceUsage', () => {
  it('CPU is the counter rate between the two points, memory the last working set', () => {
    // 0.25 core-seconds over 2 s = 125m
    const r = resourceUsage(pt(2, 1_250_000_000n, 8n * 1024n * 1024n), pt(0, 1_000_000_000n, 1n));
    expect(r.usage).toEqual({ cpu: '125m', memory: '8Mi' });
    expect(r.time).toEqual({ timestamp: T0 + 2000, windowMs: 2000 });
  });
  it('rejects a decreasing counter', () => {
    expect(() => resourceUsage(pt(2, 1n, 1n), pt(0, 5n, 1n))).toThrow(/unexpected decrease in cumulative CPU usage value/);
  });
});

describe('MetricsStorage', () => {
  it('needs two points of a node; same-timestamp scrapes keep the older previous point', () => {
    const s = new MetricsStorage(1000);
    s.store({ nodes: new Map([['n1', pt(0, 0n, 1024n)]]), pods: [] });
    expect(s.nodeMetrics('n1')).toBeUndefined();
    expect(s.ready()).toBe(false);
    s.store({ nodes: new Map([['n1', pt(1, 50_000_000n, 2048n)]]), pods: [] });
    expect(s.nodeMetrics('n1')?.usage).toEqual({ cpu: '50m', memory: '2Ki' });
    expect(s.ready()).toBe(true);
    // a scrape within the same second (same timestamp) keeps prev
    s.store({ nodes: new Map([['n1', pt(1, 50_000_000n, 2048n)]]), pods: [] });
    expect(s.nodeMetrics('n1')?.time.windowMs).toBe(1000);
    // a node missing from a batch is forgotten
    s.store({ nodes: new Map(), pods: [] });
    expect(s.nodeMetrics('n1')).toBeUndefined();
  });

  it('pods: every container needs two points; restarted containers start over; containers sorted', () => {
    const s = new MetricsStorage(1000);
    const pod = (sec: number, cpu: bigint, start = T0 - 60_000) => ({
      namespace: 'default',
      name: 'p',
      containers: [
        { name: 'b', ...pt(sec, cpu, 4096n, start) },
        { name: 'a', ...pt(sec, cpu * 2n, 8192n) },
      ],
    });
    s.store({ nodes: new Map(), pods: [pod(0, 0n)] });
    expect(s.podMetrics('default', 'p')).toBeUndefined();
    s.store({ nodes: new Map(), pods: [pod(2, 10_000_000n)] });
    expect(s.podMetrics('default', 'p')).toEqual({
      containers: [
        { name: 'a', usage: { cpu: '10m', memory: '8Ki' } },
        { name: 'b', usage: { cpu: '5m', memory: '4Ki' } },
      ],
      time: { timestamp: T0 + 2000, windowMs: 2000 },
    });
    // container b restarted after the stored point: no prev for it → pod not reported
    s.store({ nodes: new Map(), pods: [pod(3, 1_000_000n, T0 + 2500)] });
    expect(s.podMetrics('default', 'p')).toBeUndefined();
  });
});

describe('decodeSummary', () => {
  it('reads node and container points from a stats/v1alpha1 Summary', () => {
    const d = decodeSummary({
      node: { nodeName: 'n', startTime: '2026-01-01T00:00:00Z', cpu: { time: '2026-01-01T00:01:00Z', usageNanoCores: 5, usageCoreNanoSeconds: 123 }, memory: { time: '2026-01-01T00:01:00Z', workingSetBytes: 4096 } },
      pods: [
        { podRef: { name: 'p', namespace: 'ns', uid: 'u' }, containers: [{ name: 'c', startTime: '2026-01-01T00:00:10Z', cpu: { time: '2026-01-01T00:01:00Z', usageCoreNanoSeconds: 7 }, memory: { workingSetBytes: 1 } }, { name: 'nocpu', memory: { workingSetBytes: 1 } }] },
        { podRef: { name: 'empty', namespace: 'ns' }, containers: [] },
      ],
    });
    expect(d.node).toEqual({ startTime: T0, timestamp: T0 + 60_000, cumulativeCpu: 123n, memory: 4096n });
    expect(d.pods).toEqual([{ namespace: 'ns', name: 'p', containers: [{ name: 'c', startTime: T0 + 10_000, timestamp: T0 + 60_000, cumulativeCpu: 7n, memory: 1n }] }]);
  });
});
