import { describe, expect, it } from 'vitest';
import { FieldSet, keyPE, pathString, valuePE } from './fieldpath';
import { compare, toFieldSet } from './field-sets';
import { rootType } from './schema';

const set = (...paths: string[][]) => {
  const s = new FieldSet();
  for (const p of paths) s.insert(p);
  return s;
};

describe('FieldSet', () => {
  it('encodes and decodes FieldsV1 with "." for members that have children', () => {
    const s = set(['f:metadata', 'f:labels'], ['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:replicas']);
    const v1 = s.toFieldsV1();
    expect(v1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } });
    const back = FieldSet.fromFieldsV1(v1);
    expect(back.equals(s)).toBe(true);
    expect(back.has(['f:metadata', 'f:labels'])).toBe(true);
    expect(back.has(['f:metadata'])).toBe(false);
  });

  it('rejects malformed FieldsV1', () => {
    expect(() => FieldSet.fromFieldsV1({ bad: {} })).toThrow();
    expect(() => FieldSet.fromFieldsV1([])).toThrow();
  });

  it('unions, differences, intersections and recursive differences', () => {
    const a = set(['f:a'], ['f:b', 'f:c'], ['f:b', 'f:d']);
    const b = set(['f:b', 'f:c'], ['f:e']);
    expect(a.union(b).paths()).toEqual([['f:a'], ['f:b', 'f:c'], ['f:b', 'f:d'], ['f:e']]);
    expect(a.difference(b).paths()).toEqual([['f:a'], ['f:b', 'f:d']]);
    expect(a.intersection(b).paths()).toEqual([['f:b', 'f:c']]);
    expect(a.recursiveDifference(set(['f:b'])).paths()).toEqual([['f:a']]);
    expect(a.difference(set(['f:b'])).paths()).toEqual([['f:a'], ['f:b', 'f:c'], ['f:b', 'f:d']]);
    expect(a.hasPrefix(['f:b'])).toBe(true);
    expect(set().empty()).toBe(true);
  });

  it('prints paths as fieldpath.Path.String', () => {
    expect(pathString(['f:spec', 'f:replicas'])).toBe('.spec.replicas');
    expect(pathString(['f:spec', 'f:containers', keyPE({ name: 'nginx' }, ['name']), 'f:image'])).toBe('.spec.containers[name="nginx"].image');
    expect(pathString(['f:ports', keyPE({ protocol: 'TCP', containerPort: 80 }, ['containerPort', 'protocol'])])).toBe('.ports[containerPort=80,protocol="TCP"]');
    expect(pathString(['f:metadata', 'f:finalizers', valuePE('a')])).toBe('.metadata.finalizers[="a"]');
  });
});

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'x', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }] }] },
    },
  },
};

describe('toFieldSet', () => {
  it('walks the schema: atomic selector, map lists by key, sets by value, system metadata skipped', () => {
    const s = toFieldSet(deployment, rootType('V1Deployment'));
    expect(s.toFieldsV1()).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"a"': {} }, 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('treats unknown types as untyped: objects granular, lists atomic', () => {
    const s = toFieldSet({ metadata: { labels: { a: 'b' } }, spec: { x: { y: 1 }, l: [1, 2] } }, rootType(undefined));
    expect(s.paths().map(pathString)).toEqual(['.metadata.labels.a', '.spec.l', '.spec.x.y']);
  });
});

describe('compare', () => {
  it('reports changed (added and modified) and removed paths', () => {
    const next = JSON.parse(JSON.stringify(deployment));
    next.spec.replicas = 3;
    next.metadata.labels = { tier: 'x' };
    next.spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
    const { changed, removed } = compare(deployment, next, rootType('V1Deployment'));
    expect(changed.paths().map(pathString)).toEqual([
      '.metadata.labels.tier',
      '.spec.replicas',
      '.spec.template.spec.containers[name="side"]',
      '.spec.template.spec.containers[name="side"].image',
      '.spec.template.spec.containers[name="side"].name',
    ]);
    expect(removed.paths().map(pathString)).toEqual(['.metadata.labels.app']);
  });

  it('is linear: a large object compares quickly', () => {
    const big = { metadata: {}, data: Object.fromEntries(Array.from({ length: 50000 }, (_, i) => [`k${i}`, `v${i}`])) };
    const start = Date.now();
    compare(big, { ...big, data: { ...big.data, k1: 'changed' } }, rootType('V1ConfigMap'));
    toFieldSet(big, rootType('V1ConfigMap'));
    expect(Date.now() - start).toBeLessThan(2000);
  });
});
