/**
 * Where the delegated authentication settings come from: the flags, or — for whatever the flags
 * leave unset — the kube-system/extension-apiserver-authentication ConfigMap the API server
 * publishes (keys `client-ca-file`, `requestheader-client-ca-file`, and JSON string arrays
 * `requestheader-allowed-names`, `requestheader-username-headers`, `requestheader-uid-headers`,
 * `requestheader-group-headers`, `requestheader-extra-headers-prefix`).
 */
import { readFileSync } from 'node:fs';
import type { KObject } from '../../kubelet-sim/src/kube-client';
import type { AuthnConfig, RequestHeaderConfig, UserInfo } from './authn';
import type { MetricsServerConfig } from './options';

export const AUTH_CONFIGMAP_PATH = '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication';

function jsonList(v: unknown): string[] {
  if (typeof v !== 'string' || !v) return [];
  try {
    const parsed = JSON.parse(v) as unknown;
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The settings found in the ConfigMap's data (undefined parts when absent). */
export function authnFromConfigMap(data: Record<string, string> | undefined): { clientCA?: string; requestHeader?: RequestHeaderConfig } {
  const d = data ?? {};
  const out: { clientCA?: string; requestHeader?: RequestHeaderConfig } = {};
  if (d['client-ca-file']) out.clientCA = d['client-ca-file'];
  if (d['requestheader-client-ca-file']) {
    out.requestHeader = {
      clientCA: d['requestheader-client-ca-file'],
      allowedNames: jsonList(d['requestheader-allowed-names']),
      usernameHeaders: jsonList(d['requestheader-username-headers']),
      uidHeaders: jsonList(d['requestheader-uid-headers']),
      groupHeaders: jsonList(d['requestheader-group-headers']),
      extraHeaderPrefixes: jsonList(d['requestheader-extra-headers-prefix']),
    };
  }
  return out;
}

/** Flags first; the ConfigMap (if given) fills what the flags leave empty. */
export function buildAuthnConfig(flags: MetricsServerConfig, configMapData?: Record<string, string>, tokenReview?: AuthnConfig['tokenReview']): AuthnConfig {
  const fromCm = authnFromConfigMap(configMapData);
  const requestHeader: RequestHeaderConfig | undefined = flags.requestheaderClientCaFile
    ? {
        clientCA: readFileSync(flags.requestheaderClientCaFile, 'utf8'),
        allowedNames: flags.requestheaderAllowedNames,
        usernameHeaders: flags.requestheaderUsernameHeaders,
        uidHeaders: flags.requestheaderUidHeaders,
        groupHeaders: flags.requestheaderGroupHeaders,
        extraHeaderPrefixes: flags.requestheaderExtraHeadersPrefix,
      }
    : fromCm.requestHeader;
  const clientCA = flags.clientCaFile ? readFileSync(flags.clientCaFile, 'utf8') : fromCm.clientCA;
  return { requestHeader, clientCA, anonymous: true, tokenReview };
}

export interface ApiPoster {
  request<T = KObject>(method: string, path: string, body?: unknown): Promise<T>;
}

/** TokenReview (authentication.k8s.io/v1) with a 10 s cache, as the delegating token authenticator. */
export function tokenReviewer(client: ApiPoster, ttlMs = 10_000): (token: string) => Promise<UserInfo | null> {
  const cache = new Map<string, { user: UserInfo | null; expires: number }>();
  return async (token) => {
    const hit = cache.get(token);
    if (hit && hit.expires > Date.now()) return hit.user;
    const review = await client.request<KObject>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    });
    const st = review.status ?? {};
    const user: UserInfo | null = st.authenticated
      ? { name: st.user?.username ?? '', uid: st.user?.uid || undefined, groups: st.user?.groups ?? [], extra: st.user?.extra }
      : null;
    if (cache.size > 1000) cache.clear();
    cache.set(token, { user, expires: Date.now() + ttlMs });
    return user;
  };
}
