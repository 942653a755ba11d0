import { describe, expect, it } from 'vitest';
import { KObject } from '../../apimachinery/src/types';
import { ResourceRegistry } from '../../registry/src/registry';
import { CrdDefinitionsSync } from './crd-definitions-sync';

const crd = (versions: Array<{ name: string; served?: boolean; storage?: boolean }>, plural = 'widgets'): KObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.example.com` },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural, singular: plural.slice(0, -1), kind: 'Widget', listKind: 'WidgetList' },
    versions: versions.map((v) => ({ served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } }, ...v })),
  },
});

describe('CrdDefinitionsSync', () => {
  it('registers the served versions, follows spec changes and unregisters', () => {
    const registry = new ResourceRegistry();
    const sync = new CrdDefinitionsSync(registry);
    expect(sync.sync(crd([{ name: 'v1', storage: true }, { name: 'v2', served: false }]))).toEqual({ changed: true });
    expect(registry.all().map((d) => `${d.plural}.${d.group}/${d.version}`)).toEqual(['widgets.example.com/v1']);
    expect(registry.lookup('example.com', 'v1', 'widgets')?.storagePrefix).toBe('example.com/widgets');
    // unchanged spec: nothing done
    const gen = registry.version;
    expect(sync.sync(crd([{ name: 'v1', storage: true }, { name: 'v2', served: false }]))).toEqual({ changed: false });
    expect(registry.version).toBe(gen);
    // v2 served, v1 no longer
    sync.sync(crd([{ name: 'v1', served: false }, { name: 'v2', storage: true }]));
    expect(registry.all().map((d) => d.version)).toEqual(['v2']);
    expect(sync.defsOf('widgets.example.com').map((d) => d.version)).toEqual(['v2']);
    sync.unregister('widgets.example.com');
    expect(registry.all()).toEqual([]);
    expect(sync.defsOf('widgets.example.com')).toEqual([]);
  });

  it('reports a conflict with a resource served by someone else and registers nothing', () => {
    const registry = new ResourceRegistry();
    const other = new CrdDefinitionsSync(registry);
    other.sync({ ...crd([{ name: 'v1', storage: true }]), metadata: { name: 'first' } });
    const sync = new CrdDefinitionsSync(registry);
    const r = sync.sync(crd([{ name: 'v1', storage: true }]));
    expect(r.changed).toBe(false);
    expect(r.conflict?.plural).toBe('widgets');
    expect(sync.defsOf('widgets.example.com')).toEqual([]);
  });
});
