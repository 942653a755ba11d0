/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding: validation with
 * upstream field paths, immutable roleRef, and kubectl 1.32's table columns (roles: Name + Created At;
 * bindings: Name, Role, Age, and -o wide Users, Groups, ServiceAccounts).
 */
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition, TableConvertor } from '../../../registry/src/resource';
import { obj, objs, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { defaultBinding, RBAC_GROUP, validateAggregationRule, validateBinding, validateBindingUpdate, validateRules } from './validation';

const roleTable: TableConvertor = {
  columns: [nameColumn(), column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  cells: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
};

/** rbac.SubjectsStrings: users, groups, service accounts (`namespace:name`). */
export function subjectsStrings(o: KObject): { users: string[]; groups: string[]; sas: string[] } {
  const out = { users: [] as string[], groups: [] as string[], sas: [] as string[] };
  for (const s of objs(o.subjects)) {
    if (s.kind === 'User') out.users.push(str(s.name));
    else if (s.kind === 'Group') out.groups.push(str(s.name));
    else if (s.kind === 'ServiceAccount') out.sas.push(str(s.namespace) ? `${str(s.namespace)}:${str(s.name)}` : str(s.name));
  }
  return out;
}

const bindingTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Role', 'string', 'RoleRef references a role.'),
    ageColumn(),
    column('Users', 'string', 'Users in the roleBinding', 1),
    column('Groups', 'string', 'Groups in the roleBinding', 1),
    column('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', 1),
  ],
  cells: (o, now) => {
    const ref = obj(o.roleRef) ?? {};
    const s = subjectsStrings(o);
    return [
      o.metadata.name ?? '',
      `${str(ref.kind)}/${str(ref.name)}`,
      translateTimestampSince(o.metadata.creationTimestamp, now),
      s.users.join(', '),
      s.groups.join(', '),
      s.sas.join(', '),
    ];
  },
};

const base = { group: RBAC_GROUP, version: 'v1', nameValidation: 'pathSegment' as const };

export function rolesDefinition(): ResourceDefinition {
  return {
    ...base,
    kind: 'Role',
    plural: 'roles',
    singular: 'role',
    namespaced: true,
    modelType: 'V1Role',
    strategy: { validate: (o) => validateRules(o, true), allowCreateOnUpdate: true },
    table: roleTable,
  };
}

export function clusterRolesDefinition(): ResourceDefinition {
  return {
    ...base,
    kind: 'ClusterRole',
    plural: 'clusterroles',
    singular: 'clusterrole',
    namespaced: false,
    modelType: 'V1ClusterRole',
    strategy: { validate: (o) => [...validateRules(o, false), ...validateAggregationRule(o)], allowCreateOnUpdate: true },
    table: roleTable,
  };
}

export function roleBindingsDefinition(): ResourceDefinition {
  return {
    ...base,
    kind: 'RoleBinding',
    plural: 'rolebindings',
    singular: 'rolebinding',
    namespaced: true,
    modelType: 'V1RoleBinding',
    strategy: {
      default: defaultBinding,
      validate: (o) => validateBinding(o, true),
      validateUpdate: (o, old) => validateBindingUpdate(o, old, true),
      allowCreateOnUpdate: true,
    },
    table: bindingTable,
  };
}

export function clusterRoleBindingsDefinition(): ResourceDefinition {
  return {
    ...base,
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    namespaced: false,
    modelType: 'V1ClusterRoleBinding',
    strategy: {
      default: defaultBinding,
      validate: (o) => validateBinding(o, false),
      validateUpdate: (o, old) => validateBindingUpdate(o, old, false),
      allowCreateOnUpdate: true,
    },
    table: bindingTable,
  };
}

export function rbacResources(): ResourceDefinition[] {
  return [rolesDefinition(), clusterRolesDefinition(), roleBindingsDefinition(), clusterRoleBindingsDefinition()];
}
