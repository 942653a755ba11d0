/**
 * events.k8s.io/v1 Event <-> core/v1 Event (the stored form), field for field as upstream's
 * conversion: note<->message, regarding<->involvedObject, reportingController<->reportingComponent,
 * deprecatedSource<->source, deprecated{First,Last}Timestamp<->{first,last}Timestamp,
 * deprecatedCount<->count; eventTime, series, action, reason, type, related, reportingInstance as is.
 */
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { StorageConversion } from '../../../registry/src/resource';
import { normalizeCoreEvent, normalizeEventsV1 } from '../core/events/shape';

function copyIf(out: KObject, outKey: string, v: unknown, omitEmpty = true): void {
  if (v === undefined) return;
  if (omitEmpty && (v === '' || v === 0 || v === null)) return;
  out[outKey] = deepCopy(v);
}

export function eventsV1ToCore(ev: KObject): KObject {
  const out: KObject = { apiVersion: 'v1', kind: 'Event', metadata: deepCopy(ev.metadata ?? {}) };
  out.involvedObject = deepCopy(ev.regarding ?? {});
  copyIf(out, 'reason', ev.reason);
  copyIf(out, 'message', ev.note);
  out.source = deepCopy(ev.deprecatedSource ?? {});
  out.firstTimestamp = ev.deprecatedFirstTimestamp ?? null;
  out.lastTimestamp = ev.deprecatedLastTimestamp ?? null;
  copyIf(out, 'count', ev.deprecatedCount);
  copyIf(out, 'type', ev.type);
  out.eventTime = ev.eventTime ?? null;
  copyIf(out, 'series', ev.series);
  copyIf(out, 'action', ev.action);
  copyIf(out, 'related', ev.related);
  out.reportingComponent = typeof ev.reportingController === 'string' ? ev.reportingController : '';
  out.reportingInstance = typeof ev.reportingInstance === 'string' ? ev.reportingInstance : '';
  return normalizeCoreEvent(out);
}

export function coreToEventsV1(ev: KObject): KObject {
  const out: KObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: deepCopy(ev.metadata ?? {}) };
  out.eventTime = ev.eventTime ?? null;
  copyIf(out, 'series', ev.series);
  copyIf(out, 'reportingController', ev.reportingComponent);
  copyIf(out, 'reportingInstance', ev.reportingInstance);
  copyIf(out, 'action', ev.action);
  copyIf(out, 'reason', ev.reason);
  out.regarding = deepCopy(ev.involvedObject ?? {});
  copyIf(out, 'related', ev.related);
  copyIf(out, 'note', ev.message);
  copyIf(out, 'type', ev.type);
  out.deprecatedSource = deepCopy(ev.source ?? {});
  out.deprecatedFirstTimestamp = ev.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = ev.lastTimestamp ?? null;
  copyIf(out, 'deprecatedCount', ev.count);
  return normalizeEventsV1(out);
}

/** The definition's storage conversion: served events.k8s.io/v1, stored core/v1. */
export const eventsV1Conversion: StorageConversion = {
  toStorage: eventsV1ToCore,
  fromStorage: coreToEventsV1,
};

/** True when `ev` is in the events.k8s.io shape rather than core/v1. */
export function isEventsV1Shape(ev: KObject): boolean {
  if (typeof ev.apiVersion === 'string') return ev.apiVersion.startsWith('events.k8s.io/');
  return 'regarding' in ev || 'note' in ev || 'reportingController' in ev || 'deprecatedSource' in ev;
}

/** The core/v1 form of an event in either shape. */
export function asCoreEvent(ev: KObject): KObject {
  return isEventsV1Shape(ev) ? eventsV1ToCore(ev) : ev;
}
