import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { replicaSetsDefinition } from './replicasets';

const def = replicaSetsDefinition();

function rs(): KObject & { spec: any; status?: any } {
  return {
    metadata: { name: 'web-5d9', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox' }] } },
    },
  };
}

describe('replicasets', () => {
  it('replicas default to 1; status starts with replicas 0', () => {
    const r = rs();
    def.strategy.default!(r);
    def.strategy.prepareForCreate!(r);
    expect(r.spec.replicas).toBe(1);
    expect(r.spec.template.metadata.creationTimestamp).toBeNull();
    expect(r.status).toEqual({ replicas: 0 });
    expect(def.strategy.validate!(r)).toEqual([]);
  });

  it('validation', () => {
    const r = rs();
    def.strategy.default!(r);
    r.spec.minReadySeconds = -5;
    r.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In' }] };
    expect(def.strategy.validate!(r).map(fieldErrorString)).toEqual([
      'spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0',
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string(nil)}}}: invalid label selector',
    ]);
  });

  it('table: NAME DESIRED CURRENT READY AGE CONTAINERS IMAGES SELECTOR', () => {
    const r = rs();
    def.strategy.default!(r);
    r.status = { replicas: 1, readyReplicas: 1 };
    expect(def.table!.cells(r, new Date('2024-05-01T12:00:00Z'))).toEqual(['web-5d9', 1, 1, 1, '60m', 'a,b', 'nginx:1,busybox', 'app=web']);
  });
});
