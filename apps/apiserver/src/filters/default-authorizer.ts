/**
 * The authorizer used until RBAC exists, shaped like upstream's defaults so RBAC can replace it:
 * system:masters may do anything (the privileged-group authorizer); other authenticated users may
 * do anything except impersonate; unauthenticated users may only GET the public info paths
 * (RBAC's system:public-info-viewer: /healthz, /livez, /readyz, /version, /version/).
 */
import type { UserInfo } from '../http/context';
import { ALL_AUTHENTICATED, SYSTEM_MASTERS, type AuthorizationAttributes, type AuthorizationDecision, type Authorizer } from './types';

export const PUBLIC_INFO_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export const defaultAuthorizer: Authorizer = {
  async authorize(user: UserInfo, attrs: AuthorizationAttributes): Promise<AuthorizationDecision> {
    if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true };
    if (attrs.verb === 'impersonate') return { allowed: false };
    if (user.groups.includes(ALL_AUTHENTICATED)) return { allowed: true };
    if (!attrs.isResourceRequest && attrs.verb === 'get' && PUBLIC_INFO_PATHS.has(attrs.path)) return { allowed: true };
    return { allowed: false };
  },
};
