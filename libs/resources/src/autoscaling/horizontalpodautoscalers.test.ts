import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, hpaV1ToV2, hpaV2ToV1, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION } from './hpa-conversion';
import { defaultHPAV2 } from './hpa-defaults';
import { hpaV1Definition, hpaV2Definition } from './horizontalpodautoscalers';

const v2 = hpaV2Definition();
const v1 = hpaV1Definition();

function memoryHPA(): KObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', annotations: { keep: 'me' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
    status: {
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '400Mi' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'ReadyForNewScale', message: 'ok' }],
    },
  };
}

describe('HorizontalPodAutoscaler defaults', () => {
  it('v2: minReplicas 1, cpu 80% when no metrics, behavior rules filled', () => {
    const hpa: KObject = { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3, behavior: {} } };
    v2.strategy.default!(hpa);
    expect(hpa.spec).toEqual({
      scaleTargetRef: { kind: 'Deployment', name: 'd' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    });
  });

  it('v1: a v1 object without a CPU target becomes the 80% CPU default in v2', () => {
    const hpa: KObject = { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3 } };
    v1.strategy.default!(hpa);
    expect(hpa.spec).toMatchObject({ minReplicas: 1 });
    const stored = hpaV1ToV2(hpa);
    expect((stored.spec as Record<string, unknown>).metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(stored.status).toEqual({ currentMetrics: null, desiredReplicas: 0 });
  });
});

describe('HorizontalPodAutoscaler v1 <-> v2 conversion', () => {
  it('v2 -> v1 keeps what v1 lacks in the upstream annotations', () => {
    const hpa = memoryHPA();
    defaultHPAV2(hpa);
    const one = hpaV2ToV1(hpa);
    expect(one.apiVersion).toBe('autoscaling/v1');
    expect(one.spec).toEqual({ scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 2, maxReplicas: 10 });
    expect(one.status).toEqual({ currentReplicas: 2, desiredReplicas: 3 });
    const ann = one.metadata.annotations!;
    expect(ann.keep).toBe('me');
    expect(JSON.parse(ann[METRIC_SPECS_ANNOTATION])).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } },
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
    ]);
    expect(ann[BEHAVIOR_ANNOTATION]).toBe(
      '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},' +
        '"ScaleDown":{"StabilizationWindowSeconds":120,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":60}]}}',
    );
    expect(JSON.parse(ann[METRIC_STATUSES_ANNOTATION])).toEqual([{ type: 'Resource', resource: { name: 'memory', currentAverageValue: '400Mi' } }]);
    expect(JSON.parse(ann[CONDITIONS_ANNOTATION])).toEqual([
      { type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'ReadyForNewScale', message: 'ok' },
    ]);
  });

  it('v2 -> v1 -> v2 with a memory metric and behavior loses nothing', () => {
    const hpa = memoryHPA();
    defaultHPAV2(hpa);
    const back = hpaV1ToV2(hpaV2ToV1(deepCopy(hpa)));
    expect(back.spec).toEqual(hpa.spec);
    expect(back.status).toEqual(hpa.status);
    expect(back.metadata.annotations).toEqual({ keep: 'me' });
  });

  it('a CPU utilization target maps to targetCPUUtilizationPercentage and back', () => {
    const hpa: KObject = {
      metadata: { name: 'h' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'd' },
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
      status: { desiredReplicas: 1, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 20, averageValue: '100m' } } }] },
    };
    defaultHPAV2(hpa);
    const one = hpaV2ToV1(hpa);
    expect(one.spec).toMatchObject({ targetCPUUtilizationPercentage: 50 });
    expect(one.status).toMatchObject({ currentCPUUtilizationPercentage: 20 });
    expect(one.metadata.annotations?.[METRIC_SPECS_ANNOTATION]).toBeUndefined();
    const back = hpaV1ToV2(one);
    expect(back.spec).toEqual(hpa.spec);
    expect(back.status).toEqual({ desiredReplicas: 1, currentMetrics: hpa.status && (hpa.status as Record<string, unknown>).currentMetrics });
  });

  it('stale round-trip annotations on a v2 object are dropped', () => {
    const hpa = memoryHPA();
    hpa.metadata.annotations![BEHAVIOR_ANNOTATION] = '{}';
    delete (hpa.spec as Record<string, unknown>).behavior;
    const one = hpaV2ToV1(hpa);
    expect(one.metadata.annotations?.[BEHAVIOR_ANNOTATION]).toBeUndefined();
  });
});

describe('HorizontalPodAutoscaler v1 writes', () => {
  it('a v1 update keeps the stored status annotations; a v1 status update keeps the spec ones', () => {
    const hpa = memoryHPA();
    defaultHPAV2(hpa);
    const old = hpaV2ToV1(hpa);
    const put: KObject = { ...deepCopy(old), metadata: { name: 'web', namespace: 'default' } };
    v1.strategy.prepareForUpdate!(put, old);
    expect(Object.keys(put.metadata.annotations ?? {}).sort()).toEqual([CONDITIONS_ANNOTATION, METRIC_STATUSES_ANNOTATION]);
    expect(hpaV1ToV2(put).status).toEqual(hpa.status);

    const statusPut: KObject = { ...deepCopy(old), metadata: { name: 'web', namespace: 'default' } };
    v1.statusStrategy!.prepareForUpdate!(statusPut, old);
    expect(Object.keys(statusPut.metadata.annotations ?? {}).sort()).toEqual([BEHAVIOR_ANNOTATION, METRIC_SPECS_ANNOTATION]);
    expect(hpaV1ToV2(statusPut).spec).toEqual(hpa.spec);
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  const base = (): KObject => ({ metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 1, maxReplicas: 3 } });
  const errs = (hpa: KObject, def = v2) => def.strategy.validate!(hpa).map(fieldErrorString);

  it('replica bounds and the scale target', () => {
    expect(errs({ metadata: { name: 'h' }, spec: { minReplicas: 0, maxReplicas: 0, scaleTargetRef: {} } })).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Required value',
    ]);
    const hpa = base();
    (hpa.spec as Record<string, unknown>).minReplicas = 5;
    expect(errs(hpa)).toEqual(['spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`']);
  });

  it('metric specs', () => {
    const hpa = base();
    (hpa.spec as Record<string, unknown>).metrics = [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue' } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '-1' } } },
      { type: 'Bogus' },
      { type: 'Object' },
    ];
    expect(errs(hpa)).toEqual([
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
      'spec.metrics[1].pods.target.averageValue: Invalid value: "-1": must be positive',
      'spec.metrics[2].type: Unsupported value: "Bogus": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
      'spec.metrics[3].object: Required value: must populate information for the given metric source',
    ]);
  });

  it('behavior', () => {
    const hpa = base();
    (hpa.spec as Record<string, unknown>).behavior = {
      scaleUp: { stabilizationWindowSeconds: 4000, selectPolicy: 'Avg', policies: [{ type: 'Nodes', value: 0, periodSeconds: 2000 }] },
      scaleDown: { policies: [] },
    };
    expect(errs(hpa)).toEqual([
      'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Avg": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"',
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800',
      'spec.behavior.scaleDown.policies: Required value: must specify at least one Policy',
    ]);
  });

  it('v1 objects are validated in the v2 form (upstream validates the internal type)', () => {
    const hpa = base();
    (hpa.spec as Record<string, unknown>).targetCPUUtilizationPercentage = 0;
    expect(errs(hpa, v1)).toEqual(['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0']);
  });

  it('table', () => {
    const hpa = memoryHPA();
    defaultHPAV2(hpa);
    hpa.metadata.creationTimestamp = '2024-05-01T11:59:00Z';
    const now = new Date('2024-05-01T12:00:00Z');
    expect(v2.table!.cells(hpa, now)).toEqual(['web', 'Deployment/web', 'memory: 400Mi/500Mi, <unknown>/10', '2', 10, 2, '60s']);
    expect(v1.table!.cells(hpaV2ToV1(hpa), now)).toEqual(['web', 'Deployment/web', 'memory: 400Mi/500Mi, <unknown>/10', '2', 10, 2, '60s']);
  });
});
