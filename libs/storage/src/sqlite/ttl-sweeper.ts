/**
 * TTL keys: a key written with ttlSeconds carries expires_at (epoch ms) on its latest row. The
 * sweeper deletes every key whose expiry has passed, one deletion row each (watchers see DELETED),
 * all in one transaction. Keys that expired while the server was down go at the first sweep.
 */
import { LogRow, SqliteLog } from './log';

/** Deletes expired keys; returns the deletion rows (to publish). */
export function sweepExpired(log: SqliteLog, now = Date.now()): LogRow[] {
  const next = log.nextExpiry();
  if (next === undefined || next > now) return [];
  return log.transaction(() => {
    const out: LogRow[] = [];
    for (const name of log.expired(now)) {
      const cur = log.latest(name);
      if (cur === undefined || cur.deleted) continue;
      out.push(
        log.append(
          {
            name,
            created: false,
            deleted: true,
            createRevision: cur.createRevision,
            prevRevision: cur.id,
            expiresAt: null,
            value: cur.value,
            oldValue: null,
          },
          cur,
        ),
      );
    }
    return out;
  });
}

/** Expiry time for a ttlSeconds option (null = forever). */
export function expiryFor(ttlSeconds: number | undefined, now = Date.now()): number | null {
  return ttlSeconds !== undefined && ttlSeconds > 0 ? now + Math.ceil(ttlSeconds) * 1000 : null;
}
