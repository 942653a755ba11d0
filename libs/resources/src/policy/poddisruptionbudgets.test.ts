import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { podDisruptionBudgetsDefinition } from './poddisruptionbudgets';

const def = podDisruptionBudgetsDefinition();
type Pdb = KObject & { spec: any; status?: any };

function pdb(spec: Record<string, unknown>): Pdb {
  const p: Pdb = { metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' }, spec };
  def.strategy.default!(p);
  return p;
}

const errorsOf = (p: KObject) => def.strategy.validate!(p).map(fieldErrorString);

describe('poddisruptionbudgets', () => {
  it('starts with the four status counters', () => {
    const p = pdb({ minAvailable: 1, selector: { matchLabels: { app: 'web' } } });
    def.strategy.prepareForCreate!(p);
    expect(p.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect(errorsOf(p)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'both set',
      { minAvailable: 1, maxUnavailable: 1 },
      'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
    ],
    ['negative minAvailable', { minAvailable: -1 }, 'spec.minAvailable: Invalid value: -1: must be greater than or equal to 0'],
    [
      'percent over 100',
      { maxUnavailable: '150%' },
      'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
    ],
    [
      'not a percent',
      { minAvailable: 'half' },
      `spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"half"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    ],
    [
      'eviction policy',
      { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' },
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ],
    [
      'bad selector',
      { minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] } },
      "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ],
  ])('rejects %s', (_n, spec, expected) => {
    expect(errorsOf(pdb(spec))).toContain(expected);
  });

  it('table: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE', () => {
    const p = pdb({ maxUnavailable: '25%' });
    p.status = { disruptionsAllowed: 1 };
    expect(def.table!.cells(p, new Date('2024-05-01T11:00:05Z'))).toEqual(['web', 'N/A', '25%', 1, '5s']);
  });
});
