/**
 * Legacy secret-based service-account tokens (upstream's token controller, done synchronously on
 * write): a Secret of type kubernetes.io/service-account-token naming an existing service account
 * (annotation kubernetes.io/service-account.name) gets the annotation
 * kubernetes.io/service-account.uid and data `token` (a legacy JWT, issuer
 * kubernetes/serviceaccount), `ca.crt` (the cluster CA) and `namespace`, when its token is
 * missing. A Secret whose service account is missing or has another UID is left as is (upstream's
 * controller would delete it).
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { AdmissionHook } from '../../../../libs/registry/src/store';
import type { SigningKey } from './sa-keys';
import { legacyTokenClaims, SA_TOKEN_SECRET_TYPE, signToken } from './service-account-token';

export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export interface LegacyTokenDeps {
  signingKey: SigningKey;
  /** the service account, or null when missing */
  getServiceAccount(namespace: string, name: string): Promise<KObject | null>;
  /** PEM of the cluster CA ('' = none) */
  rootCA(): string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function legacyTokenSecretsHook(deps: LegacyTokenDeps): AdmissionHook {
  return async (attrs) => {
    if (attrs.def.group !== '' || attrs.def.plural !== 'secrets' || attrs.subresource !== '') return;
    if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return;
    const secret = attrs.object as (KObject & { type?: string; data?: Record<string, string> }) | undefined;
    if (!secret || secret.type !== SA_TOKEN_SECRET_TYPE) return;
    if (secret.data?.token) return;
    const annotations = secret.metadata.annotations ?? {};
    const saName = annotations[SA_NAME_ANNOTATION];
    if (!saName) return;
    const namespace = attrs.namespace || secret.metadata.namespace || '';
    const sa = await deps.getServiceAccount(namespace, saName);
    if (!sa) return;
    const wantUID = annotations[SA_UID_ANNOTATION];
    if (wantUID && wantUID !== sa.metadata.uid) return;
    const token = await signToken(deps.signingKey, legacyTokenClaims(sa, secret.metadata.name ?? attrs.name));
    secret.metadata.annotations = { ...annotations, [SA_UID_ANNOTATION]: sa.metadata.uid ?? '' };
    const data: Record<string, string> = { ...(secret.data ?? {}) };
    const ca = deps.rootCA();
    if (ca) data['ca.crt'] = b64(ca);
    data.namespace = b64(namespace);
    data.token = b64(token);
    secret.data = data;
  };
}
