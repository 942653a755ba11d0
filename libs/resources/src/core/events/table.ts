/** The events table (printEvent), shared by core/v1 and events.k8s.io/v1 (printed from the core form). */
import { KObject } from '../../../../apimachinery/src/types';
import { TableConvertor } from '../../../../registry/src/resource';
import { num, obj, str } from '../../common/json';
import { translateTimestampSince } from '../../printing/age';
import { column, nameColumn } from '../../printing/columns';
import { isZeroTime } from './shape';

function since(ts: unknown, now: Date): string {
  return isZeroTime(ts) ? '<unknown>' : translateTimestampSince(ts, now);
}

function formatSource(ev: KObject): string {
  const source = obj(ev.source) ?? {};
  const component = str(source.component) || str(ev.reportingComponent);
  const instance = str(source.host) || str(ev.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

export function eventCells(ev: KObject, now: Date): unknown[] {
  let first = since(ev.firstTimestamp, now);
  if (isZeroTime(ev.firstTimestamp)) first = since(ev.eventTime, now);
  let last = since(ev.lastTimestamp, now);
  if (isZeroTime(ev.lastTimestamp)) last = first;
  let count = num(ev.count) ?? 0;
  const series = obj(ev.series);
  if (series) {
    last = since(series.lastObservedTime, now);
    count = num(series.count) ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const involved = obj(ev.involvedObject) ?? {};
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
  return [
    last,
    str(ev.type),
    str(ev.reason),
    target,
    str(involved.fieldPath),
    formatSource(ev),
    str(ev.message).trim(),
    first,
    count,
    ev.metadata.name ?? '',
  ];
}

/** Upstream's event table does not start with Name: LAST SEEN comes first, NAME is a wide column. */
export function eventTable(toCore: (ev: KObject) => KObject = (ev) => ev): TableConvertor {
  return {
    columns: [
      column('Last Seen', 'string', 'Time since the event was last seen.'),
      column('Type', 'string', 'Type of the event (Normal or Warning).'),
      column('Reason', 'string', 'Short machine-readable reason for the event.'),
      column('Object', 'string', 'The object the event is about.'),
      column('Subobject', 'string', 'The part of the object the event is about.', 1),
      column('Source', 'string', 'The component that reported the event.', 1),
      column('Message', 'string', 'Human-readable description of the event.'),
      column('First Seen', 'string', 'Time since the event was first seen.', 1),
      column('Count', 'string', 'How many times the event occurred.', 1),
      { ...nameColumn(), priority: 1 },
    ],
    cells: (ev, now) => eventCells(toCore(ev), now),
  };
}
