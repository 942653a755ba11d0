/** Recognising etcd client failures and turning transport failures into StorageError 'Unreachable'. */
import { ClientClosedError, GRPCDeadlineExceededError, GRPCUnavailableError, EtcdWatchStreamEnded } from 'etcd3';
import { StorageError } from '../interface';
import { storageErrors } from '../errors';

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** etcd's ErrCompacted ("mvcc: required revision has been compacted"). */
export function isCompactedError(e: unknown): boolean {
  return messageOf(e).includes('required revision has been compacted');
}

/** etcd's ErrFutureRev ("mvcc: required revision is a future revision"). */
export function isFutureRevisionError(e: unknown): boolean {
  return messageOf(e).includes('required revision is a future revision');
}

/** Connection-level failures: etcd down, unreachable, timed out, or the client closed. */
export function isUnreachableError(e: unknown): boolean {
  if (e instanceof StorageError) return e.code === 'Unreachable';
  if (
    e instanceof GRPCUnavailableError ||
    e instanceof GRPCDeadlineExceededError ||
    e instanceof ClientClosedError ||
    e instanceof EtcdWatchStreamEnded
  ) {
    return true;
  }
  if (typeof e === 'object' && e !== null) {
    const rec = e as { isBrokenCircuitError?: unknown; code?: unknown };
    if (rec.isBrokenCircuitError === true) return true; // cockatiel's open circuit breaker
    if (rec.code === 14 || rec.code === 4 || rec.code === 'ECONNREFUSED') return true;
  }
  const m = messageOf(e);
  return m.includes('UNAVAILABLE') || m.includes('DEADLINE_EXCEEDED') || m.includes('ECONNREFUSED') || m.includes('No connection established');
}

/** StorageErrors pass through; transport failures become 'Unreachable'; anything else is returned as is. */
export function mapEtcdError(e: unknown, key: string, fullKey: string): unknown {
  if (e instanceof StorageError) return e;
  if (isUnreachableError(e)) return storageErrors.unreachable(key, fullKey, messageOf(e));
  return e;
}
