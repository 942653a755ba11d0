import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { coreEventsDefinition } from '../core/events';
import { coreToEventsV1, eventsV1ToCore } from './conversion';
import { eventsV1Definition } from './events';

const coreEvent: KObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.17a', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
  reason: 'Pulled',
  message: 'Successfully pulled image',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2024-05-01T11:00:00Z',
  lastTimestamp: '2024-05-01T11:50:00Z',
  count: 3,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};

const newEvent: KObject = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web.17b', namespace: 'default' },
  eventTime: '2024-05-01T11:59:00.123456Z',
  series: { count: 4, lastObservedTime: '2024-05-01T11:59:30.000000Z' },
  reportingController: 'example.com/controller',
  reportingInstance: 'controller-0',
  action: 'Scaling',
  reason: 'Scaled',
  regarding: { kind: 'Deployment', namespace: 'default', name: 'web', apiVersion: 'apps/v1' },
  related: { kind: 'ReplicaSet', namespace: 'default', name: 'web-1' },
  note: 'Scaled up',
  type: 'Normal',
};

describe('events.k8s.io/v1 <-> core/v1 conversion', () => {
  it('maps the fields as upstream does', () => {
    expect(coreToEventsV1(coreEvent)).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web.17a', namespace: 'default' },
      eventTime: null,
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      reason: 'Pulled',
      regarding: coreEvent.involvedObject,
      note: 'Successfully pulled image',
      type: 'Normal',
      deprecatedSource: { component: 'kubelet', host: 'node-1' },
      deprecatedFirstTimestamp: '2024-05-01T11:00:00Z',
      deprecatedLastTimestamp: '2024-05-01T11:50:00Z',
      deprecatedCount: 3,
    });
    expect(eventsV1ToCore(newEvent)).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.17b', namespace: 'default' },
      involvedObject: newEvent.regarding,
      reason: 'Scaled',
      message: 'Scaled up',
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: 'Normal',
      eventTime: '2024-05-01T11:59:00.123456Z',
      series: newEvent.series,
      action: 'Scaling',
      related: newEvent.related,
      reportingComponent: 'example.com/controller',
      reportingInstance: 'controller-0',
    });
  });

  it('round-trips both ways', () => {
    expect(eventsV1ToCore(coreToEventsV1(deepCopy(coreEvent)))).toEqual(coreEvent);
    const back = coreToEventsV1(eventsV1ToCore(deepCopy(newEvent)));
    expect(back).toEqual({
      ...newEvent,
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    });
  });
});

describe('event definitions', () => {
  const core = coreEventsDefinition();
  const v1 = eventsV1Definition();

  it('share storage; events.k8s.io converts', () => {
    expect(core.storagePrefix).toBe('events');
    expect(v1.storagePrefix).toBe('events');
    expect(v1.conversion!.toStorage(deepCopy(newEvent)).apiVersion).toBe('v1');
  });

  it('events.k8s.io validates strictly, core/v1 does not', () => {
    const bad = deepCopy(newEvent);
    bad.type = 'Odd';
    bad.series = { count: 1, lastObservedTime: '2024-05-01T11:59:30.000000Z' };
    bad.deprecatedCount = 2;
    expect(v1.strategy.validate!(bad).map(fieldErrorString)).toEqual([
      'series.count: Invalid value: "": should be at least 2',
      'type: Invalid value: "": has invalid value: Odd',
      'count: Invalid value: "": needs to be unset',
    ]);
    const legacy = deepCopy(coreEvent);
    legacy.type = 'Odd';
    expect(core.strategy.validate!(legacy)).toEqual([]);
    legacy.involvedObject = { kind: 'Pod', namespace: 'other', name: 'x' };
    expect(core.strategy.validate!(legacy).map(fieldErrorString)).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
  });

  it('events.k8s.io updates may not change the event', () => {
    const old = deepCopy(newEvent);
    const next = deepCopy(newEvent);
    next.note = 'changed';
    expect(v1.strategy.validateUpdate!(next, old).map(fieldErrorString)).toEqual(['message: Invalid value: "changed": field is immutable']);
  });

  it('table: LAST SEEN TYPE REASON OBJECT MESSAGE (+ wide columns)', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    expect(core.table!.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Last Seen', 0],
      ['Type', 0],
      ['Reason', 0],
      ['Object', 0],
      ['Subobject', 1],
      ['Source', 1],
      ['Message', 0],
      ['First Seen', 1],
      ['Count', 1],
      ['Name', 1],
    ]);
    expect(core.table!.cells(coreEvent, now)).toEqual([
      '10m',
      'Normal',
      'Pulled',
      'pod/web',
      'spec.containers{app}',
      'kubelet, node-1',
      'Successfully pulled image',
      '60m',
      3,
      'web.17a',
    ]);
    expect(v1.table!.cells(newEvent, now)).toEqual([
      '30s',
      'Normal',
      'Scaled',
      'deployment/web',
      '',
      'example.com/controller, controller-0',
      'Scaled up',
      '59s',
      4,
      'web.17b',
    ]);
  });

  it('field selectors', () => {
    expect(core.selectableFields!(coreEvent)).toMatchObject({
      'involvedObject.kind': 'Pod',
      'involvedObject.name': 'web',
      reason: 'Pulled',
      reportingComponent: 'kubelet',
      source: 'kubelet',
      type: 'Normal',
    });
    expect(v1.selectableFields!(newEvent)).toMatchObject({
      'regarding.kind': 'Deployment',
      reportingController: 'example.com/controller',
      source: 'example.com/controller',
    });
  });
});
