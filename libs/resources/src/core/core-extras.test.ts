import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { componentStatusesDefinition, componentStatusObject } from './componentstatuses';
import { limitRangesDefinition } from './limitranges';
import { persistentVolumeClaimsDefinition } from './persistentvolumeclaims';
import { persistentVolumesDefinition } from './persistentvolumes';
import { podTemplatesDefinition } from './podtemplates';
import { replicationControllersDefinition } from './replicationcontrollers';
import { resourceQuotasDefinition } from './resourcequotas';
import { ephemeralContainersStrategy } from './pod-subresources';
import { validateBinding } from './bindings';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:59:00Z';
const errs = (list: { field: string }[]) => (list as Parameters<typeof fieldErrorString>[0][]).map(fieldErrorString);

describe('persistent volumes and claims', () => {
  it('pv defaults, validation and table', () => {
    const def = persistentVolumesDefinition();
    const pv: KObject = { metadata: { name: 'pv1', creationTimestamp: created }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' } } };
    def.strategy.default!(pv);
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    expect(pv.status).toEqual({ phase: 'Pending' });
    expect(def.strategy.validate!(pv)).toEqual([]);
    def.strategy.prepareForCreate!(pv);
    expect(pv.status).toEqual({ phase: 'Pending', lastPhaseTransitionTime: expect.any(String) });
    expect(def.table!.cells(pv, now)).toEqual(['pv1', '1Gi', 'RWO', 'Retain', 'Pending', '', '', '<unset>', '', '60s', 'Filesystem']);
    const bad: KObject = { metadata: { name: 'x' }, spec: { capacity: { cpu: '1' }, persistentVolumeReclaimPolicy: 'Keep' } };
    expect(errs(def.strategy.validate!(bad))).toEqual([
      'spec.accessModes: Required value',
      'spec.capacity: Unsupported value: ["cpu"]: supported values: "storage"',
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      'spec: Required value: must specify a volume type',
    ]);
  });

  it('pvc defaults, validation, immutability and table', () => {
    const def = persistentVolumeClaimsDefinition();
    const pvc: KObject = { metadata: { name: 'c', creationTimestamp: created }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    def.strategy.default!(pvc);
    expect(pvc.spec).toMatchObject({ volumeMode: 'Filesystem' });
    expect(pvc.status).toEqual({ phase: 'Pending' });
    expect(def.strategy.validate!(pvc)).toEqual([]);
    expect(def.table!.cells(pvc, now)).toEqual(['c', 'Pending', '', '', '', '', '<unset>', '60s', 'Filesystem']);
    expect(errs(def.strategy.validate!({ metadata: { name: 'c' }, spec: { resources: { requests: { storage: '0' } } } }))).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]);
    const grown = JSON.parse(JSON.stringify(pvc)) as KObject;
    (grown.spec as { resources: { requests: { storage: string } } }).resources.requests.storage = '2Gi';
    expect(def.strategy.validateUpdate!(grown, pvc)).toEqual([]);
    const changed = JSON.parse(JSON.stringify(pvc)) as KObject;
    (changed.spec as Record<string, unknown>).accessModes = ['ReadWriteMany'];
    expect(errs(def.strategy.validateUpdate!(changed, pvc))).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
  });
});

describe('replication controllers and pod templates', () => {
  const template = () => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

  it('rc selector and labels default from the template, replicas 1', () => {
    const def = replicationControllersDefinition();
    const rc: KObject = { metadata: { name: 'rc', creationTimestamp: created }, spec: { template: template() } };
    def.strategy.default!(rc);
    expect(rc.spec).toMatchObject({ replicas: 1, selector: { app: 'x' } });
    expect(rc.metadata.labels).toEqual({ app: 'x' });
    expect(def.strategy.validate!(rc)).toEqual([]);
    expect(def.table!.cells(rc, now)).toEqual(['rc', 1, 0, 0, '60s', 'c', 'nginx', 'app=x']);
    const bad: KObject = { metadata: { name: 'rc' }, spec: { replicas: -1, selector: { app: 'y' }, template: template() } };
    def.strategy.default!(bad);
    expect(errs(def.strategy.validate!(bad))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
    ]);
  });

  it('pod template validation paths start at template', () => {
    const def = podTemplatesDefinition();
    const pt: KObject = { metadata: { name: 'pt' }, template: { spec: { containers: [{ name: 'c' }] } } };
    def.strategy.default!(pt);
    expect(errs(def.strategy.validate!(pt))).toContain('template.spec.containers[0].image: Required value');
  });
});

describe('limit ranges and quotas', () => {
  it('limit range container defaults from max, default and min', () => {
    const def = limitRangesDefinition();
    const lr: KObject = { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } };
    def.strategy.default!(lr);
    expect((lr.spec as { limits: unknown[] }).limits[0]).toEqual({
      type: 'Container',
      max: { cpu: '2' },
      min: { memory: '64Mi' },
      default: { cpu: '2' },
      defaultRequest: { cpu: '2', memory: '64Mi' },
    });
    const bad: KObject = { metadata: { name: 'l' }, spec: { limits: [{ type: 'Pod', min: { cpu: '2' }, max: { cpu: '1' } }] } };
    expect(errs(def.strategy.validate!(bad))).toEqual(['spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1']);
  });

  it('quota spec.hard is validated; status is cleared on create; table', () => {
    const def = resourceQuotasDefinition();
    const bad: KObject = { metadata: { name: 'q' }, spec: { hard: { pods: '1.5', cpu: '-1', widgets: '3' } } };
    expect(errs(def.strategy.validate!(bad))).toEqual([
      'spec.hard[pods]: Invalid value: "1.5": must be an integer',
      'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
    ]);
    const q: KObject = { metadata: { name: 'q', creationTimestamp: created }, spec: { hard: { pods: '10' } }, status: { hard: { x: '1' } } };
    def.strategy.prepareForCreate!(q);
    expect(q.status).toEqual({});
    q.status = { hard: { pods: '10', 'limits.cpu': '2' }, used: { pods: '1' } };
    expect(def.table!.cells(q, now)).toEqual(['q', '60s', 'pods: 1/10', 'limits.cpu: 0/2']);
  });
});

describe('component statuses, bindings, ephemeral containers', () => {
  it('component status rows', () => {
    const def = componentStatusesDefinition();
    const ok = componentStatusObject({ name: 'etcd-0', healthy: true, message: 'ok', error: '' }) as unknown as KObject;
    expect(def.table!.cells(ok, now)).toEqual(['etcd-0', 'Healthy', 'ok', '']);
    const bad = componentStatusObject({ name: 'scheduler', healthy: false, message: '', error: 'refused' }) as unknown as KObject;
    expect(def.table!.cells(bad, now)).toEqual(['scheduler', 'Unhealthy', '', 'refused']);
    expect(def.verbs).toEqual(['get', 'list']);
  });

  it('binding validation', () => {
    expect(errs(validateBinding({ metadata: { name: 'p' }, target: { kind: 'Pod' } }))).toEqual([
      'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
      'target.name: Required value',
    ]);
  });

  it('ephemeral containers: only spec.ephemeralContainers is taken, existing ones may not change', () => {
    const old: KObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running' } };
    const next: KObject = JSON.parse(JSON.stringify(old));
    const desired: KObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'other', image: 'x' }], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] } };
    ephemeralContainersStrategy.prepareForUpdate(next, old, desired);
    expect((next.spec as Record<string, unknown>).containers).toEqual([{ name: 'c', image: 'nginx' }]);
    expect((next.spec as { ephemeralContainers: Record<string, unknown>[] }).ephemeralContainers[0]).toMatchObject({ name: 'debug', image: 'busybox', terminationMessagePolicy: 'File' });
    expect(ephemeralContainersStrategy.validateUpdate!(next, old)).toEqual([]);
    const changed: KObject = JSON.parse(JSON.stringify(next));
    (changed.spec as { ephemeralContainers: Record<string, unknown>[] }).ephemeralContainers[0].image = 'alpine';
    expect(errs(ephemeralContainersStrategy.validateUpdate!(changed, next))).toEqual([
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "debug" may not be changed\n',
    ]);
  });
});
