/**
 * upstream's websocket protocol authenticator: a WebSocket upgrade may carry its bearer token as
 * the subprotocol `base64url.bearer.authorization.k8s.io.<base64url(token)>` (browsers cannot set
 * an Authorization header). The protocol entry is removed from the request once it is read; a
 * token nobody accepts (or an empty/undecodable one) is an error → 401.
 */
import type { RequestContext } from '../http/context';
import { AuthenticationError, type Authenticator } from '../filters/types';
import { authenticateBearer, INVALID_BEARER_TOKEN, type TokenAuthenticator } from './token-authenticator';

export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

export function websocketProtocolAuthenticator(auth: TokenAuthenticator): Authenticator {
  return {
    async authenticate(ctx: RequestContext) {
      const h = ctx.req.headers;
      if (!/\bupgrade\b/i.test(String(h.connection ?? '')) || String(h.upgrade ?? '').toLowerCase() !== 'websocket') return null;
      const raw = h['sec-websocket-protocol'];
      if (!raw) return null;
      const protocols = (Array.isArray(raw) ? raw.join(',') : raw).split(',').map((p) => p.trim());
      let token: string | undefined;
      const rest: string[] = [];
      for (const p of protocols) {
        if (token === undefined && p.startsWith(BEARER_PROTOCOL_PREFIX)) {
          const enc = p.slice(BEARER_PROTOCOL_PREFIX.length);
          if (!/^[A-Za-z0-9_-]*$/.test(enc)) throw new AuthenticationError('invalid base64.bearer.authorization token encoding');
          token = Buffer.from(enc, 'base64url').toString('utf8');
          if (token === '') throw new AuthenticationError('invalid bearer token');
        } else if (p !== '') {
          rest.push(p);
        }
      }
      if (token === undefined) return null;
      const resp = await authenticateBearer(auth, token, { warnings: ctx.warnings }).catch((e: unknown) => {
        throw e instanceof Error ? e : new AuthenticationError(INVALID_BEARER_TOKEN);
      });
      if (rest.length) h['sec-websocket-protocol'] = rest.join(',');
      else delete h['sec-websocket-protocol'];
      return resp.user;
    },
  };
}
