import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { controllerRevisionsDefinition } from './controllerrevisions';
import { statefulSetsDefinition } from './statefulsets';

const def = statefulSetsDefinition();
type Sts = KObject & { spec: any; status?: any };

function sts(mutate?: (s: Sts) => void): Sts {
  const s: Sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: {
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  mutate?.(s);
  def.strategy.default!(s);
  return s;
}

const errorsOf = (s: KObject) => def.strategy.validate!(s).map(fieldErrorString);

describe('statefulsets', () => {
  it('defaults as SetDefaults_StatefulSet, the claim templates as v1 PersistentVolumeClaims', () => {
    const s = sts();
    def.strategy.prepareForCreate!(s);
    expect(s.spec.replicas).toBe(1);
    expect(s.spec.podManagementPolicy).toBe('OrderedReady');
    expect(s.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(s.spec.revisionHistoryLimit).toBe(10);
    expect(s.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(s.spec.template.metadata.creationTimestamp).toBeNull();
    expect(s.spec.template.spec.restartPolicy).toBe('Always');
    expect(s.spec.volumeClaimTemplates[0]).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'www', creationTimestamp: null },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
    expect(s.status).toEqual({ replicas: 0, availableReplicas: 0 });
    expect(errorsOf(s)).toEqual([]);
  });

  it('OnDelete keeps no rolling update; an explicit partition is kept', () => {
    expect(sts((s) => (s.spec.updateStrategy = { type: 'OnDelete' })).spec.updateStrategy).toEqual({ type: 'OnDelete' });
    const s = sts((s) => (s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }));
    expect(s.spec.updateStrategy.rollingUpdate.partition).toBe(2);
  });

  it.each<[string, (s: Sts) => void, string]>([
    ['negative replicas', (s) => (s.spec.replicas = -1), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    [
      'bad pod management policy',
      (s) => (s.spec.podManagementPolicy = 'Random'),
      "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    ],
    [
      'bad update strategy',
      (s) => (s.spec.updateStrategy = { type: 'Sometimes' }),
      `spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'`,
    ],
    [
      'negative partition',
      (s) => (s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -2 } }),
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -2: must be greater than or equal to 0',
    ],
    [
      'rolling update with OnDelete',
      (s) => (s.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 1 } }),
      "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'",
    ],
    [
      'selector does not match',
      (s) => (s.spec.template.metadata.labels = { app: 'other' }),
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    ],
    ['missing selector', (s) => delete s.spec.selector, 'spec.selector: Required value'],
    [
      'restart policy',
      (s) => (s.spec.template.spec.restartPolicy = 'Never'),
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ],
    [
      'retention policy',
      (s) => (s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep', whenScaled: 'Retain' }),
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    ],
    [
      'active deadline',
      (s) => (s.spec.template.spec.activeDeadlineSeconds = 10),
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported',
    ],
    ['negative ordinals start', (s) => (s.spec.ordinals = { start: -1 }), 'spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0'],
  ])('rejects %s', (_name, mutate, expected) => {
    expect(errorsOf(sts(mutate))).toContain(expected);
  });

  it('updates: only replicas, template, updateStrategy, ... may change', () => {
    const old = sts();
    const ok = sts((s) => (s.spec.replicas = 3));
    expect(def.strategy.validateUpdate!(ok, old)).toEqual([]);
    const bad = sts((s) => {
      s.spec.selector = { matchLabels: { app: 'web', tier: 'x' } };
      s.spec.template.metadata.labels.tier = 'x';
    });
    expect(def.strategy.validateUpdate!(bad, old).map(fieldErrorString)).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it('status update counters', () => {
    const old = sts();
    const s = sts();
    s.status = { replicas: 1, readyReplicas: 2, availableReplicas: 0 };
    expect(def.statusStrategy!.validateUpdate!(s, old).map(fieldErrorString)).toEqual([
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });

  it('names are DNS labels', () => expect(def.nameValidation).toBe('dns1123Label'));

  it('table: NAME READY AGE CONTAINERS IMAGES', () => {
    const s = sts();
    s.status = { replicas: 1, readyReplicas: 1 };
    expect(def.table!.columns.map((c) => c.name)).toEqual(['Name', 'Ready', 'Age', 'Containers', 'Images']);
    expect(def.table!.cells(s, new Date('2024-05-01T12:00:00Z'))).toEqual(['web', '1/1', '60m', 'nginx', 'nginx:1.25']);
  });
});

describe('controllerrevisions', () => {
  const cr = controllerRevisionsDefinition();
  it('requires data, a non-negative revision, and keeps data immutable', () => {
    const r: KObject = { metadata: { name: 'web-6d4', namespace: 'default' }, revision: -1 };
    expect(cr.strategy.validate!(r).map(fieldErrorString)).toEqual([
      'data: Required value: data is mandatory',
      'revision: Invalid value: -1: must be greater than or equal to 0',
    ]);
    const old: KObject = { metadata: { name: 'web-6d4' }, data: { a: 1 }, revision: 1 };
    const upd: KObject = { metadata: { name: 'web-6d4' }, data: { a: 2 }, revision: 1 };
    expect(cr.strategy.validateUpdate!(upd, old).map(fieldErrorString)).toEqual(['data: Invalid value: runtime.RawExtension{...}: field is immutable']);
  });

  it('table shows the controller as Kind.group/name', () => {
    const r: KObject = {
      metadata: {
        name: 'web-6d4',
        creationTimestamp: '2024-05-01T11:00:00Z',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }],
      },
      revision: 2,
    };
    expect(cr.table!.cells(r, new Date('2024-05-01T11:00:30Z'))).toEqual(['web-6d4', 'StatefulSet.apps/web', 2, '30s']);
  });
});
