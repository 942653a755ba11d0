/**
 * Helpers of the cluster benchmarks (watch-fanout.ts, list.ts): resident memory of a process,
 * percentiles, a run deadline with guaranteed clean-up, and a ConfigMap as stored in etcd.
 */
import { readFileSync } from 'node:fs';

/** VmRSS of a process in bytes (0 when it is gone). */
export function rssBytes(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /^VmRSS:\s+([0-9]+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export const MiB = 1024 * 1024;

/** nearest-rank percentile of an ascending array */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Runs `main` under a deadline: on the deadline, Ctrl-C, an error or success, `cleanup` runs once;
 * the process exits 0 only when main resolved true.
 */
export function runBench(name: string, timeoutMs: number, main: () => Promise<boolean>, cleanup: () => Promise<void>): void {
  let cleaning: Promise<void> | undefined;
  const clean = () => (cleaning ??= cleanup().catch((e) => console.error(`${name}: clean-up failed: ${(e as Error).message}`)));
  const exit = (code: number) => void clean().finally(() => process.exit(code));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => exit(130));
  const timer = setTimeout(() => {
    console.error(`${name}: aborted after ${timeoutMs} ms (BENCH_TIMEOUT_MS)`);
    exit(2);
  }, timeoutMs);
  main().then(
    (ok) => {
      clearTimeout(timer);
      exit(ok ? 0 : 1);
    },
    (e) => {
      clearTimeout(timer);
      console.error(`${name}: ${(e as Error).stack ?? e}`);
      exit(1);
    },
  );
}

/** A ConfigMap as Kubernest stores it in etcd (JSON, no resourceVersion), `dataBytes` of data. */
export function storedConfigMap(namespace: string, name: string, dataBytes: number, annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-${name.replace(/[^0-9]/g, '').padStart(12, '0').slice(-12)}`,
      creationTimestamp: new Date().toISOString().replace(/\.[0-9]+Z$/, 'Z'),
      annotations,
    },
    data: { payload: 'x'.repeat(dataBytes) },
  });
}

export const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${msg}`);
