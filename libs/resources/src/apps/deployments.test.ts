import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { deploymentsDefinition } from './deployments';

const def = deploymentsDefinition();

function deployment(): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

function defaulted(mutate?: (d: KObject & { spec: any }) => void): KObject {
  const d = deployment() as KObject & { spec: any };
  mutate?.(d);
  def.strategy.default!(d);
  return d;
}

function errorsOf(d: KObject): string[] {
  return def.strategy.validate!(d).map(fieldErrorString);
}

describe('deployment defaulting', () => {
  it('fills in everything upstream does, including the pod template', () => {
    expect(defaulted()).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'nginx' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
          spec: {
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.25',
                ports: [{ containerPort: 80, protocol: 'TCP' }],
                imagePullPolicy: 'IfNotPresent',
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'File',
                resources: {},
              },
            ],
            restartPolicy: 'Always',
            dnsPolicy: 'ClusterFirst',
            securityContext: {},
            terminationGracePeriodSeconds: 30,
            schedulerName: 'default-scheduler',
          },
        },
      },
    });
  });

  it('keeps what is set, and uses Always for :latest or untagged images', () => {
    const d = defaulted((x) => {
      x.spec.replicas = 0;
      x.spec.strategy = { type: 'Recreate' };
      x.spec.template.spec.containers[0].image = 'nginx';
      x.spec.template.spec.containers.push({ name: 'b', image: 'repo/b:latest' }, { name: 'c', image: 'b@sha256:' + 'a'.repeat(64) });
    }) as any;
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.template.spec.containers.map((c: any) => c.imagePullPolicy)).toEqual(['Always', 'Always', 'IfNotPresent']);
  });

  it('does not give templates pod-only defaults', () => {
    const d = defaulted((x) => {
      x.spec.template.spec.containers[0].resources = { limits: { cpu: '1' } };
    }) as any;
    expect(d.spec.template.spec.enableServiceLinks).toBeUndefined();
    expect(d.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '1' } });
  });

  it('rejects undecodable quantities like upstream decoding', () => {
    expect(() =>
      defaulted((x) => {
        x.spec.template.spec.containers[0].resources = { limits: { cpu: 'lots' } };
      }),
    ).toThrow(`Deployment in version "v1" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  });
});

const MISMATCH = 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`';

describe('deployment validation', () => {
  it.each<[string, (d: any) => void, string[]]>([
    ['valid', () => {}, []],
    ['selector required', (d) => delete d.spec.selector, ['spec.selector: Required value', MISMATCH]],
    ['selector must match template labels', (d) => (d.spec.selector.matchLabels.app = 'web'), [MISMATCH]],
    [
      'empty selector',
      (d) => (d.spec.selector = {}),
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    ],
    ['negative replicas', (d) => (d.spec.replicas = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    ['no containers', (d) => (d.spec.template.spec.containers = []), ['spec.template.spec.containers: Required value']],
    [
      'container name and image required',
      (d) => (d.spec.template.spec.containers = [{ ports: [] }]),
      ['spec.template.spec.containers[0].name: Required value', 'spec.template.spec.containers[0].image: Required value'],
    ],
    [
      'container names are unique DNS labels',
      (d) => d.spec.template.spec.containers.push({ name: 'nginx', image: 'x' }, { name: 'Bad_Name', image: 'x' }),
      [
        'spec.template.spec.containers[1].name: Duplicate value: "nginx"',
        "spec.template.spec.containers[2].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      'ports 1-65535',
      (d) => (d.spec.template.spec.containers[0].ports = [{ containerPort: 70000 }]),
      ['spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    [
      'restart policy must be Always',
      (d) => (d.spec.template.spec.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'template label values',
      (d) => {
        d.spec.template.metadata.labels.tier = 'a b';
      },
      [
        "spec.template.labels: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      'strategy type',
      (d) => (d.spec.strategy = { type: 'Blue' }),
      [
        'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Blue", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
      ],
    ],
    [
      'maxUnavailable and maxSurge both 0',
      (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'volume mounts must name a volume',
      (d) => (d.spec.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }]),
      ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ],
  ])('%s', (_name, mutate, want) => {
    expect(errorsOf(defaulted(mutate))).toEqual(want);
  });

  it('the selector is immutable on update', () => {
    const old = defaulted();
    const next = deepCopy(old) as any;
    next.spec.selector = { matchLabels: { app: 'other' } };
    next.spec.template.metadata.labels = { app: 'other' };
    expect(def.strategy.validateUpdate!(next, old).map(fieldErrorString)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('status updates keep spec and labels, and check the counters', () => {
    const old = defaulted();
    old.metadata.labels = { a: 'b' };
    const next = deepCopy(old) as any;
    next.spec.replicas = 9;
    next.metadata.labels = { a: 'c' };
    next.status = { replicas: 1, readyReplicas: 2 };
    def.statusStrategy!.prepareForUpdate!(next, old);
    expect(next.spec.replicas).toBe(1);
    expect(next.metadata.labels).toEqual({ a: 'b' });
    expect(def.statusStrategy!.validateUpdate!(next, old).map(fieldErrorString)).toEqual([
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });
});

describe('deployment table', () => {
  it('prints NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR', () => {
    expect(def.table!.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Up-to-date', 0],
      ['Available', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ]);
    const d = defaulted() as any;
    d.spec.replicas = 3;
    d.spec.selector = { matchLabels: { app: 'nginx' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] };
    d.metadata.creationTimestamp = '2024-05-01T11:55:00Z';
    d.status = { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 };
    expect(def.table!.cells(d, new Date('2024-05-01T12:00:00Z'))).toEqual([
      'nginx',
      '2/3',
      3,
      2,
      '5m',
      'nginx',
      'nginx:1.25',
      'app=nginx,tier in (api,web)',
    ]);
  });
});
