import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiVersionOf, verbsOf } from '../../registry/src/resource';
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
    // create-only review resources (TokenReview, SubjectAccessReview...) have no table upstream either
    for (const d of defs.filter((x) => verbsOf(x).includes('list'))) {
      expect(d.table, d.plural).toBeDefined();
      const cells = d.table!.cells({ metadata: { name: 'x' } }, new Date());
      expect(cells.length, `${d.plural}.${d.group}`).toBe(d.table!.columns.length);
    }
  });

  it('scopes', () => {
    // as upstream 1.32 serves them
    expect(defs.filter((d) => !d.namespaced).map((d) => `${d.plural}.${d.group}`).sort()).toEqual(
      [
        'namespaces.', 'nodes.', 'persistentvolumes.', 'componentstatuses.',
        'ingressclasses.networking.k8s.io', 'priorityclasses.scheduling.k8s.io', 'runtimeclasses.node.k8s.io',
        'storageclasses.storage.k8s.io', 'csidrivers.storage.k8s.io', 'csinodes.storage.k8s.io', 'volumeattachments.storage.k8s.io',
        'certificatesigningrequests.certificates.k8s.io',
        'clusterroles.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io',
        'validatingwebhookconfigurations.admissionregistration.k8s.io', 'mutatingwebhookconfigurations.admissionregistration.k8s.io',
        'validatingadmissionpolicies.admissionregistration.k8s.io', 'validatingadmissionpolicybindings.admissionregistration.k8s.io',
        'tokenreviews.authentication.k8s.io', 'selfsubjectreviews.authentication.k8s.io',
        'subjectaccessreviews.authorization.k8s.io', 'selfsubjectaccessreviews.authorization.k8s.io', 'selfsubjectrulesreviews.authorization.k8s.io',
      ].sort(),
    );
  });
});
