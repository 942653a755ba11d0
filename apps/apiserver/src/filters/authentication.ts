/**
 * Authentication: ask the Authenticator who sent the request. A user found → ctx.user (with
 * system:authenticated added, as upstream's AuthenticatedGroupAdder) and the Authorization header
 * removed. No credentials → the anonymous user when --anonymous-auth and the path is one of the
 * anonymous paths (upstream's AuthenticationConfiguration `anonymous.conditions`, here fixed to
 * /healthz, /livez, /readyz, /version and their sub-paths), otherwise 401. Invalid credentials →
 * 401 even with anonymous auth (upstream's union.NewFailOnError).
 */
import type { Filter, UserInfo } from '../http/context';
import { failureStatus, writeStatus } from './responses';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, type Authenticator } from './types';

export interface AuthenticationOptions {
  authenticator: Authenticator;
  anonymousAuth: boolean;
  /** paths (and their sub-paths) anonymous requests may reach; undefined = every path */
  anonymousPaths?: readonly string[];
}

/** The paths anonymous requests are authenticated on by default. */
export const DEFAULT_ANONYMOUS_PATHS: readonly string[] = ['/healthz', '/livez', '/readyz', '/version'];

function anonymousAllowed(path: string, allowed: readonly string[] | undefined): boolean {
  if (!allowed) return true;
  return allowed.some((p) => path === p || path.startsWith(`${p}/`));
}

export function anonymousUser(): UserInfo {
  return { name: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] };
}

/** upstream AuthenticatedGroupAdder: add system:authenticated unless either "all" group is present */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}

/** Try authenticators in order: the first user wins; errors only matter if nobody succeeds. */
export function unionAuthenticator(...authenticators: Authenticator[]): Authenticator {
  return {
    async authenticate(ctx) {
      const errs: unknown[] = [];
      for (const a of authenticators) {
        try {
          const user = await a.authenticate(ctx);
          if (user) return user;
        } catch (e) {
          errs.push(e);
        }
      }
      if (errs.length === 1) throw errs[0];
      if (errs.length > 1) throw new Error(`[${errs.map((e) => (e instanceof Error ? e.message : String(e))).join(', ')}]`);
      return null;
    },
  };
}

export const unauthorizedStatus = () => failureStatus(401, 'Unauthorized', 'Unauthorized');

export function withAuthentication(opts: AuthenticationOptions): Filter {
  return (next) => async (ctx) => {
    let user: UserInfo | null;
    try {
      user = await opts.authenticator.authenticate(ctx);
    } catch (e) {
      console.error(`[apiserver] unable to authenticate the request: ${e instanceof Error ? e.message : String(e)}`);
      writeStatus(ctx, unauthorizedStatus());
      return;
    }
    if (user) {
      ctx.user = withAuthenticatedGroup(user);
      delete ctx.req.headers.authorization;
    } else if (opts.anonymousAuth && anonymousAllowed(ctx.path, opts.anonymousPaths)) {
      ctx.user = anonymousUser();
    } else {
      writeStatus(ctx, unauthorizedStatus());
      return;
    }
    await next(ctx);
  };
}
