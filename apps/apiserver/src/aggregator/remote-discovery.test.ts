import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { RemoteDiscovery, toAggregatedResources } from './remote-discovery';

const svc = (group: string, version: string, gpm: number, vp: number): KObject => ({
  metadata: { name: `${version}.${group}` },
  spec: { group, version, groupPriorityMinimum: gpm, versionPriority: vp, service: { namespace: 'ns', name: 's', port: 443 } },
});

describe('remote discovery', () => {
  it('orders groups by priority and marks never-fetched or failing versions Stale', () => {
    const list = [svc('b.example.io', 'v1', 100, 10), svc('a.example.io', 'v1beta1', 2000, 5), svc('a.example.io', 'v1', 2000, 20)];
    const d = new RemoteDiscovery(() => list);
    expect(d.legacyGroups()).toEqual([
      { name: 'a.example.io', versions: [{ groupVersion: 'a.example.io/v1', version: 'v1' }, { groupVersion: 'a.example.io/v1beta1', version: 'v1beta1' }], preferredVersion: { groupVersion: 'a.example.io/v1', version: 'v1' } },
      { name: 'b.example.io', versions: [{ groupVersion: 'b.example.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'b.example.io/v1', version: 'v1' } },
    ]);
    expect(d.aggregatedItems()[1]).toEqual({ metadata: { name: 'b.example.io', creationTimestamp: null }, versions: [{ version: 'v1', freshness: 'Stale' }] });
    const v0 = d.version;
    d.record('v1.b.example.io', [{ name: 'things', singularName: 'thing', namespaced: true, kind: 'Thing', verbs: ['get', 'list'] }]);
    expect(d.version).toBeGreaterThan(v0);
    expect(d.aggregatedItems()[1].versions).toEqual([
      { version: 'v1', resources: [{ resource: 'things', responseKind: { group: 'b.example.io', version: 'v1', kind: 'Thing' }, scope: 'Namespaced', singularResource: 'thing', verbs: ['get', 'list'] }], freshness: 'Current' },
    ]);
    d.markStale('v1.b.example.io');
    expect((d.aggregatedItems()[1].versions as { freshness: string; resources: unknown[] }[])[0]).toMatchObject({ freshness: 'Stale', resources: [{ resource: 'things' }] });
  });

  it('folds subresources into their parent', () => {
    const out = toAggregatedResources('g', 'v1', [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'PodMetrics', verbs: ['get'], shortNames: ['pm'] },
      { name: 'pods/status', namespaced: true, kind: 'PodMetrics', verbs: ['get'] },
    ]);
    expect(out).toEqual([
      { resource: 'pods', responseKind: { group: 'g', version: 'v1', kind: 'PodMetrics' }, scope: 'Namespaced', singularResource: 'pod', verbs: ['get'], shortNames: ['pm'], subresources: [{ subresource: 'status', responseKind: { group: 'g', version: 'v1', kind: 'PodMetrics' }, verbs: ['get'] }] },
    ]);
  });
});
