/**
 * The serialized shape of core/v1 and events.k8s.io/v1 Events: struct fields and non-omitempty
 * fields that always appear upstream (involvedObject {}, source {}, null timestamps,
 * reportingComponent "", reportingInstance "").
 */
import { KObject } from '../../../../apimachinery/src/types';
import { isObject } from '../../common/json';

function ensure(o: KObject, key: string, value: unknown): void {
  if (o[key] === undefined) o[key] = value;
}

export function normalizeCoreEvent(ev: KObject): KObject {
  if (!isObject(ev.involvedObject)) ev.involvedObject = {};
  if (!isObject(ev.source)) ev.source = {};
  ensure(ev, 'firstTimestamp', null);
  ensure(ev, 'lastTimestamp', null);
  ensure(ev, 'eventTime', null);
  if (typeof ev.reportingComponent !== 'string') ev.reportingComponent = '';
  if (typeof ev.reportingInstance !== 'string') ev.reportingInstance = '';
  return ev;
}

export function normalizeEventsV1(ev: KObject): KObject {
  ensure(ev, 'eventTime', null);
  if (!isObject(ev.regarding)) ev.regarding = {};
  if (!isObject(ev.deprecatedSource)) ev.deprecatedSource = {};
  ensure(ev, 'deprecatedFirstTimestamp', null);
  ensure(ev, 'deprecatedLastTimestamp', null);
  return ev;
}

/** metav1.Time / MicroTime zero values: absent, null, "" or Go's zero time. */
export function isZeroTime(v: unknown): boolean {
  return typeof v !== 'string' || v === '' || v.startsWith('0001-01-01T00:00:00');
}
