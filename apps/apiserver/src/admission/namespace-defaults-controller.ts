/**
 * What upstream's serviceaccounts-controller and root-ca-cert-publisher do (they run in
 * kube-controller-manager): every active namespace gets a `default` ServiceAccount and a
 * `kube-root-ca.crt` ConfigMap holding the cluster CA. Runs in each replica; creates are
 * idempotent (AlreadyExists is success), so several replicas may race freely. Namespaces are polled
 * (new ones handled within `intervalMs`), and every namespace is re-checked each `resyncMs`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { Store } from '../../../../libs/registry/src/store';
import { asInternal } from '../authz/request-user';
import { DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIGMAP } from './service-account';

export interface NamespaceDefaultsDeps {
  namespaces: () => Store | undefined;
  serviceAccounts: () => Store | undefined;
  configMaps: () => Store | undefined;
  /** the cluster CA (PEM); '' = no kube-root-ca.crt is published */
  rootCA: () => string;
}

async function ignoreExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError && (e.code === 409 || (e.code === 403 && /being terminated/.test(e.message)))) return;
    throw e;
  }
}

/** Ensure one namespace's defaults (exported for tests). */
export async function ensureNamespaceDefaults(ns: KObject, deps: NamespaceDefaultsDeps): Promise<void> {
  const name = ns.metadata.name!;
  if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') return;
  const sas = deps.serviceAccounts();
  if (sas) {
    const exists = await sas.get(name, DEFAULT_SERVICE_ACCOUNT).then(
      () => true,
      (e) => (e instanceof StatusError && e.code === 404 ? false : Promise.reject(e)),
    );
    if (!exists) await ignoreExists(sas.create(name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: name } }));
  }
  const cms = deps.configMaps();
  const ca = deps.rootCA();
  if (cms && ca) {
    let current: KObject | undefined;
    try {
      current = await cms.get(name, ROOT_CA_CONFIGMAP);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    if (!current) {
      await ignoreExists(
        cms.create(name, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
          data: { 'ca.crt': ca },
        }),
      );
    } else if ((current.data as Record<string, string> | undefined)?.['ca.crt'] !== ca) {
      await cms.update(name, ROOT_CA_CONFIGMAP, (c) => ({ ...c, data: { ...((c.data as object) ?? {}), 'ca.crt': ca } }));
    }
  }
}

export function startNamespaceDefaultsController(deps: NamespaceDefaultsDeps, opts: { intervalMs?: number; resyncMs?: number } = {}): () => void {
  const intervalMs = opts.intervalMs ?? 500;
  const resyncMs = opts.resyncMs ?? 60_000;
  const done = new Map<string, number>(); // namespace uid -> when ensured
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const store = deps.namespaces();
    if (!store) return;
    const { items } = await store.list('', {});
    const now = Date.now();
    const live = new Set<string>();
    for (const ns of items) {
      const uid = ns.metadata.uid ?? ns.metadata.name!;
      live.add(uid);
      const at = done.get(uid);
      if (at !== undefined && now - at < resyncMs) continue;
      try {
        await ensureNamespaceDefaults(ns, deps);
        done.set(uid, now);
      } catch {
        // retried next tick
      }
    }
    for (const uid of done.keys()) if (!live.has(uid)) done.delete(uid);
  };
  const loop = () => {
    if (stopped) return;
    asInternal(() => tick())
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  timer = setTimeout(loop, 0);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** The cluster CA for kube-root-ca.crt: --client-ca-file, else the generated `<cert-dir>/ca.crt` (re-read each minute). */
export function rootCAReader(clientCAFile: string, certDir: string): () => string {
  let cached: { at: number; pem: string } | undefined;
  return () => {
    if (cached && Date.now() - cached.at < 60_000) return cached.pem;
    let pem = '';
    try {
      pem = readFileSync(clientCAFile || join(certDir, 'ca.crt'), 'utf8');
    } catch {
      pem = '';
    }
    cached = { at: Date.now(), pem };
    return pem;
  };
}
