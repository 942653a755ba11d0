/**
 * Impersonation (Impersonate-User, Impersonate-Group, Impersonate-Uid, Impersonate-Extra-<key>), as
 * upstream's WithImpersonation: every requested identity part is authorized with verb `impersonate`
 * (users, groups, serviceaccounts, userextras/<key>, uids); any denial → 403 with upstream's message,
 * e.g. `users "x" is forbidden: User "y" cannot impersonate resource "users" in API group "" at the cluster scope`.
 * On success ctx.user becomes the impersonated user (system:authenticated added as upstream),
 * ctx.originalUser keeps the requester, and the Impersonate-* headers are removed.
 */
import type { Filter, RequestContext, UserInfo } from '../http/context';
import { forbiddenStatus } from './forbidden';
import { writeInternalErrorText, writeStatus } from './responses';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, type AuthorizationAttributes, type Authorizer } from './types';

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const SA_PREFIX = 'system:serviceaccount:';

type ImpersonationRequest =
  | { kind: 'User'; name: string }
  | { kind: 'ServiceAccount'; namespace: string; name: string }
  | { kind: 'Group'; name: string }
  | { kind: 'UserExtra'; key: string; value: string }
  | { kind: 'UID'; uid: string };

function splitServiceAccount(username: string): { namespace: string; name: string } | null {
  if (!username.startsWith(SA_PREFIX)) return null;
  const parts = username.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  return { namespace: parts[0], name: parts[1] };
}

/** Go's %v of the []ObjectReference upstream formats into its error message. */
function describe(reqs: ImpersonationRequest[]): string {
  const ref = (kind: string, ns: string, name: string, apiVersion: string, fieldPath: string) => `{${kind} ${ns} ${name}  ${apiVersion}  ${fieldPath}}`;
  return `[${reqs
    .map((r) => {
      switch (r.kind) {
        case 'User':
          return ref('User', '', r.name, '', '');
        case 'ServiceAccount':
          return ref('ServiceAccount', r.namespace, r.name, '', '');
        case 'Group':
          return ref('Group', '', r.name, '', '');
        case 'UserExtra':
          return ref('UserExtra', '', r.value, 'authentication.k8s.io/v1', r.key);
        case 'UID':
          return ref('UID', '', r.uid, 'authentication.k8s.io/v1', '');
      }
    })
    .join(' ')}]`;
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** The requested impersonation, or null if none; throws when parts are requested without a user. */
export function buildImpersonationRequests(ctx: RequestContext): ImpersonationRequest[] | null {
  const headers = ctx.req.headersDistinct ?? {};
  const reqs: ImpersonationRequest[] = [];
  const user = headers[USER_HEADER]?.[0] ?? '';
  if (user) {
    const sa = splitServiceAccount(user);
    reqs.push(sa ? { kind: 'ServiceAccount', ...sa } : { kind: 'User', name: user });
  }
  let others = false;
  for (const g of headers[GROUP_HEADER] ?? []) {
    reqs.push({ kind: 'Group', name: g });
    others = true;
  }
  for (const [name, values] of Object.entries(headers)) {
    if (!name.startsWith(EXTRA_PREFIX) || !values) continue;
    const key = unescapeExtraKey(name.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const value of values) reqs.push({ kind: 'UserExtra', key, value });
    others = true;
  }
  const uid = headers[UID_HEADER]?.[0] ?? '';
  if (uid) {
    reqs.push({ kind: 'UID', uid });
    others = true;
  }
  if (others && !user) throw new Error(`requested ${describe(reqs)} without impersonating a user`);
  return reqs.length > 0 ? reqs : null;
}

function attributesFor(r: ImpersonationRequest, path: string): AuthorizationAttributes {
  const base: AuthorizationAttributes = {
    isResourceRequest: true,
    path,
    verb: 'impersonate',
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  switch (r.kind) {
    case 'User':
      return { ...base, apiVersion: 'v1', resource: 'users', name: r.name };
    case 'ServiceAccount':
      return { ...base, apiVersion: 'v1', resource: 'serviceaccounts', namespace: r.namespace, name: r.name };
    case 'Group':
      return { ...base, apiVersion: 'v1', resource: 'groups', name: r.name };
    case 'UserExtra':
      return { ...base, apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'userextras', subresource: r.key, name: r.value };
    case 'UID':
      return { ...base, apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'uids', name: r.uid };
  }
}

function stripImpersonationHeaders(ctx: RequestContext): void {
  const h = ctx.req.headers;
  for (const name of Object.keys(h)) {
    if (name === USER_HEADER || name === GROUP_HEADER || name === UID_HEADER || name.startsWith(EXTRA_PREFIX)) delete h[name];
  }
  const distinct = ctx.req.headersDistinct as Record<string, string[] | undefined> | undefined;
  if (distinct) {
    for (const name of Object.keys(distinct)) {
      if (name === USER_HEADER || name === GROUP_HEADER || name === UID_HEADER || name.startsWith(EXTRA_PREFIX)) delete distinct[name];
    }
  }
}

export function withImpersonation(authorizer: Authorizer): Filter {
  return (next) => async (ctx) => {
    let reqs: ImpersonationRequest[] | null;
    try {
      reqs = buildImpersonationRequests(ctx);
    } catch (e) {
      writeInternalErrorText(ctx, e);
      return;
    }
    if (!reqs) return next(ctx);
    const requester = ctx.user;
    if (!requester) {
      writeInternalErrorText(ctx, new Error('no user found for request'));
      return;
    }

    const groupsSpecified = reqs.some((r) => r.kind === 'Group');
    let username = '';
    let uid = '';
    let groups: string[] = [];
    const extra: Record<string, string[]> = {};
    for (const r of reqs) {
      switch (r.kind) {
        case 'User':
          username = r.name;
          break;
        case 'ServiceAccount':
          username = `${SA_PREFIX}${r.namespace}:${r.name}`;
          if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
          break;
        case 'Group':
          groups.push(r.name);
          break;
        case 'UserExtra':
          (extra[r.key] ??= []).push(r.value);
          break;
        case 'UID':
          uid = r.uid;
          break;
      }
      const attrs = attributesFor(r, ctx.path);
      let decision;
      try {
        decision = await authorizer.authorize(requester, attrs);
      } catch {
        decision = { allowed: false, reason: '' };
      }
      if (!decision.allowed) {
        writeStatus(ctx, forbiddenStatus(requester, attrs, decision.reason), { 'X-Content-Type-Options': 'nosniff' });
        return;
      }
    }

    if (username !== ANONYMOUS_USER) {
      if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
    } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
      groups.push(ALL_UNAUTHENTICATED);
    }
    const impersonated: UserInfo = { name: username, groups, extra };
    if (uid) impersonated.uid = uid;
    ctx.originalUser = requester;
    ctx.user = impersonated;
    stripImpersonationHeaders(ctx);
    await next(ctx);
  };
}
