/**
 * Bootstrap tokens (`--enable-bootstrap-token-auth`), as upstream's bootstrap token authenticator:
 * a token `<id>.<secret>` (6 + 16 of [a-z0-9]) matches the Secret `bootstrap-token-<id>` in
 * kube-system of type `bootstrap.kubernetes.io/token` with `token-id`, `token-secret`,
 * `usage-bootstrap-authentication=true`, an unexpired `expiration` (RFC 3339) and optional
 * `auth-extra-groups` (each `system:bootstrappers:...`). User `system:bootstrap:<id>`, groups
 * `system:bootstrappers` + the extra groups, sorted. Any mismatch → not authenticated (logged).
 */
import { timingSafeEqual } from 'node:crypto';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { TokenAuthenticator } from './token-authenticator';

export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const SECRET_TYPE_BOOTSTRAP_TOKEN = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP_PATTERN = '\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z';
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** Reads kube-system Secrets (null when missing). */
export type SecretGetter = (namespace: string, name: string) => Promise<KObject | null>;

function dataOf(secret: KObject, key: string): string {
  const data = (secret as { data?: Record<string, string> }).data;
  const v = data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** upstream bootstrapsecretutil.GetGroups */
export function bootstrapGroups(extra: string): string[] {
  const groups = new Set([BOOTSTRAP_DEFAULT_GROUP]);
  if (extra !== '') {
    for (const g of extra.split(',')) {
      if (!GROUP_RE.test(g)) throw new Error(`bootstrap group ${JSON.stringify(g)} is invalid (must match ${GROUP_PATTERN})`);
      groups.add(g);
    }
  }
  return [...groups].sort();
}

export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  constructor(
    private readonly getSecret: SecretGetter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticateToken(token: string) {
    const m = TOKEN_RE.exec(token);
    if (!m) return null;
    const [, tokenID, tokenSecret] = m;
    const secretName = BOOTSTRAP_TOKEN_SECRET_PREFIX + tokenID;
    const secret = await this.getSecret('kube-system', secretName);
    const fail = (msg: string) => {
      console.warn(`Bootstrap secret kube-system/${secretName} matching bearer token ${tokenID}.${'*'.repeat(16)} ${msg}`);
      return null;
    };
    if (!secret) return null;
    if (secret.metadata.deletionTimestamp) return fail('is deleted and awaiting removal');
    if ((secret as { type?: string }).type !== SECRET_TYPE_BOOTSTRAP_TOKEN || !(secret as { data?: unknown }).data) {
      return fail(`has invalid type, expected ${SECRET_TYPE_BOOTSTRAP_TOKEN}.`);
    }
    if (!safeEqual(dataOf(secret, 'token-secret'), tokenSecret)) return fail('has invalid value for key token-secret.');
    const id = dataOf(secret, 'token-id');
    if (id !== tokenID) return fail('has invalid value for key token-id.');
    const expiration = dataOf(secret, 'expiration');
    if (expiration !== '') {
      const t = Date.parse(expiration);
      if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(expiration)) return fail(`has unparsable expiration time ${expiration}`);
      if (this.now().getTime() > t) return fail(`has expired (${expiration})`);
    }
    if (dataOf(secret, 'usage-bootstrap-authentication') !== 'true') return fail('not marked usage-bootstrap-authentication=true.');
    let groups: string[];
    try {
      groups = bootstrapGroups(dataOf(secret, 'auth-extra-groups'));
    } catch (e) {
      return fail(`has invalid value for key auth-extra-groups: ${(e as Error).message}.`);
    }
    return { user: { name: BOOTSTRAP_USER_PREFIX + id, groups } };
  }
}
