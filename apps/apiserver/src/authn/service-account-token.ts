/**
 * Service-account JWTs, as upstream's pkg/serviceaccount: signing (bound tokens from TokenRequest
 * with the `kubernetes.io` private claim; legacy secret-based tokens with the
 * `kubernetes.io/serviceaccount/*` claims and issuer `kubernetes/serviceaccount`) and the token
 * authenticator (issuer pre-check, signature against every public key, time claims with a 1 minute
 * leeway, audiences, then a lookup that the service account, and the bound pod/secret/node, still
 * exist with the same UID). Users: `system:serviceaccount:<ns>:<name>`, groups
 * `system:serviceaccounts`, `system:serviceaccounts:<ns>`, extra pod-name/pod-uid, node-name/node-uid
 * and credential-id (`JTI=<jti>`).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { compactVerify, SignJWT } from 'jose';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { UserInfo } from '../http/context';
import type { PublicKeyEntry, SigningKey } from './sa-keys';
import { intersectAudiences, type TokenAuthenticator, type TokenContext, type TokenResponse, aggregateMessage } from './token-authenticator';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
export const SA_USER_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
export const SA_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const LEGACY_TOKEN_LAST_USED_LABEL = 'kubernetes.io/legacy-token-last-used';
export const LEGACY_TOKEN_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';
const LEEWAY_SECONDS = 60;
const CRYPTO_ERROR = 'go-jose/go-jose: error in cryptographic primitive';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_USER_PREFIX}${namespace}:${name}`;
}

export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** upstream SplitUsername */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | null {
  if (!username.startsWith(SA_USER_PREFIX)) return null;
  const parts = username.slice(SA_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  return { namespace: parts[0], name: parts[1] };
}

export interface ObjectRef {
  name: string;
  uid: string;
}

/** The `kubernetes.io` private claim of bound tokens. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid?: string };
  warnafter?: number;
}

export interface BoundTokenOptions {
  issuer: string;
  serviceAccount: KObject;
  audiences: string[];
  expirationSeconds: number;
  pod?: KObject;
  secret?: KObject;
  node?: KObject;
  /** the pod's node when binding to a pod (node info claim; uid when the node is known) */
  podNode?: { name: string; uid?: string };
  /** seconds after issue from which using the token is only warned about (extended kubelet tokens) */
  warnAfterSeconds?: number;
  now?: Date;
}

const refOf = (o: KObject): ObjectRef => ({ name: o.metadata.name ?? '', uid: o.metadata.uid ?? '' });

/** upstream token.Claims (+ the issuer set by the generator), keys in Go's marshalled order. */
export function boundTokenClaims(o: BoundTokenOptions): Record<string, unknown> {
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const sa = o.serviceAccount;
  const k8s: Record<string, unknown> = { namespace: sa.metadata.namespace };
  if (o.podNode) k8s.node = o.podNode.uid ? { name: o.podNode.name, uid: o.podNode.uid } : { name: o.podNode.name };
  if (o.pod) k8s.pod = refOf(o.pod);
  else if (o.secret) k8s.secret = refOf(o.secret);
  else if (o.node) k8s.node = refOf(o.node);
  k8s.serviceaccount = refOf(sa);
  if (o.warnAfterSeconds) k8s.warnafter = now + o.warnAfterSeconds;
  return {
    aud: o.audiences,
    exp: now + o.expirationSeconds,
    iat: now,
    iss: o.issuer,
    jti: randomUUID(),
    'kubernetes.io': k8s,
    nbf: now,
    sub: serviceAccountUsername(sa.metadata.namespace ?? '', sa.metadata.name ?? ''),
  };
}

/** upstream LegacyClaims, keys sorted as Go marshals the merged map. */
export function legacyTokenClaims(serviceAccount: KObject, secretName: string): Record<string, unknown> {
  const ns = serviceAccount.metadata.namespace ?? '';
  const name = serviceAccount.metadata.name ?? '';
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': name,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.metadata.uid ?? '',
    sub: serviceAccountUsername(ns, name),
  };
}

export async function signToken(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

/** Reads objects for validation; throws (e.g. a NotFound StatusError) when missing. */
export interface ServiceAccountObjectGetter {
  get(resource: 'serviceaccounts' | 'secrets' | 'pods' | 'nodes', namespace: string, name: string): Promise<KObject>;
  /** upstream's secretsWriter: set the legacy-token-last-used label (YYYY-MM-DD) on a token Secret */
  markLegacyTokenUsed?(secret: KObject, day: string): Promise<void>;
}

export interface ServiceAccountAuthenticatorOptions {
  /** --service-account-issuer values (bound tokens) */
  issuers: string[];
  keys: PublicKeyEntry[];
  /** --api-audiences */
  apiAudiences: string[];
  getter: ServiceAccountObjectGetter;
  /** --service-account-lookup (legacy tokens: secret and service account must still exist) */
  lookup: boolean;
  /** accept legacy tokens (issuer kubernetes/serviceaccount) */
  legacy: boolean;
  now?: () => Date;
}

function decodeSegment(seg: string): unknown {
  try {
    return JSON.parse(Buffer.from(seg, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function goQuoteList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  private readonly issuers: Set<string>;

  constructor(private readonly opts: ServiceAccountAuthenticatorOptions) {
    this.issuers = new Set(opts.issuers);
    if (opts.legacy) this.issuers.add(LEGACY_ISSUER);
  }

  async authenticateToken(token: string, ctx: TokenContext): Promise<TokenResponse | null> {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const unverified = decodeSegment(parts[1]) as { iss?: unknown } | undefined;
    if (!unverified || typeof unverified !== 'object' || !this.issuers.has(str(unverified.iss))) return null;
    const header = decodeSegment(parts[0]);
    if (!header || typeof header !== 'object' || typeof (header as { alg?: unknown }).alg !== 'string') return null;

    let payload: Record<string, unknown> | undefined;
    const errs: string[] = [];
    for (const k of this.opts.keys) {
      try {
        const { payload: raw } = await compactVerify(token, k.key, { algorithms: [k.alg] });
        payload = JSON.parse(Buffer.from(raw).toString('utf8')) as Record<string, unknown>;
        break;
      } catch {
        errs.push(CRYPTO_ERROR);
      }
    }
    if (!payload) throw new Error(errs.length ? aggregateMessage(errs) : CRYPTO_ERROR);
    const iss = str(payload.iss);
    if (!this.issuers.has(iss)) throw new Error(`token issuer ${JSON.stringify(iss)} is invalid`);

    const aud = payload.aud;
    let tokenAudiences = Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : typeof aud === 'string' && aud !== '' ? [aud] : [];
    if (tokenAudiences.length === 0) tokenAudiences = [...this.opts.apiAudiences];
    const requested = ctx.audiences && ctx.audiences.length > 0 ? ctx.audiences : this.opts.apiAudiences;
    const auds = intersectAudiences(tokenAudiences, requested);
    if (auds.length === 0 && this.opts.apiAudiences.length !== 0) {
      throw new Error(`token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(requested)}`);
    }
    const user = iss === LEGACY_ISSUER ? await this.validateLegacy(token, payload, ctx) : await this.validateBound(payload);
    return { user, audiences: auds };
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** upstream validator.Validate for bound tokens */
  private async validateBound(payload: Record<string, unknown>): Promise<UserInfo> {
    const now = this.now().getTime() / 1000;
    const nbf = num(payload.nbf);
    const exp = num(payload.exp);
    const iat = num(payload.iat);
    if (nbf !== undefined && now + LEEWAY_SECONDS < nbf) throw new Error('service account token is not valid yet');
    if (exp !== undefined && now - LEEWAY_SECONDS > exp) throw new Error('service account token has expired');
    if (iat !== undefined && now + LEEWAY_SECONDS < iat) throw new Error('service account token is issued in the future');
    const k8s = (payload['kubernetes.io'] ?? {}) as Partial<KubernetesClaim>;
    const namespace = str(k8s.namespace);
    const saref = (k8s.serviceaccount ?? {}) as Partial<ObjectRef>;
    const invalidIfDeletedBefore = (now - LEEWAY_SECONDS) * 1000;
    const deletedBefore = (o: KObject) => !!o.metadata.deletionTimestamp && Date.parse(o.metadata.deletionTimestamp) < invalidIfDeletedBefore;

    const sa = await this.fetch('serviceaccounts', namespace, str(saref.name));
    if (deletedBefore(sa)) throw new Error('service account has been deleted');
    if ((sa.metadata.uid ?? '') !== str(saref.uid)) throw new Error(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${str(saref.uid)})`);
    if (k8s.secret) {
      const secret = await this.fetch('secrets', namespace, str(k8s.secret.name)).catch(() => {
        throw new Error('service account token has been invalidated');
      });
      if (deletedBefore(secret)) throw new Error('service account token has been invalidated');
      if (str(k8s.secret.uid) !== (secret.metadata.uid ?? '')) {
        throw new Error(`secret UID (${secret.metadata.uid ?? ''}) does not match service account secret ref claim (${str(k8s.secret.uid)})`);
      }
    }
    let pod: ObjectRef | undefined;
    if (k8s.pod) {
      const p = await this.fetch('pods', namespace, str(k8s.pod.name)).catch(() => {
        throw new Error('service account token has been invalidated');
      });
      if (deletedBefore(p)) throw new Error('service account token has been invalidated');
      if (str(k8s.pod.uid) !== (p.metadata.uid ?? '')) {
        throw new Error(`pod UID (${p.metadata.uid ?? ''}) does not match service account pod ref claim (${str(k8s.pod.uid)})`);
      }
      pod = { name: str(k8s.pod.name), uid: str(k8s.pod.uid) };
    }
    let node: { name: string; uid?: string } | undefined;
    if (k8s.node) {
      if (pod) {
        node = { name: str(k8s.node.name), uid: str(k8s.node.uid) };
      } else {
        const n = await this.fetch('nodes', '', str(k8s.node.name)).catch(() => {
          throw new Error('service account token has been invalidated');
        });
        if (deletedBefore(n)) throw new Error('service account token has been invalidated');
        if (str(k8s.node.uid) !== (n.metadata.uid ?? '')) {
          throw new Error(`node UID (${n.metadata.uid ?? ''}) does not match service account node ref claim (${str(k8s.node.uid)})`);
        }
        node = { name: str(k8s.node.name), uid: str(k8s.node.uid) };
      }
    }
    const extra: Record<string, string[]> = {};
    if (pod && pod.name && pod.uid) {
      extra[EXTRA_POD_NAME] = [pod.name];
      extra[EXTRA_POD_UID] = [pod.uid];
    }
    const jti = str(payload.jti);
    if (jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${jti}`];
    if (node && node.name) {
      extra[EXTRA_NODE_NAME] = [node.name];
      if (node.uid) extra[EXTRA_NODE_UID] = [node.uid];
    }
    const user: UserInfo = {
      name: serviceAccountUsername(namespace, str(saref.name)),
      uid: str(saref.uid),
      groups: serviceAccountGroups(namespace),
    };
    if (Object.keys(extra).length) user.extra = extra;
    return user;
  }

  /** upstream legacyValidator.Validate */
  private async validateLegacy(token: string, payload: Record<string, unknown>, ctx: TokenContext): Promise<UserInfo> {
    const sub = str(payload.sub);
    if (!sub) throw new Error('sub claim is missing');
    const namespace = str(payload['kubernetes.io/serviceaccount/namespace']);
    if (!namespace) throw new Error('namespace claim is missing');
    const secretName = str(payload['kubernetes.io/serviceaccount/secret.name']);
    if (!secretName) throw new Error('secretName claim is missing');
    const saName = str(payload['kubernetes.io/serviceaccount/service-account.name']);
    if (!saName) throw new Error('serviceAccountName claim is missing');
    const saUID = str(payload['kubernetes.io/serviceaccount/service-account.uid']);
    if (!saUID) throw new Error('serviceAccountUID claim is missing');
    const subject = splitServiceAccountUsername(sub);
    if (!subject || subject.namespace !== namespace || subject.name !== saName) throw new Error('sub claim is invalid');
    if (this.opts.lookup) {
      const secret = await this.fetch('secrets', namespace, secretName).catch(() => {
        throw new Error('token has been invalidated');
      });
      if (secret.metadata.deletionTimestamp) throw new Error('token has been invalidated');
      const data = (secret as { data?: Record<string, string> }).data ?? {};
      const stored = typeof data.token === 'string' ? Buffer.from(data.token, 'base64').toString('utf8') : '';
      if (!safeEqual(stored, token)) throw new Error('token does not match secret');
      if (secret.metadata.labels?.[LEGACY_TOKEN_INVALID_SINCE_LABEL]) {
        this.markUsed(secret);
        throw new Error(
          `the token in secret ${namespace}/${secretName} for service account ${namespace}/${saName} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the '${LEGACY_TOKEN_INVALID_SINCE_LABEL}' label from the secret to temporarily allow use of this token`,
        );
      }
      const sa = await this.fetch('serviceaccounts', namespace, saName);
      if (sa.metadata.deletionTimestamp) throw new Error('service account has been deleted');
      if ((sa.metadata.uid ?? '') !== saUID) throw new Error(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${saUID})`);
      this.markUsed(secret);
      const refs = (sa as { secrets?: { name?: string }[] }).secrets ?? [];
      if (refs.some((r) => r?.name === secretName)) {
        ctx.warnings?.push('Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.');
      }
    }
    return { name: serviceAccountUsername(namespace, saName), uid: saUID, groups: serviceAccountGroups(namespace) };
  }

  /** upstream patchSecretWithLastUsedDate: once a day, in the background */
  private markUsed(secret: KObject): void {
    const mark = this.opts.getter.markLegacyTokenUsed;
    if (!mark) return;
    const now = this.now();
    const today = now.toISOString().slice(0, 10);
    const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
    const last = secret.metadata.labels?.[LEGACY_TOKEN_LAST_USED_LABEL];
    if (last === today || last === tomorrow) return;
    mark.call(this.opts.getter, secret, today).catch((e: unknown) =>
      console.error(`Failed to label legacy service account token secret with last-used: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  private async fetch(resource: 'serviceaccounts' | 'secrets' | 'pods' | 'nodes', namespace: string, name: string): Promise<KObject> {
    try {
      return await this.opts.getter.get(resource, namespace, name);
    } catch (e) {
      throw new Error(e instanceof Error ? e.message : String(e));
    }
  }
}
