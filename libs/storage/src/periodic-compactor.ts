/**
 * Periodic compaction for a single-writer backend (the embedded SQLite store): every interval,
 * compact to the revision observed one interval earlier, so at least one interval of history stays
 * for watchers and paged lists — the same rule as the etcd compactor, without the multi-replica
 * coordination (one process owns the embedded store).
 */
import type { Storage } from './interface';

export function startPeriodicCompactor(
  storage: Pick<Storage, 'currentRevision' | 'compact'>,
  opts: { intervalMs: number; onError?: (err: unknown) => void },
): () => void {
  let previous = 0;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const now = await storage.currentRevision();
      if (previous > 0) await storage.compact(previous);
      previous = now;
    } catch (e) {
      opts.onError?.(e);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
