/**
 * Bearer-token authentication, as upstream's bearertoken + tokenunion + WrapAudienceAgnosticToken:
 * `Authorization: Bearer <token>` is offered to each TokenAuthenticator in order (token file,
 * legacy and bound service-account tokens, bootstrap tokens); the first user wins. A bearer token
 * nobody accepts is an error ("invalid bearer token"), so the request gets 401, never anonymous.
 */
import type { RequestContext, UserInfo } from '../http/context';
import { AuthenticationError, type Authenticator } from '../filters/types';

/** What a token authenticator may read from the request besides the token. */
export interface TokenContext {
  /** the audiences the caller targets (TokenReview spec.audiences); undefined = the API audiences */
  audiences?: string[];
  /** Warning headers to send (e.g. auto-generated legacy tokens) */
  warnings?: string[];
}

export interface TokenResponse {
  user: UserInfo;
  /** the audiences the token was accepted for */
  audiences?: string[];
}

/** null: not a token this authenticator knows; throw: a token it knows but rejects. */
export interface TokenAuthenticator {
  authenticateToken(token: string, ctx: TokenContext): Promise<TokenResponse | null>;
}

export const INVALID_BEARER_TOKEN = 'invalid bearer token';

/** Audiences(a).Intersect(b), keeping a's order. */
export function intersectAudiences(a: readonly string[], b: readonly string[]): string[] {
  const set = new Set(b);
  return a.filter((x) => set.has(x));
}

/**
 * upstream WrapAudienceAgnosticToken: a token kind without audiences (token file, bootstrap) is
 * accepted only when the requested audiences include one of the API audiences, and then answers
 * with those (the intersection).
 */
export function audienceAgnostic(implicit: readonly string[], inner: TokenAuthenticator): TokenAuthenticator {
  return {
    async authenticateToken(token, ctx) {
      if (!ctx.audiences) return inner.authenticateToken(token, ctx);
      const auds = intersectAudiences(implicit, ctx.audiences);
      if (auds.length === 0) return null;
      const resp = await inner.authenticateToken(token, ctx);
      return resp ? { ...resp, audiences: auds } : null;
    },
  };
}

/** upstream tokenunion: first success wins; errors are reported only when nobody succeeds. */
export function tokenUnion(...authenticators: TokenAuthenticator[]): TokenAuthenticator {
  return {
    async authenticateToken(token, ctx) {
      const errs: string[] = [];
      for (const a of authenticators) {
        try {
          const resp = await a.authenticateToken(token, ctx);
          if (resp) return resp;
        } catch (e) {
          errs.push(e instanceof Error ? e.message : String(e));
        }
      }
      if (errs.length > 0) throw new AuthenticationError(aggregateMessage(errs));
      return null;
    },
  };
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated in brackets. */
export function aggregateMessage(msgs: readonly string[]): string {
  if (msgs.length === 1) return msgs[0];
  const seen = [...new Set(msgs)];
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

/** The token of an `Authorization: Bearer <token>` header, as upstream's bearertoken parses it. */
export function bearerToken(header: string | undefined): string | undefined {
  const auth = (header ?? '').trim();
  if (auth === '') return undefined;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer') return undefined;
  const token = parts[1];
  return token.length === 0 ? undefined : token;
}

/** Authenticate a token; a token nobody knows → AuthenticationError("invalid bearer token"). */
export async function authenticateBearer(auth: TokenAuthenticator, token: string, tctx: TokenContext): Promise<TokenResponse> {
  const resp = await auth.authenticateToken(token, tctx);
  if (!resp) throw new AuthenticationError(INVALID_BEARER_TOKEN);
  return resp;
}

/** The request authenticator reading `Authorization: Bearer`. */
export function bearerTokenAuthenticator(auth: TokenAuthenticator): Authenticator {
  return {
    async authenticate(ctx: RequestContext) {
      const header = ctx.req.headers.authorization;
      const token = bearerToken(Array.isArray(header) ? header[0] : header);
      if (token === undefined) return null;
      const tctx: TokenContext = { warnings: ctx.warnings };
      const resp = await authenticateBearer(auth, token, tctx);
      return resp.user;
    },
  };
}
