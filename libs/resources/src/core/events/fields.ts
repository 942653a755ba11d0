/** event.ToSelectableFields, and the events.k8s.io/v1 spellings of the same selectors. */
import { KObject } from '../../../../apimachinery/src/types';
import { obj, str } from '../../common/json';

const INVOLVED = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

export function coreEventFields(ev: KObject): Record<string, string> {
  const involved = obj(ev.involvedObject) ?? {};
  const out: Record<string, string> = {};
  for (const f of INVOLVED) out[`involvedObject.${f}`] = str(involved[f]);
  out.reason = str(ev.reason);
  out.reportingComponent = str(ev.reportingComponent);
  out.source = str(obj(ev.source)?.component) || str(ev.reportingComponent);
  out.type = str(ev.type);
  return out;
}

/** Field names events.k8s.io/v1 accepts, mapped onto the core values. */
export function eventsV1Fields(coreEvent: KObject): Record<string, string> {
  const core = coreEventFields(coreEvent);
  const out: Record<string, string> = {};
  for (const f of INVOLVED) out[`regarding.${f}`] = core[`involvedObject.${f}`];
  out.reason = core.reason;
  out.reportingController = core.reportingComponent;
  out.source = core.source;
  out.type = core.type;
  return out;
}
