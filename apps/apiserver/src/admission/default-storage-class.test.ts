import { describe, expect, it } from 'vitest';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { persistentVolumeClaimsDefinition } from '../../../../libs/resources/src/core/persistentvolumeclaims';
import { Store } from '../../../../libs/registry/src/store';
import { defaultStorageClass, pickDefaultStorageClass } from './default-storage-class';

const classes: KObject[] = [
  { metadata: { name: 'slow', creationTimestamp: '2024-01-01T00:00:00Z', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } },
  { metadata: { name: 'fast', creationTimestamp: '2024-02-01T00:00:00Z', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } },
  { metadata: { name: 'other', creationTimestamp: '2024-03-01T00:00:00Z' } },
];
const hook = defaultStorageClass(() => ({ list: async () => ({ items: classes }) }) as unknown as Store);

async function admit(spec: Record<string, unknown>): Promise<Record<string, unknown>> {
  const pvc: KObject = { metadata: { name: 'c' }, spec };
  await hook({ operation: 'CREATE', def: persistentVolumeClaimsDefinition(), namespace: 'd', name: 'c', subresource: '', object: pvc, dryRun: false });
  return pvc.spec as Record<string, unknown>;
}

describe('DefaultStorageClass', () => {
  it('sets the newest default class only when storageClassName is absent', async () => {
    expect(pickDefaultStorageClass(classes)?.metadata.name).toBe('fast');
    expect((await admit({})).storageClassName).toBe('fast');
    expect((await admit({ storageClassName: '' })).storageClassName).toBe('');
    expect((await admit({ storageClassName: 'other' })).storageClassName).toBe('other');
  });
});
