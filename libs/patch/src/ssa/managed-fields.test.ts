import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../apimachinery/src/status';
import type { KObject } from '../../../apimachinery/src/types';
import { FieldSet, pathString } from './fieldpath';
import { applyConfiguration, LAST_APPLIED_ANNOTATION, managerFromUserAgent, trackUpdate } from './managed-fields';
import { mergeValues } from './merge';
import { rootType } from './schema';

const T = rootType('V1Deployment');
const now = '2026-01-01T00:00:00Z';
const base = { type: T, apiVersion: 'apps/v1', now };
const ignoreStatus = new FieldSet();
ignoreStatus.insert(['f:status']);

const cfg = (replicas?: number, labels: Record<string, string> = { app: 'web' }, image = 'nginx:1'): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
  },
});

const managers = (o: KObject) => (o.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
const conflictOf = (fn: () => unknown): StatusError => {
  try {
    fn();
  } catch (e) {
    return e as StatusError;
  }
  throw new Error('no conflict');
};

describe('applyConfiguration', () => {
  it('creates with an Apply entry of exactly the applied fields', () => {
    const obj = applyConfiguration(undefined, cfg(2), { ...base, manager: 'kubectl' });
    expect(obj.metadata.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: now,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  it('conflicts on a field another manager owns with a different value; force takes it', () => {
    const live = applyConfiguration(undefined, cfg(2), { ...base, manager: 'kubectl' });
    const err = conflictOf(() => applyConfiguration(live, cfg(5), { ...base, manager: 'other' }));
    expect(err.code).toBe(409);
    expect(err.reason).toBe('Conflict');
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect(err.details).toEqual({ causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }] });
    // same value: shared ownership, no conflict
    const shared = applyConfiguration(live, cfg(2), { ...base, manager: 'other' });
    expect(managers(shared)).toEqual(['kubectl/Apply', 'other/Apply']);
    const forced = applyConfiguration(live, cfg(5), { ...base, manager: 'other', force: true });
    expect((forced.spec as { replicas: number }).replicas).toBe(5);
    const kubectlSet = FieldSet.fromFieldsV1(forced.metadata.managedFields![0].fieldsV1);
    expect(kubectlSet.has(['f:spec', 'f:replicas'])).toBe(false);
  });

  it('lists several conflicts per manager, Update managers with their apiVersion', () => {
    const created = trackUpdate(undefined, cfg(2), { ...base, manager: 'kubectl-client-side-apply' });
    const err = conflictOf(() => applyConfiguration(created, cfg(3, { app: 'web' }, 'nginx:2'), { ...base, manager: 'other' }));
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('removes fields a manager stops applying unless another manager owns them', () => {
    const live = applyConfiguration(undefined, cfg(2, { app: 'web', tier: 'fe' }), { ...base, manager: 'kubectl' });
    const next = applyConfiguration(live, cfg(2, { app: 'web' }), { ...base, manager: 'kubectl' });
    expect(next.metadata.labels).toEqual({ app: 'web' });
    const other = applyConfiguration(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { tier: 'fe' } } }, { ...base, manager: 'other' });
    const kept = applyConfiguration(other, cfg(2, { app: 'web' }), { ...base, manager: 'kubectl' });
    expect(kept.metadata.labels).toEqual({ app: 'web', tier: 'fe' });
    const dropAll = applyConfiguration(next, { ...cfg(2), metadata: { name: 'web' } }, { ...base, manager: 'kubectl' });
    expect(dropAll.metadata.labels).toBeUndefined();
  });

  it('lets kubectl take fields listed in last-applied-configuration (client-side apply upgrade)', () => {
    const csa = cfg(2);
    csa.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(cfg(2)) };
    const live = trackUpdate(undefined, csa, { ...base, manager: 'kubectl-client-side-apply' });
    const out = applyConfiguration(live, cfg(4), { ...base, manager: 'kubectl' });
    expect((out.spec as { replicas: number }).replicas).toBe(4);
    expect(JSON.parse(out.metadata.annotations![LAST_APPLIED_ANNOTATION]).spec.replicas).toBe(4);
    expect(() => applyConfiguration(live, cfg(4), { ...base, manager: 'someone' })).toThrow(/conflict/);
  });
});

describe('trackUpdate', () => {
  it('records Update entries, merges same manager, takes changed fields from others, drops empty entries', () => {
    const created = trackUpdate(undefined, cfg(2), { ...base, manager: 'kubectl-create' });
    expect(managers(created)).toEqual(['kubectl-create/Update']);
    const scaled = JSON.parse(JSON.stringify(created)) as KObject;
    (scaled.spec as { replicas: number }).replicas = 3;
    const after = trackUpdate(created, scaled, { ...base, manager: 'kubectl-scale', now: '2026-01-02T00:00:00Z' });
    expect(managers(after)).toEqual(['kubectl-create/Update', 'kubectl-scale/Update']);
    expect(after.metadata.managedFields![1].fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // a no-op write records nothing
    const noop = trackUpdate(after, JSON.parse(JSON.stringify(after)), { ...base, manager: 'kubectl-edit' });
    expect(managers(noop)).toEqual(managers(after));
    // status writes are recorded with subresource, ignoring non-status fields
    const st = JSON.parse(JSON.stringify(after)) as KObject;
    st.status = { replicas: 3 };
    const ignoreSpec = new FieldSet();
    ignoreSpec.insert(['f:spec']);
    const withStatus = trackUpdate(after, st, { ...base, manager: 'ctrl', subresource: 'status', ignored: ignoreSpec });
    expect(withStatus.metadata.managedFields!.find((e) => e.manager === 'ctrl')).toMatchObject({ subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
  });

  it('takes managed fields sent with the write (kubectl csaupgrade) and ignores main-resource status', () => {
    const created = trackUpdate(undefined, cfg(2), { ...base, manager: 'kubectl-client-side-apply' });
    const upgraded = JSON.parse(JSON.stringify(created)) as KObject;
    upgraded.metadata.managedFields![0].manager = 'kubectl';
    upgraded.metadata.managedFields![0].operation = 'Apply';
    const out = trackUpdate(created, upgraded, { ...base, manager: 'kubectl' });
    expect(managers(out)).toEqual(['kubectl/Apply']);
    const withStatus = { ...cfg(2), status: { replicas: 1 } };
    const c2 = trackUpdate(undefined, withStatus, { ...base, manager: 'x', ignored: ignoreStatus });
    expect(Object.keys(c2.metadata.managedFields![0].fieldsV1 as object)).toEqual(['f:metadata', 'f:spec']);
  });
});

describe('mergeValues', () => {
  it('merges map lists by key keeping live-only items in place', () => {
    const t = rootType('V1PodSpec');
    const live = { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }, { name: 'c', image: '1' }] };
    const config = { containers: [{ name: 'c', image: '2' }, { name: 'd', image: '2' }] };
    const out = mergeValues(live, config, t) as typeof live;
    expect(out.containers.map((c) => `${c.name}:${c.image}`)).toEqual(['a:1', 'b:1', 'c:2', 'd:2']);
    expect(mergeValues({ tolerations: [{ key: 'a' }] }, { tolerations: [{ key: 'b' }] }, t)).toEqual({ tolerations: [{ key: 'b' }] });
  });
});

describe('managerFromUserAgent', () => {
  it('takes the part before the first slash', () => {
    expect(managerFromUserAgent('kubectl/v1.32.0 (linux/amd64) kubernetes/abc')).toBe('kubectl');
    expect(managerFromUserAgent('OpenAPI-Generator/31.0.0/python')).toBe('OpenAPI-Generator');
    expect(managerFromUserAgent(undefined)).toBe('');
    expect(pathString(['f:a'])).toBe('.a');
  });
});

describe('managedFields housekeeping', () => {
  it('clears the managed fields when a write sends [] or [{}]', () => {
    const created = trackUpdate(undefined, cfg(2), { ...base, manager: 'a' });
    for (const reset of [[], [{}]]) {
      const next = JSON.parse(JSON.stringify(created)) as KObject;
      next.metadata.managedFields = reset;
      expect(trackUpdate(created, next, { ...base, manager: 'b' }).metadata.managedFields).toBeUndefined();
    }
  });

  it('folds the oldest of more than 10 Update managers into ancient-changes', () => {
    let obj = trackUpdate(undefined, cfg(0), { ...base, manager: 'm0', now: '2026-01-01T00:00:00Z' });
    for (let i = 1; i <= 11; i++) {
      const next = JSON.parse(JSON.stringify(obj)) as KObject;
      next.metadata.labels = { ...next.metadata.labels, [`l${i}`]: 'x' };
      obj = trackUpdate(obj, next, { ...base, manager: `m${i}`, now: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` });
    }
    const names = obj.metadata.managedFields!.map((e) => e.manager);
    expect(names).toHaveLength(10);
    expect(names[0]).toBe('ancient-changes');
    expect(names).not.toContain('m0');
    expect(names).not.toContain('m1');
    expect(names).not.toContain('m2');
    expect(names).toContain('m11');
  });

  it('owns atomic maps (nodeSelector) as one field', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeSelector: { a: 'b' }, containers: [] } };
    const out = applyConfiguration(undefined, pod as unknown as KObject, { ...base, type: rootType('V1Pod'), apiVersion: 'v1', manager: 'x' });
    expect(out.metadata.managedFields![0].fieldsV1).toEqual({ 'f:spec': { 'f:containers': {}, 'f:nodeSelector': {} } });
  });
});

describe('objects without managedFields', () => {
  it('are first owned by before-first-apply, so applying a different value conflicts', () => {
    const untracked = cfg(2);
    const err = conflictOf(() => applyConfiguration(untracked, cfg(3), { ...base, manager: 'x' }));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const same = applyConfiguration(untracked, cfg(2), { ...base, manager: 'x' });
    expect(managers(same)).toEqual(['x/Apply', 'before-first-apply/Update']);
  });
});
