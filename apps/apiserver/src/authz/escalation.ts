/**
 * RBAC escalation prevention (pkg/registry/rbac/*\/policybased): an admission hook on creates and
 * updates of Roles, ClusterRoles, RoleBindings and ClusterRoleBindings. Roles: allowed for
 * system:masters, for holders of `escalate` on the role, or when the requester already holds every
 * rule granted. Bindings: allowed for system:masters, holders of `bind` on the referenced role, or
 * when the requester holds every rule of the referenced role. Otherwise 403, as upstream:
 *   roles.rbac.authorization.k8s.io "r" is forbidden: user "bob" (groups=["system:authenticated"]) is
 *   attempting to grant RBAC permissions not currently held:
 *   {APIGroups:[""], Resources:["pods"], Verbs:["delete"]}
 * Requests without a user (the server's own controllers and bootstrap) are not checked.
 */
import { errors } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { AdmissionHook } from '../../../../libs/registry/src/store';
import type { UserInfo } from '../http/context';
import { SYSTEM_MASTERS, type AuthorizationAttributes, type Authorizer } from '../filters/types';
import type { RuleResolver } from './rbac-authorizer';
import { compactRules, compactString, covers, goQuoteList, type PolicyRule, type RoleRef, toPolicyRules } from './rules';
import { currentRequest } from './request-user';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

function attrs(verb: string, resource: string, namespace: string, name: string): AuthorizationAttributes {
  return {
    isResourceRequest: true,
    path: '',
    verb,
    apiPrefix: 'apis',
    apiGroup: RBAC_GROUP,
    apiVersion: 'v1',
    namespace,
    resource,
    subresource: '',
    name,
    parts: [],
  };
}

/** ConfirmNoEscalation: the error message, or undefined when the user holds all `rules`. */
export function confirmNoEscalation(resolver: RuleResolver, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const owner = resolver.rulesFor(user, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length > 0) msg += `; resolution errors: [${owner.errors.join(' ')}]`;
  return msg;
}

function roleRefOf(o: KObject): RoleRef {
  const r = (o.roleRef ?? {}) as Record<string, unknown>;
  return { apiGroup: String(r.apiGroup ?? ''), kind: String(r.kind ?? ''), name: String(r.name ?? '') };
}

export function rbacEscalationCheck(deps: { authorizer: () => Authorizer; resolver: RuleResolver }): AdmissionHook {
  return async (a) => {
    if (a.def.group !== RBAC_GROUP || (a.operation !== 'CREATE' && a.operation !== 'UPDATE') || a.subresource || !a.object) return;
    const resource = a.def.plural;
    if (!ROLE_RESOURCES.has(resource) && !BINDING_RESOURCES.has(resource)) return;
    const req = currentRequest();
    if (!req) return;
    const user = req.user;
    if (user.groups.includes(SYSTEM_MASTERS)) return;
    const gr = { group: RBAC_GROUP, resource };
    const name = a.object.metadata.name ?? a.name;
    const authorizer = deps.authorizer();

    if (ROLE_RESOURCES.has(resource)) {
      const escalate = await authorizer.authorize(user, attrs('escalate', resource, a.namespace, name));
      if (escalate.allowed) return;
      const agg = a.object.aggregationRule;
      if (resource === 'clusterroles' && agg !== undefined && agg !== null) {
        if (a.operation === 'CREATE' || JSON.stringify(agg) !== JSON.stringify(a.oldObject?.aggregationRule)) {
          throw errors.forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
        }
        return;
      }
      const msg = confirmNoEscalation(deps.resolver, user, a.namespace, toPolicyRules(a.object.rules));
      if (msg) throw errors.forbidden(gr, name, msg);
      return;
    }

    const ref = roleRefOf(a.object);
    const boundResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    const bind = await authorizer.authorize(user, attrs('bind', boundResource, a.namespace, ref.name));
    if (bind.allowed) return;
    const { rules, error } = deps.resolver.roleRefRules(ref, a.namespace);
    if (error) throw errors.forbidden(gr, name, error);
    const msg = confirmNoEscalation(deps.resolver, user, a.namespace, rules);
    if (msg) throw errors.forbidden(gr, name, msg);
  };
}
