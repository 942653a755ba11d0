/** Log rows as watch events: created -> ADDED, deleted -> DELETED (last state + prevObject), else MODIFIED. */
import { StorageEvent } from '../interface';
import { decodeObject } from '../etcd/codec';
import { LogRow } from './log';

export function rowToEvent(row: LogRow): StorageEvent {
  const rv = String(row.id);
  if (row.deleted) {
    return {
      type: 'DELETED',
      object: decodeObject(row.value, rv, row.name),
      prevObject: decodeObject(row.value, String(row.prevRevision), row.name),
    };
  }
  const object = decodeObject(row.value, rv, row.name);
  if (row.created) return { type: 'ADDED', object };
  const ev: StorageEvent = { type: 'MODIFIED', object };
  if (row.oldValue !== null) ev.prevObject = decodeObject(row.oldValue, String(row.prevRevision), row.name);
  return ev;
}
