import { describe, expect, it } from 'vitest';
import { deletePath, getPath, objectAnnotations, objectLabels, objectMetaFields, setPath } from './accessor';
import { newUid } from './uid';

describe('getPath / setPath / deletePath', () => {
  it('reads nested values', () => {
    const obj = { spec: { replicas: 3, containers: [{ name: 'a' }] }, metadata: { annotations: { 'a.b/c': 'x' } } };
    expect(getPath(obj, 'spec.replicas')).toBe(3);
    expect(getPath(obj, 'spec.containers.0.name')).toBe('a');
    expect(getPath(obj, ['metadata', 'annotations', 'a.b/c'])).toBe('x');
    expect(getPath(obj, 'spec.missing.deeper')).toBeUndefined();
    expect(getPath(obj, 'spec.replicas.toString')).toBeUndefined();
    expect(getPath(obj, '')).toBe(obj);
  });

  it('writes, creating intermediate objects', () => {
    const obj: Record<string, unknown> = {};
    setPath(obj, 'spec.replicas', 2);
    setPath(obj, ['metadata', 'labels', 'app.kubernetes.io/name'], 'web');
    expect(obj).toEqual({ spec: { replicas: 2 }, metadata: { labels: { 'app.kubernetes.io/name': 'web' } } });
    expect(() => setPath(obj, 'spec.replicas.x', 1)).toThrow('value cannot be set because spec.replicas is not an object');
  });

  it('deletes', () => {
    const obj = { a: { b: 1, c: 2 } };
    expect(deletePath(obj, 'a.b')).toBe(true);
    expect(deletePath(obj, 'a.b')).toBe(false);
    expect(obj).toEqual({ a: { c: 2 } });
  });
});

describe('object helpers', () => {
  it('labels and annotations default to empty maps', () => {
    expect(objectLabels({ metadata: { labels: { a: 'b' } } })).toEqual({ a: 'b' });
    expect(objectLabels({ metadata: {} })).toEqual({});
    expect(objectLabels(undefined)).toEqual({});
    expect(objectAnnotations({ metadata: { annotations: { x: 'y' } } })).toEqual({ x: 'y' });
  });

  it('object meta field sets', () => {
    const obj = { metadata: { name: 'n', namespace: 'ns' } };
    expect(objectMetaFields(obj, true)).toEqual({ 'metadata.name': 'n', 'metadata.namespace': 'ns' });
    expect(objectMetaFields(obj, false)).toEqual({ 'metadata.name': 'n' });
  });

  it('uids are v4 UUIDs', () => {
    const a = newUid();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newUid()).not.toBe(a);
  });
});
