/**
 * In-process fan-out of committed log rows. The storage publishes each row right after its
 * transaction committed, in revision order (better-sqlite3 is synchronous, so commits and
 * publications cannot interleave); every subscribed watch sees every row.
 */
import { LogRow } from './log';

export type RowListener = (row: LogRow) => void;

export class Notifier {
  private readonly listeners = new Set<RowListener>();

  subscribe(l: RowListener): () => void {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  }

  publish(rows: readonly LogRow[]): void {
    if (rows.length === 0 || this.listeners.size === 0) return;
    for (const l of [...this.listeners]) {
      for (const row of rows) l(row);
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
