import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { daemonSetsDefinition, TEMPLATE_GENERATION_ANNOTATION } from './daemonsets';

const def = daemonSetsDefinition();
type Ds = KObject & { spec: any; status?: any };

function ds(mutate?: (d: Ds) => void): Ds {
  const d: Ds = {
    metadata: { name: 'agent', namespace: 'kube-system', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'agent', image: 'agent:1', ports: [{ containerPort: 9100 }] }] },
      },
    },
  };
  mutate?.(d);
  def.strategy.default!(d);
  return d;
}

const errorsOf = (d: KObject) => def.strategy.validate!(d).map(fieldErrorString);

describe('daemonsets', () => {
  it('defaults the rolling update (1 unavailable, no surge) and the history limit', () => {
    const d = ds();
    def.strategy.prepareForCreate!(d);
    expect(d.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
    expect(d.metadata.annotations).toEqual({ [TEMPLATE_GENERATION_ANNOTATION]: '1' });
    expect(errorsOf(d)).toEqual([]);
  });

  it('template generation moves on when the template changes', () => {
    const old = ds();
    def.strategy.prepareForCreate!(old);
    const same = ds();
    def.strategy.prepareForUpdate!(same, old);
    expect(same.metadata.annotations![TEMPLATE_GENERATION_ANNOTATION]).toBe('1');
    const changed = ds((d) => (d.spec.template.spec.containers[0].image = 'agent:2'));
    def.strategy.prepareForUpdate!(changed, old);
    expect(changed.metadata.annotations![TEMPLATE_GENERATION_ANNOTATION]).toBe('2');
  });

  it.each<[string, (d: Ds) => void, string]>([
    [
      'selector does not match',
      (d) => (d.spec.selector = { matchLabels: { app: 'x' } }),
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`',
    ],
    [
      'empty selector',
      (d) => (d.spec.selector = {}),
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
    ],
    [
      'bad container name',
      (d) => (d.spec.template.spec.containers[0].name = 'Agent_1'),
      "spec.template.spec.containers[0].name: Invalid value: \"Agent_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ],
    [
      'port out of range',
      (d) => (d.spec.template.spec.containers[0].ports[0].containerPort = 70000),
      'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ],
    [
      'surge and unavailable both set',
      (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }),
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    ],
    [
      'both zero',
      (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }),
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    ],
    [
      'unknown strategy',
      (d) => (d.spec.updateStrategy = { type: 'Blue' }),
      'spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Blue", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"',
    ],
    [
      'restart policy',
      (d) => (d.spec.template.spec.restartPolicy = 'OnFailure'),
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ],
    [
      'percent over 100',
      (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '120%' } }),
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    ],
  ])('rejects %s', (_n, mutate, expected) => {
    expect(errorsOf(ds(mutate))).toContain(expected);
  });

  it('selector is immutable', () => {
    const old = ds();
    const d = ds((x) => {
      x.spec.selector = { matchLabels: { app: 'agent', v: '2' } };
      x.spec.template.metadata.labels.v = '2';
    });
    expect(def.strategy.validateUpdate!(d, old).map(fieldErrorString)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"agent", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('table: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE ...', () => {
    const d = ds();
    d.status = { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 };
    expect(def.table!.cells(d, new Date('2024-05-01T11:05:00Z'))).toEqual([
      'agent', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '5m', 'agent', 'agent:1', 'app=agent',
    ]);
  });
});
