/**
 * ServiceAccount (upstream admission plugin, on by default). On pod create: an empty
 * spec.serviceAccountName becomes `default`; the service account must exist (403 `error looking up
 * service account ns/name: serviceaccount "name" not found`); unless automountServiceAccountToken
 * is false on the pod or the account, a projected volume `kube-api-access-<5 random>` (bound token,
 * kube-root-ca.crt, namespace) is added and mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in every (init) container that has no mount there.
 * The account's imagePullSecrets are copied when the pod has none.
 */
import { errors, StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { AdmissionHook, mutatingAdmission, Store } from '../../../../libs/registry/src/store';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

type Obj = Record<string, unknown>;
interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

const ALNUM = 'bcdfghjklmnpqrstvwxz2456789'; // upstream's utilrand alphabet (no vowels, no confusables)
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(Math.random() * ALNUM.length)];
  return s;
}

/** The projected volume upstream's plugin adds (TokenVolumeSource). */
export function tokenVolume(name: string): Obj {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

export function serviceAccountAdmission(serviceAccounts: () => Store | undefined): AdmissionHook {
  return mutatingAdmission(async (a) => {
    if (a.operation !== 'CREATE' || a.subresource !== '' || !a.object || a.def.group !== '' || a.def.plural !== 'pods') return;
    const pod = a.object;
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    const spec = (pod.spec ??= {}) as Obj;
    if (!spec.serviceAccountName) spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : DEFAULT_SERVICE_ACCOUNT;
    const saName = spec.serviceAccountName as string;
    if (!spec.serviceAccount) spec.serviceAccount = saName;
    const store = serviceAccounts();
    if (!store) return;
    let sa: KObject;
    try {
      sa = await getServiceAccount(store, a.namespace, saName);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) {
        throw errors.forbidden(
          { group: '', resource: 'pods' },
          a.name,
          `error looking up service account ${a.namespace}/${saName}: serviceaccount "${saName}" not found`,
        );
      }
      throw e;
    }
    if (!Array.isArray(spec.imagePullSecrets) || spec.imagePullSecrets.length === 0) {
      const pulls = sa.imagePullSecrets as Obj[] | undefined;
      if (Array.isArray(pulls) && pulls.length) spec.imagePullSecrets = pulls.map((p) => ({ name: p.name }));
    }
    const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : sa.automountServiceAccountToken !== false;
    if (!automount) return;
    mountToken(spec);
  });
}

/**
 * The account, live. The `default` account of a namespace created a moment ago may not exist yet
 * (the namespace-defaults controller creates it within a second): wait for it up to `waitMs`.
 */
async function getServiceAccount(store: Store, ns: string, name: string, waitMs = 3000): Promise<KObject> {
  const deadline = Date.now() + (name === DEFAULT_SERVICE_ACCOUNT ? waitMs : 0);
  for (;;) {
    try {
      return await store.get(ns, name);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404) || Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Adds the token volume and its mounts (idempotent: containers already mounting the path are left alone). */
export function mountToken(spec: Obj): void {
  const containers = [...((spec.initContainers as Obj[] | undefined) ?? []), ...((spec.containers as Obj[] | undefined) ?? [])];
  const volumes = ((spec.volumes as Obj[] | undefined) ?? []).slice();
  const needs = containers.filter((c) => !((c.volumeMounts as Mount[] | undefined) ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH));
  if (needs.length === 0) return;
  const taken = new Set(volumes.map((v) => v.name));
  let name = `kube-api-access-${randomSuffix()}`;
  while (taken.has(name)) name = `kube-api-access-${randomSuffix()}`;
  volumes.push(tokenVolume(name));
  spec.volumes = volumes;
  for (const c of needs) {
    const mounts = ((c.volumeMounts as Mount[] | undefined) ?? []).slice();
    mounts.push({ name, readOnly: true, mountPath: TOKEN_MOUNT_PATH });
    c.volumeMounts = mounts;
  }
}
