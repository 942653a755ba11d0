/**
 * kube-system/extension-apiserver-authentication (upstream's cluster authentication trust
 * controller), which aggregated API servers read to trust us: `client-ca-file` (the client CA),
 * and when request-header authentication is configured `requestheader-client-ca-file` and the
 * header settings as JSON arrays (`requestheader-username-headers`, `requestheader-group-headers`,
 * `requestheader-extra-headers-prefix`, `requestheader-allowed-names`). Every replica merges its
 * values into the ConfigMap (CA bundles and lists are unions), writing only when something changed;
 * retried until storage answers, re-checked every minute.
 */
import { isStatusError } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { Store } from '../../../../libs/registry/src/store';
import type { RequestHeaderConfig } from './options';

export const AUTH_CONFIGMAP_NAMESPACE = 'kube-system';
export const AUTH_CONFIGMAP_NAME = 'extension-apiserver-authentication';

function pemBlocks(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => m[0].replace(/\r\n/g, '\n'));
}

/** union of two PEM bundles, existing certificates first */
export function mergeBundles(existing: string | undefined, ours: string): string {
  const out: string[] = [];
  for (const b of [...pemBlocks(existing ?? ''), ...pemBlocks(ours)]) if (!out.includes(b)) out.push(b);
  return out.map((b) => `${b}\n`).join('');
}

function mergeList(existing: string | undefined, ours: string[]): string {
  let prev: string[] = [];
  try {
    const v = JSON.parse(existing ?? '[]');
    if (Array.isArray(v)) prev = v.map(String);
  } catch {
    prev = [];
  }
  const out = [...prev];
  for (const s of ours) if (!out.includes(s)) out.push(s);
  return JSON.stringify(out);
}

/** The data this replica contributes, merged into `existing`. */
export function authenticationData(existing: Record<string, string>, clientCA: string, rh: RequestHeaderConfig | undefined): Record<string, string> {
  const data: Record<string, string> = { ...existing };
  if (clientCA) data['client-ca-file'] = mergeBundles(existing['client-ca-file'], clientCA);
  if (rh) {
    data['requestheader-client-ca-file'] = mergeBundles(existing['requestheader-client-ca-file'], rh.clientCA);
    data['requestheader-username-headers'] = mergeList(existing['requestheader-username-headers'], rh.usernameHeaders);
    data['requestheader-group-headers'] = mergeList(existing['requestheader-group-headers'], rh.groupHeaders);
    data['requestheader-extra-headers-prefix'] = mergeList(existing['requestheader-extra-headers-prefix'], rh.extraHeaderPrefixes);
    data['requestheader-allowed-names'] = mergeList(existing['requestheader-allowed-names'], rh.allowedNames);
  }
  return data;
}

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** One reconcile: create or update the ConfigMap. */
export async function publishAuthenticationConfigMap(store: Store, clientCA: string, rh: RequestHeaderConfig | undefined): Promise<void> {
  let existing: KObject | undefined;
  try {
    existing = await store.get(AUTH_CONFIGMAP_NAMESPACE, AUTH_CONFIGMAP_NAME);
  } catch (e) {
    if (!(isStatusError(e) && e.code === 404)) throw e;
  }
  if (!existing) {
    try {
      await store.create(AUTH_CONFIGMAP_NAMESPACE, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: AUTH_CONFIGMAP_NAME, namespace: AUTH_CONFIGMAP_NAMESPACE },
        data: authenticationData({}, clientCA, rh),
      });
      return;
    } catch (e) {
      if (!(isStatusError(e) && e.code === 409)) throw e;
    }
  }
  await store.update(AUTH_CONFIGMAP_NAMESPACE, AUTH_CONFIGMAP_NAME, (cur) => {
    const before = (cur.data ?? {}) as Record<string, string>;
    const after = authenticationData(before, clientCA, rh);
    if (sameData(before, after)) throw UNCHANGED;
    cur.data = after;
    return cur;
  }).catch((e) => {
    if (e === UNCHANGED) return;
    throw e;
  });
}

const UNCHANGED = new Error('unchanged');

/** Keeps the ConfigMap current (first write retried with backoff, then every minute). Returns stop. */
export function startAuthenticationConfigMapPublisher(store: () => Store | undefined, clientCA: () => string, rh: RequestHeaderConfig | undefined): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  const run = async () => {
    if (stopped) return;
    try {
      const s = store();
      if (s) await publishAuthenticationConfigMap(s, clientCA(), rh);
      attempt = 0;
      timer = setTimeout(run, 60_000);
    } catch (e) {
      if (attempt === 3) console.warn(`unable to write ${AUTH_CONFIGMAP_NAMESPACE}/${AUTH_CONFIGMAP_NAME}: ${(e as Error).message}`);
      timer = setTimeout(run, Math.min(5000, 200 * 2 ** Math.min(attempt++, 5)));
    }
    timer?.unref();
  };
  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
