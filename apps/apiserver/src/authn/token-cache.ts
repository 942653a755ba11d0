/**
 * upstream tokencache in front of the token authenticators: successful authentications are
 * remembered for a TTL (kube-apiserver: 10 s), keyed by sha256(token) and the requested audiences;
 * failures are not cached. A revoked token (deleted service account, pod or secret) may therefore
 * keep working for up to the TTL, as upstream. Responses that produced warnings are not cached.
 */
import { createHash } from 'node:crypto';
import type { TokenAuthenticator, TokenContext, TokenResponse } from './token-authenticator';

export const DEFAULT_TOKEN_SUCCESS_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 4096;

export function cachedTokenAuthenticator(inner: TokenAuthenticator, ttlMs = DEFAULT_TOKEN_SUCCESS_CACHE_TTL_MS, now: () => number = Date.now): TokenAuthenticator {
  if (ttlMs <= 0) return inner;
  const cache = new Map<string, { resp: TokenResponse; expires: number }>();
  return {
    async authenticateToken(token: string, ctx: TokenContext) {
      const key = createHash('sha256')
        .update(token)
        .update('\0')
        .update((ctx.audiences ?? []).join('\0'))
        .digest('base64');
      const t = now();
      const hit = cache.get(key);
      if (hit && hit.expires > t) return hit.resp;
      if (hit) cache.delete(key);
      const warnings: string[] = [];
      const resp = await inner.authenticateToken(token, { ...ctx, warnings });
      ctx.warnings?.push(...warnings);
      if (resp && warnings.length === 0) {
        if (cache.size >= MAX_ENTRIES) {
          for (const [k, v] of cache) if (v.expires <= t) cache.delete(k);
          if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
        }
        cache.set(key, { resp, expires: t + ttlMs });
      }
      return resp;
    },
  };
}
