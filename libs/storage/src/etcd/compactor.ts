/**
 * Periodic etcd compaction, as upstream's compactor (k8s.io/apiserver/pkg/storage/etcd3/compact.go):
 * every interval, compact to the revision observed one interval earlier, so at least one interval
 * of history stays available to watchers and paged lists.
 *
 * Several API server replicas coordinate through the key `compact_rev_key` (outside any storage
 * prefix): its etcd version is a logical clock. A replica compacts only if its transaction
 * "version(compact_rev_key) == the version I last saw" succeeds (and bumps the version); the others
 * fail the compare, adopt the new version and try again next interval. So one replica compacts per
 * interval, and another takes over within two intervals if it dies.
 */
import { CompareResult, CompareTarget, Etcd3 } from 'etcd3';
import { EtcdStorage } from './etcd-storage';
import { isCompactedError } from './etcd-errors';

export const COMPACT_REV_KEY = 'compact_rev_key';

export interface CompactorOptions {
  /** default 5 minutes, as upstream */
  intervalMs?: number;
  /** called after this replica compacted (or learned another replica compacted) to `revision` */
  onCompact?: (revision: number, byThisReplica: boolean) => void;
  onError?: (err: unknown) => void;
}

interface CompactState {
  /** the version of compact_rev_key this replica last saw */
  version: number;
  /** the store revision observed at the previous interval */
  rev: number;
}

const KEY = Buffer.from(COMPACT_REV_KEY);

/** One round: returns the new state and the revision compacted to (0 if none). */
export async function compactOnce(client: Etcd3, state: CompactState): Promise<{ state: CompactState; compacted: number; byUs: boolean }> {
  const resp = await client.kv.txn({
    compare: [{ key: KEY, target: CompareTarget.Version, result: CompareResult.Equal, version: state.version }],
    success: [{ request_put: { key: KEY, value: Buffer.from(String(state.rev)) } }],
    failure: [{ request_range: { key: KEY } }],
  });
  const currentRev = Number(resp.header.revision);
  if (!resp.succeeded) {
    const kv = resp.responses[0]?.response_range?.kvs[0];
    const version = kv ? Number(kv.version) : 0;
    const theirs = kv ? Number(kv.value.toString('utf8')) : NaN;
    return { state: { version, rev: currentRev }, compacted: Number.isFinite(theirs) ? theirs : 0, byUs: false };
  }
  const next = { version: state.version + 1, rev: currentRev };
  if (state.rev === 0) return { state: next, compacted: 0, byUs: false }; // no compaction on the first round
  try {
    await client.kv.compact({ revision: state.rev, physical: false });
  } catch (e) {
    if (!isCompactedError(e)) throw e; // someone compacted further already: fine
  }
  return { state: next, compacted: state.rev, byUs: true };
}

/**
 * Starts compacting in the background; the first compaction happens after two intervals (the first
 * round only records the revision). Returns a function that stops it (and waits for a running round).
 */
export function startCompactor(target: Etcd3 | EtcdStorage, opts: CompactorOptions = {}): () => Promise<void> {
  const client = target instanceof EtcdStorage ? target.client : target;
  const interval = opts.intervalMs ?? 5 * 60_000;
  let state: CompactState = { version: 0, rev: 0 };
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const round = async () => {
    try {
      const r = await compactOnce(client, state);
      state = r.state;
      if (r.compacted > 0) opts.onCompact?.(r.compacted, r.byUs);
    } catch (e) {
      opts.onError?.(e);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(() => {
        running = undefined;
        schedule();
      });
    }, interval);
    timer.unref?.();
  };
  schedule();

  return async () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    await running;
  };
}
