/**
 * Event validation (pkg/apis/core/validation/events.go), run on the core/v1 form. Requests through
 * core/v1 get the legacy checks only; events.k8s.io/v1 adds the strict ones.
 */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import { KObject } from '../../../../apimachinery/src/types';
import {
  goObjectReference,
  goQuote,
  goTimeString,
  isDNS1123Subdomain,
  isQualifiedName,
  validateImmutableField,
} from '../../../../apimachinery/src/validation';
import { Json, num, obj, str } from '../../common/json';
import { isZeroTime } from './shape';

const REPORTING_INSTANCE_LENGTH_LIMIT = 128;
const ACTION_LENGTH_LIMIT = 128;
const REASON_LENGTH_LIMIT = 128;
const NOTE_LENGTH_LIMIT = 1024;

function len(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function legacyValidateEvent(ev: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const involved = obj(ev.involvedObject) ?? {};
  const involvedNs = str(involved.namespace);
  const ns = ev.metadata.namespace ?? '';
  if (isZeroTime(ev.eventTime)) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) {
      errs.push(fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') {
      errs.push(fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
    const controller = str(ev.reportingComponent);
    if (!controller) errs.push(fieldErrors.required('reportingController', ''));
    for (const m of isQualifiedName(controller)) errs.push(fieldErrors.invalid('reportingController', controller, m));
    const instance = str(ev.reportingInstance);
    if (!instance) errs.push(fieldErrors.required('reportingInstance', ''));
    if (len(instance) > REPORTING_INSTANCE_LENGTH_LIMIT) {
      errs.push(fieldErrors.invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LENGTH_LIMIT} characters`));
    }
    const action = str(ev.action);
    if (!action) errs.push(fieldErrors.required('action', ''));
    if (len(action) > ACTION_LENGTH_LIMIT) errs.push(fieldErrors.invalid('action', '', `can have at most ${ACTION_LENGTH_LIMIT} characters`));
    const reason = str(ev.reason);
    if (!reason) errs.push(fieldErrors.required('reason', ''));
    if (len(reason) > REASON_LENGTH_LIMIT) errs.push(fieldErrors.invalid('reason', '', `can have at most ${REASON_LENGTH_LIMIT} characters`));
    if (len(str(ev.message)) > NOTE_LENGTH_LIMIT) {
      errs.push(fieldErrors.invalid('message', '', `can have at most ${NOTE_LENGTH_LIMIT} characters`));
    }
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(fieldErrors.invalid('namespace', ns, m));
  return errs;
}

function validateSeries(ev: KObject): FieldError[] {
  const series = obj(ev.series);
  if (!series) return [];
  const errs: FieldError[] = [];
  if ((num(series.count) ?? 0) < 2) errs.push(fieldErrors.invalid('series.count', '', 'should be at least 2'));
  if (isZeroTime(series.lastObservedTime)) errs.push(fieldErrors.required('series.lastObservedTime', ''));
  return errs;
}

/** ValidateEventCreate; `strict` for events.k8s.io/v1 requests. */
export function validateEventCreate(ev: KObject, strict: boolean): FieldError[] {
  const errs = legacyValidateEvent(ev);
  if (!strict) return errs;
  errs.push(...validateSeries(ev));
  if (isZeroTime(ev.eventTime)) errs.push(fieldErrors.required('eventTime', ''));
  const type = str(ev.type);
  if (type !== 'Normal' && type !== 'Warning') errs.push(fieldErrors.invalid('type', '', `has invalid value: ${type}`));
  if (!isZeroTime(ev.firstTimestamp)) errs.push(fieldErrors.invalid('firstTimestamp', '', 'needs to be unset'));
  if (!isZeroTime(ev.lastTimestamp)) errs.push(fieldErrors.invalid('lastTimestamp', '', 'needs to be unset'));
  if ((num(ev.count) ?? 0) !== 0) errs.push(fieldErrors.invalid('count', '', 'needs to be unset'));
  const source = obj(ev.source) ?? {};
  if (str(source.component) || str(source.host)) errs.push(fieldErrors.invalid('source', '', 'needs to be unset'));
  return errs;
}

function goSource(s: unknown): string {
  const o: Json = obj(s) ?? {};
  return `core.EventSource{Component:${goQuote(str(o.component))}, Host:${goQuote(str(o.host))}}`;
}

/** ValidateEventUpdate; `strict` for events.k8s.io/v1 requests. */
export function validateEventUpdate(ev: KObject, old: KObject, strict: boolean): FieldError[] {
  const errs = legacyValidateEvent(ev);
  if (!strict) return errs;
  if (JSON.stringify(ev.series ?? null) !== JSON.stringify(old.series ?? null)) errs.push(...validateSeries(ev));
  const time = (v: unknown): string => (isZeroTime(v) ? '' : str(v));
  const related = obj(ev.related) ? goObjectReference(ev.related) : '"null"';
  errs.push(...validateImmutableField(ev.involvedObject, old.involvedObject, 'involvedObject', goObjectReference(ev.involvedObject)));
  errs.push(...validateImmutableField(str(ev.reason), str(old.reason), 'reason'));
  errs.push(...validateImmutableField(str(ev.message), str(old.message), 'message'));
  errs.push(...validateImmutableField(ev.source, old.source, 'source', goSource(ev.source)));
  errs.push(...validateImmutableField(time(ev.firstTimestamp), time(old.firstTimestamp), 'firstTimestamp', goTimeString(time(ev.firstTimestamp))));
  errs.push(...validateImmutableField(time(ev.lastTimestamp), time(old.lastTimestamp), 'lastTimestamp', goTimeString(time(ev.lastTimestamp))));
  errs.push(...validateImmutableField(num(ev.count) ?? 0, num(old.count) ?? 0, 'count'));
  errs.push(...validateImmutableField(str(ev.reason), str(old.reason), 'reason'));
  errs.push(...validateImmutableField(str(ev.type), str(old.type), 'type'));
  errs.push(...validateImmutableField(time(ev.eventTime), time(old.eventTime), 'eventTime', goTimeString(time(ev.eventTime))));
  errs.push(...validateImmutableField(str(ev.action), str(old.action), 'action'));
  errs.push(...validateImmutableField(ev.related, old.related, 'related', related));
  errs.push(...validateImmutableField(str(ev.reportingComponent), str(old.reportingComponent), 'reportingController'));
  errs.push(...validateImmutableField(str(ev.reportingInstance), str(old.reportingInstance), 'reportingInstance'));
  return errs;
}
