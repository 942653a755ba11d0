import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { podsDefinition } from '../../../../libs/resources/src';
import { Store } from '../../../../libs/registry/src/store';
import { serviceAccountAdmission, TOKEN_MOUNT_PATH } from './service-account';

const accounts: Record<string, KObject> = {
  'd/default': { metadata: { name: 'default' } },
  'd/builder': { metadata: { name: 'builder' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'reg' }] },
};
const store = {
  get: async (ns: string, name: string) => {
    const sa = accounts[`${ns}/${name}`];
    if (!sa) throw new StatusError(404, 'NotFound', `serviceaccounts "${name}" not found`);
    return sa;
  },
} as unknown as Store;
const hook = serviceAccountAdmission(() => store);
const pods = podsDefinition();

async function admit(ns: string, spec: Record<string, unknown>): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const pod: KObject = { metadata: { name: 'p' }, spec };
  await hook({ operation: 'CREATE', def: pods, namespace: ns, name: 'p', subresource: '', object: pod, dryRun: false });
  return pod.spec as Record<string, unknown>;
}

describe('ServiceAccount admission', () => {
  it('defaults the account and mounts the projected token volume in every container', async () => {
    const spec = await admit('d', { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'x', mountPath: TOKEN_MOUNT_PATH }] }] });
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.volumes).toHaveLength(1);
    const vol = spec.volumes[0];
    expect(vol.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(vol.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    expect(spec.initContainers[0].volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }]);
    expect(spec.containers[1].volumeMounts).toHaveLength(1);
  });

  it('honours automountServiceAccountToken on the account and the pod; copies imagePullSecrets', async () => {
    const s1 = await admit('d', { serviceAccountName: 'builder', containers: [{ name: 'a' }] });
    expect(s1.volumes).toBeUndefined();
    expect(s1.imagePullSecrets).toEqual([{ name: 'reg' }]);
    const s2 = await admit('d', { automountServiceAccountToken: false, containers: [{ name: 'a' }] });
    expect(s2.volumes).toBeUndefined();
  });

  it('rejects a missing account with upstream text', async () => {
    await expect(admit('d', { serviceAccountName: 'ghost', containers: [] })).rejects.toThrow(
      'pods "p" is forbidden: error looking up service account d/ghost: serviceaccount "ghost" not found',
    );
  });
});
