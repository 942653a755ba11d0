import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiVersionOf } from '../../registry/src/resource';
import { builtinResources } from './index';

describe('builtinResources', () => {
  const defs = builtinResources();
  const byKey = new Map(defs.map((d) => [`${d.plural}.${d.group}`, d]));

  it.each([
    ['namespaces.', 'namespaces', ['ns'], undefined],
    ['configmaps.', 'configmaps', ['cm'], undefined],
    ['secrets.', 'secrets', undefined, undefined],
    ['services.', 'services/specs', ['svc'], ['all']],
    ['endpoints.', 'services/endpoints', ['ep'], undefined],
    ['endpointslices.discovery.k8s.io', 'endpointslices', undefined, undefined],
    ['pods.', 'pods', ['po'], ['all']],
    ['nodes.', 'minions', ['no'], undefined],
    ['events.', 'events', ['ev'], undefined],
    ['events.events.k8s.io', 'events', ['ev'], undefined],
    ['serviceaccounts.', 'serviceaccounts', ['sa'], undefined],
    ['leases.coordination.k8s.io', 'leases', undefined, undefined],
    ['deployments.apps', 'deployments', ['deploy'], ['all']],
    ['replicasets.apps', 'replicasets', ['rs'], ['all']],
  ])('%s', (key, prefix, shortNames, categories) => {
    const d = byKey.get(key);
    expect(d).toBeDefined();
    expect(d!.storagePrefix).toBe(prefix);
    expect(d!.shortNames).toEqual(shortNames);
    expect(d!.categories).toEqual(categories);
  });

  it('every modelType is a class of @kubernetes/client-node', () => {
    const dir = join(__dirname, '../../../node_modules/@kubernetes/client-node/dist/gen/models');
    for (const d of defs) {
      expect(d.modelType, apiVersionOf(d)).toBeDefined();
      expect(existsSync(join(dir, `${d.modelType}.js`)), d.modelType).toBe(true);
    }
  });

  it('tables start with the right column and cells match the columns', () => {
    for (const d of defs) {
      expect(d.table, d.plural).toBeDefined();
      const cells = d.table!.cells({ metadata: { name: 'x' } }, new Date());
      expect(cells.length, `${d.plural}.${d.group}`).toBe(d.table!.columns.length);
    }
  });

  it('scopes', () => {
    expect(defs.filter((d) => !d.namespaced).map((d) => d.plural)).toEqual(['namespaces', 'nodes']);
  });
});
