/** Events: core/v1 Event and events.k8s.io/v1 Event (its messages prefixed `events.`). */
import type { SchemaSet } from '../schema';

export const eventKinds: Record<string, string> = {
  'v1/Event': 'Event',
  'events.k8s.io/v1/Event': 'events.Event',
};

export const eventSchemas: SchemaSet = {
  Event: {
    1: 'metadata:ObjectMeta',
    2: 'involvedObject:ObjectReference',
    3: 'reason:string',
    4: 'message:string',
    5: 'source:EventSource',
    6: 'firstTimestamp:Time',
    7: 'lastTimestamp:Time',
    8: 'count:int32',
    9: 'type:string',
    10: 'eventTime:MicroTime',
    11: 'series:EventSeries?',
    12: 'action:string',
    13: 'related:ObjectReference?',
    14: 'reportingComponent:string',
    15: 'reportingInstance:string',
  },
  EventSeries: { 1: 'count:int32', 2: 'lastObservedTime:MicroTime' },
  EventSource: { 1: 'component:string', 2: 'host:string' },

  'events.Event': {
    1: 'metadata:ObjectMeta',
    2: 'eventTime:MicroTime',
    3: 'series:events.EventSeries?',
    4: 'reportingController:string',
    5: 'reportingInstance:string',
    6: 'action:string',
    7: 'reason:string',
    8: 'regarding:ObjectReference',
    9: 'related:ObjectReference?',
    10: 'note:string',
    11: 'type:string',
    12: 'deprecatedSource:EventSource',
    13: 'deprecatedFirstTimestamp:Time',
    14: 'deprecatedLastTimestamp:Time',
    15: 'deprecatedCount:int32',
  },
  'events.EventSeries': { 1: 'count:int32', 2: 'lastObservedTime:MicroTime' },
};
