/** rbac.authorization.k8s.io/v1 (field numbers of upstream's rbac/v1 generated.proto). */
import type { SchemaSet } from '../schema';

export const rbacKinds: Record<string, string> = {
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
};

export const rbacSchemas: SchemaSet = {
  PolicyRule: { 1: 'verbs:string[]', 2: 'apiGroups:string[]', 3: 'resources:string[]', 4: 'resourceNames:string[]', 5: 'nonResourceURLs:string[]' },
  AggregationRule: { 1: 'clusterRoleSelectors:LabelSelector[]' },
  Role: { 1: 'metadata:ObjectMeta', 2: 'rules:PolicyRule[]' },
  ClusterRole: { 1: 'metadata:ObjectMeta', 2: 'rules:PolicyRule[]', 3: 'aggregationRule:AggregationRule?' },
  RoleRef: { 1: 'apiGroup:string', 2: 'kind:string', 3: 'name:string' },
  Subject: { 1: 'kind:string', 2: 'apiGroup:string', 3: 'name:string', 4: 'namespace:string' },
  RoleBinding: { 1: 'metadata:ObjectMeta', 2: 'subjects:Subject[]', 3: 'roleRef:RoleRef' },
  ClusterRoleBinding: { 1: 'metadata:ObjectMeta', 2: 'subjects:Subject[]', 3: 'roleRef:RoleRef' },
};
