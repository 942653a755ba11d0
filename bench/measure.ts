/**
 * What the throughput benchmarks share (run.ts, ha.ts): timed op runs with percentiles, a
 * keep-alive HTTPS client with the admin certificate, the ConfigMap payload, the result table and
 * the ratios against raw etcd.
 */
import { Agent, request } from 'node:https';
import { percentile, round as roundTo } from './cluster';
import type { Creds } from './proc';

const REQUEST_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// payloads

/** A ConfigMap whose JSON encoding is exactly VALUE_BYTES long (padding the one data value). */
export function configMapJson(name: string, namespace = 'default', valueBytes = 300): string {
  const make = (pad: string) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels: { app: 'kubernest-bench' } },
      data: { payload: pad },
    });
  const base = make('').length;
  return make('x'.repeat(Math.max(0, valueBytes - base)));
}

/** Fixed-width names so every payload has the same size. */
export const opName = (prefix: string, i: number) => `${prefix}-${String(i).padStart(7, '0')}`;

// ---------------------------------------------------------------------------------------------
// measurement

export interface Result {
  operation: string;
  ops: number;
  concurrency: number;
  errors: number;
  firstError?: string;
  durationMs: number;
  opsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

const round = (n: number, digits = 3) => roundTo(n, digits);

/**
 * Runs op(0..count-1) with at most `concurrency` in flight, timing each. A failed op counts as
 * an error (its latency is not recorded); the run goes on.
 */
export async function measure(operation: string, count: number, concurrency: number, op: (i: number) => Promise<void>, aborted: () => boolean = () => false): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (aborted()) throw new Error(`aborted during ${operation}`);
      const i = next++;
      if (i >= count) return;
      const t0 = process.hrtime.bigint();
      try {
        await op(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((s, x) => s + x, 0) / (latencies.length || 1);
  return {
    operation,
    ops: count,
    concurrency,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    durationMs: round(durationMs, 1),
    opsPerSec: round(latencies.length / (durationMs / 1000), 1),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1] ?? NaN),
      mean: round(mean),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the Kubernest client: one keep-alive agent with the admin certificate

export class KubeClient {
  readonly agent: Agent;
  constructor(
    private readonly baseUrl: string,
    creds: Creds,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: creds.ca, cert: creds.cert, key: creds.key });
  }

  /** Resolves with the body when the status is `expect`, rejects otherwise. */
  call(method: string, path: string, expect: number, body?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.baseUrl + path,
        {
          method,
          agent: this.agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            Accept: 'application/json',
            ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === expect) resolve(text);
            else reject(new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sockets opened so far (one TLS handshake each): shows the keep-alive worked. */
  socketsOpened = 0;
  countSockets(): void {
    const orig = this.agent.createConnection.bind(this.agent);
    this.agent.createConnection = ((...args: Parameters<typeof orig>) => {
      this.socketsOpened++;
      return orig(...args);
    }) as typeof orig;
  }
}

// ---------------------------------------------------------------------------------------------
// the run

export function table(results: Result[]): string {
  const head = ['operation', 'ops', 'errors', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = results.map((r) => [
    r.operation,
    String(r.ops),
    String(r.errors),
    r.opsPerSec.toFixed(0),
    r.latencyMs.p50.toFixed(2),
    r.latencyMs.p90.toFixed(2),
    r.latencyMs.p99.toFixed(2),
    r.latencyMs.max.toFixed(2),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface Ratio {
  /** Kubernest ops/s ÷ raw etcd ops/s: the share of etcd's throughput left (1 = none lost) */
  throughput: number;
  /** Kubernest p50 ÷ raw etcd p50: how many times slower a typical request is */
  p50Latency: number;
  /** Kubernest p99 ÷ raw etcd p99 */
  p99Latency: number;
}

export function ratio(kn: Result, raw: Result): Ratio {
  return {
    throughput: round(kn.opsPerSec / raw.opsPerSec),
    p50Latency: round(kn.latencyMs.p50 / raw.latencyMs.p50, 2),
    p99Latency: round(kn.latencyMs.p99 / raw.latencyMs.p99, 2),
  };
}

export function ratioLine(name: string, r: Ratio): string {
  return `  ${name.padEnd(22)}  ${(r.throughput.toFixed(3) + 'x').padStart(10)}  ${(r.p50Latency.toFixed(2) + 'x').padStart(12)}  ${(r.p99Latency.toFixed(2) + 'x').padStart(12)}`;
}

