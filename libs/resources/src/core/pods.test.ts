import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { podsDefinition } from './pods';

const def = podsDefinition();
const NOW = new Date('2024-05-01T12:00:00Z');

function pod(spec: Record<string, unknown> = {}): KObject & { spec: any; status?: any } {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:58:00Z' },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  };
}

function created(spec: Record<string, unknown> = {}): KObject & { spec: any; status?: any } {
  const p = pod(spec);
  def.strategy.default!(p);
  def.strategy.prepareForCreate!(p);
  return p;
}

describe('pod defaulting and create', () => {
  it('applies pod spec, container and pod-only defaults', () => {
    const p = created();
    expect(p.spec).toEqual({
      containers: [
        {
          name: 'app',
          image: 'nginx',
          imagePullPolicy: 'Always',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          resources: {},
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    });
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('defaults requests from limits and computes the QoS class', () => {
    const guaranteed = created({ containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '500m', memory: '128Mi' } } }] });
    expect(guaranteed.spec.containers[0].resources.requests).toEqual({ cpu: '500m', memory: '128Mi' });
    expect(guaranteed.status.qosClass).toBe('Guaranteed');
    const burstable = created({ containers: [{ name: 'a', image: 'x:1', resources: { requests: { cpu: '0.5' }, limits: { cpu: '1' } } }] });
    expect(burstable.status.qosClass).toBe('Burstable');
    const equalUnits = created({
      containers: [{ name: 'a', image: 'x:1', resources: { requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: '500m', memory: '1024Mi' } } }],
    });
    expect(equalUnits.status.qosClass).toBe('Guaranteed');
  });

  it('adds the SchedulingGated condition for gated pods', () => {
    const p = created({ schedulingGates: [{ name: 'example.com/gate' }] });
    expect(p.status.conditions).toEqual([
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: null,
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ]);
  });

  it('warns about names that are not DNS labels', () => {
    const p = created();
    p.metadata.name = 'web.v1';
    expect(def.strategy.warnings!(p)).toEqual([
      "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]",
    ]);
  });
});

describe('pod validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['valid', {}, []],
    ['containers required', { containers: [] }, ['spec.containers: Required value']],
    [
      'image whitespace (pods only)',
      { containers: [{ name: 'a', image: ' nginx' }] },
      ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    ],
    ['restart policy', { restartPolicy: 'Sometimes' }, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    [
      'port protocol',
      { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, protocol: 'HTTP' }] }] },
      ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'request above limit',
      { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] },
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    [
      'env var value source',
      { containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] },
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    ],
    [
      'probe handler',
      { containers: [{ name: 'a', image: 'x', livenessProbe: {} }] },
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    ],
    [
      'host port conflicts',
      {
        containers: [
          { name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] },
          { name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] },
        ],
      },
      ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    ],
  ])('%s', (_name, spec, want) => {
    const p = pod(spec);
    def.strategy.default!(p);
    expect(def.strategy.validate!(p).map(fieldErrorString)).toEqual(want);
  });

  it('updates may only change images and a few other fields', () => {
    const old = created();
    const image = deepCopy(old);
    image.spec.containers[0].image = 'nginx:2';
    expect(def.strategy.validateUpdate!(image, old)).toEqual([]);
    const restart = deepCopy(old);
    restart.spec.restartPolicy = 'Never';
    const [err] = def.strategy.validateUpdate!(restart, old).map(fieldErrorString);
    expect(err.startsWith(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    )).toBe(true);
    const more = deepCopy(old);
    more.spec.containers.push({ name: 'b', image: 'x' });
    expect(def.strategy.validateUpdate!(more, old).map(fieldErrorString)).toContain('spec.containers: Forbidden: pod updates may not add or remove containers');
  });
});

describe('pod table', () => {
  function cells(mutate: (p: ReturnType<typeof created>) => void): unknown[] {
    const p = created();
    mutate(p);
    return def.table!.cells(p, NOW);
  }

  it('pending pod', () => {
    expect(cells(() => {})).toEqual(['web', '0/1', 'Pending', '0', '2m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('running pod with restarts', () => {
    expect(
      cells((p) => {
        p.spec.nodeName = 'node-1';
        p.status = {
          phase: 'Running',
          podIP: '10.0.0.5',
          podIPs: [{ ip: '10.0.0.5' }],
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [
            {
              name: 'app',
              ready: true,
              restartCount: 2,
              state: { running: { startedAt: '2024-05-01T11:59:00Z' } },
              lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:59:30Z' } },
            },
          ],
        };
      }),
    ).toEqual(['web', '1/1', 'Running', '2 (30s ago)', '2m', '10.0.0.5', 'node-1', '<none>', '<none>']);
  });

  it('completed and terminating pods', () => {
    const completed = (p: ReturnType<typeof created>): void => {
      p.spec.nodeName = 'n';
      p.status = {
        phase: 'Succeeded',
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      };
    };
    expect(cells(completed)[2]).toBe('Completed');
    expect(
      cells((p) => {
        p.spec.nodeName = 'n';
        p.status = { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }] };
        p.metadata.deletionTimestamp = '2024-05-01T12:00:30Z';
      })[2],
    ).toBe('Terminating');
    expect(
      cells((p) => {
        p.status = {
          phase: 'Pending',
          containerStatuses: [{ name: 'app', ready: false, state: { waiting: { reason: 'ImagePullBackOff' } } }],
        };
      })[2],
    ).toBe('ImagePullBackOff');
    expect(
      cells((p) => {
        p.spec.initContainers = [{ name: 'init', image: 'x' }];
        p.status = { phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { running: {} } }] };
      })[2],
    ).toBe('Init:0/1');
  });
});

describe('pod field selectors and graceful deletion', () => {
  it('selectable fields', () => {
    const p = created({ nodeName: 'n1', hostNetwork: true, serviceAccountName: 'sa' });
    expect(def.selectableFields!(p)).toMatchObject({
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'sa',
      'spec.hostNetwork': 'true',
      'status.phase': 'Pending',
      'status.podIP': '',
      'status.nominatedNodeName': '',
    });
  });

  it('grace period', () => {
    expect(def.gracefulDeletionSeconds!(created(), undefined)).toBe(0);
    expect(def.gracefulDeletionSeconds!(created({ nodeName: 'n' }), undefined)).toBe(30);
    expect(def.gracefulDeletionSeconds!(created({ nodeName: 'n' }), 5)).toBe(5);
    expect(def.gracefulDeletionSeconds!(created({ nodeName: 'n' }), -3)).toBe(1);
  });
});
