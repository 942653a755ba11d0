/**
 * The default RBAC policy kube-apiserver 1.32 creates at start (plugin/pkg/auth/authorizer/rbac/
 * bootstrappolicy), written in our own form: the user-facing and system ClusterRoles, the
 * aggregated admin/edit/view roles, and the default ClusterRoleBindings. Every object carries the
 * `kubernetes.io/bootstrapping: rbac-defaults` label and `rbac.authorization.kubernetes.io/autoupdate: "true"`.
 * Also the kube-system / kube-public Roles and RoleBindings (leader locking, authentication reader,
 * bootstrap signer, token cleaner, cloud provider). Not included: the per-controller
 * `system:controller:*` ClusterRoles and their bindings.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { PolicyRule } from './rules';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

const legacy = '';
const apps = 'apps';
const autoscaling = 'autoscaling';
const batch = 'batch';
const extensions = 'extensions';
const policy = 'policy';
const networking = 'networking.k8s.io';
const coordination = 'coordination.k8s.io';
const authentication = 'authentication.k8s.io';
const authorization = 'authorization.k8s.io';
const certificates = 'certificates.k8s.io';
const storage = 'storage.k8s.io';
const discovery = 'discovery.k8s.io';
const events = 'events.k8s.io';
const rbac = 'rbac.authorization.k8s.io';

function rule(verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule {
  const r: PolicyRule = { verbs, apiGroups: groups, resources };
  if (names) r.resourceNames = names;
  return r;
}
const urls = (verbs: string[], ...paths: string[]): PolicyRule => ({ verbs, nonResourceURLs: paths });
const eventsRule = () => rule(['create', 'update', 'patch'], [legacy, events], ['events']);

function meta(name: string, labels: Record<string, string> = {}): KObject['metadata'] {
  return { name, labels: { [BOOTSTRAP_LABEL]: 'rbac-defaults', ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } };
}

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): KObject {
  return { apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: meta(name, labels), rules };
}

function aggregated(name: string, to: 'admin' | 'edit' | 'view', labels?: Record<string, string>): KObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRole',
    metadata: meta(name, labels),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(to)]: 'true' } }] },
    rules: [],
  };
}

/** Upstream's NodeRules(): what system:node (and the Node authorizer's generic part) grants. */
export function nodeRules(): PolicyRule[] {
  return [
    rule(['create'], [authentication], ['tokenreviews']),
    rule(['create'], [authorization], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    rule(READ, [legacy], ['services']),
    rule(['create', 'get', 'list', 'watch'], [legacy], ['nodes']),
    rule(['update', 'patch'], [legacy], ['nodes/status']),
    rule(['update', 'patch'], [legacy], ['nodes']),
    rule(['create', 'update', 'patch'], [legacy], ['events']),
    rule(READ, [legacy], ['pods']),
    rule(['create', 'delete'], [legacy], ['pods']),
    rule(['update', 'patch'], [legacy], ['pods/status']),
    rule(['create'], [legacy], ['pods/eviction']),
    rule(['get', 'list', 'watch'], [legacy], ['secrets', 'configmaps']),
    rule(['get'], [legacy], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [legacy], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], [certificates], ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [coordination], ['leases']),
    rule(['get'], [storage], ['volumeattachments']),
    rule(['create'], [legacy], ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], [legacy], ['persistentvolumeclaims/status']),
    rule(['get', 'watch', 'list'], [storage], ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [storage], ['csinodes']),
    rule(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
  ];
}

export function bootstrapClusterRoles(): KObject[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], '*')]),
    clusterRole('system:discovery', [urls(['get'], '/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/')]),
    clusterRole('system:monitoring', [urls(['get'], '/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*')]),
    clusterRole('system:basic-user', [
      rule(['create'], [authorization], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], [authentication], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], '/livez', '/readyz', '/healthz', '/version', '/version/')]),
    aggregated('admin', 'admin'),
    aggregated('edit', 'edit', { [AGGREGATE_TO('admin')]: 'true' }),
    aggregated('view', 'view', { [AGGREGATE_TO('edit')]: 'true' }),
    clusterRole(
      'system:aggregate-to-admin',
      [rule(['create'], [authorization], ['localsubjectaccessreviews']), rule(READ_WRITE, [rbac], ['roles', 'rolebindings'])],
      { [AGGREGATE_TO('admin')]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        rule(READ, [legacy], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        rule(['impersonate'], [legacy], ['serviceaccounts']),
        rule(WRITE, [legacy], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        rule(['create'], [legacy], ['pods/eviction']),
        rule(WRITE, [legacy], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
        rule(['create'], [legacy], ['serviceaccounts/token']),
        rule(WRITE, [apps], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
        rule(WRITE, [autoscaling], ['horizontalpodautoscalers']),
        rule(WRITE, [batch], ['jobs', 'cronjobs']),
        rule(WRITE, [extensions], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(WRITE, [policy], ['poddisruptionbudgets']),
        rule(WRITE, [networking], ['networkpolicies', 'ingresses']),
        rule(READ_WRITE, [coordination], ['leases']),
      ],
      { [AGGREGATE_TO('edit')]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        rule(READ, [legacy], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
        rule(READ, [legacy], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
        rule(READ, [legacy], ['namespaces']),
        rule(READ, [discovery], ['endpointslices']),
        rule(READ, [apps], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
        rule(READ, [autoscaling], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(READ, [batch], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
        rule(READ, [extensions], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(READ, [policy], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(READ, [networking], ['networkpolicies', 'ingresses', 'ingresses/status']),
      ],
      { [AGGREGATE_TO('view')]: 'true' },
    ),
    clusterRole('system:heapster', [rule(READ, [legacy], ['events', 'pods', 'nodes', 'namespaces'])]),
    clusterRole('system:node', nodeRules()),
    clusterRole('system:node-problem-detector', [rule(['get'], [legacy], ['nodes']), rule(['patch'], [legacy], ['nodes/status']), eventsRule()]),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [legacy], ['services', 'endpoints']),
      rule(['get'], [legacy], ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], [discovery], ['endpointslices']),
    ]),
    clusterRole('system:kubelet-api-admin', [
      rule(['get', 'list', 'watch'], [legacy], ['nodes']),
      rule(['proxy'], [legacy], ['nodes']),
      rule(['*'], [legacy], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [certificates], ['certificatesigningrequests'])]),
    clusterRole('system:auth-delegator', [rule(['create'], [authentication], ['tokenreviews']), rule(['create'], [authorization], ['subjectaccessreviews'])]),
    clusterRole('system:kube-aggregator', [rule(READ, [legacy], ['endpoints', 'services'])]),
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      rule(['create'], [coordination], ['leases']),
      rule(['get', 'update'], [coordination], ['leases'], ['kube-controller-manager']),
      rule(['create'], [legacy], ['secrets', 'serviceaccounts']),
      rule(['delete'], [legacy], ['secrets']),
      rule(['get'], [legacy], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      rule(['update'], [legacy], ['secrets', 'serviceaccounts']),
      rule(['create'], [authentication], ['tokenreviews']),
      rule(['create'], [authorization], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [legacy], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [rule(['list', 'watch'], [legacy], ['endpoints', 'services']), rule(['list', 'watch'], [discovery], ['endpointslices'])]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], [legacy], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [legacy], ['persistentvolumeclaims']),
      rule(['list', 'watch'], [storage], ['storageclasses']),
      rule(['watch'], [legacy], ['events']),
      eventsRule(),
    ]),
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      rule(['create'], [coordination], ['leases']),
      rule(['get', 'update'], [coordination], ['leases'], ['kube-scheduler']),
      rule(READ, [legacy], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [legacy], ['pods']),
      rule(['create'], [legacy], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [legacy], ['pods/status']),
      rule(READ, [legacy], ['services', 'replicationcontrollers']),
      rule(READ, [apps, extensions], ['replicasets']),
      rule(READ, [apps], ['statefulsets']),
      rule(READ, [policy], ['poddisruptionbudgets']),
      rule(READ, [legacy], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], [authentication], ['tokenreviews']),
      rule(['create'], [authorization], ['subjectaccessreviews']),
      rule(READ, [storage], ['csinodes']),
      rule(READ, [legacy], ['namespaces']),
      rule(READ, [storage], ['csidrivers']),
      rule(READ, [storage], ['csistoragecapacities']),
    ]),
    clusterRole('system:volume-scheduler', [
      rule(['get', 'list', 'watch', 'update', 'patch'], [legacy], ['persistentvolumes']),
      rule(READ, [storage], ['storageclasses']),
      rule(['get', 'list', 'watch', 'update', 'patch'], [legacy], ['persistentvolumeclaims']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], [certificates], ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], [certificates], ['certificatesigningrequests/selfnodeclient'])]),
    clusterRole('system:service-account-issuer-discovery', [
      urls(['get'], '/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'),
    ]),
  ];
}

type SubjectSpec = { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string };
const user = (name: string): SubjectSpec => ({ kind: 'User', name });
const group = (name: string): SubjectSpec => ({ kind: 'Group', name });

function binding(name: string, role: string, subjects: SubjectSpec[]): KObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
    ...(subjects.length ? { subjects: subjects.map((s) => (s.kind === 'ServiceAccount' ? { kind: s.kind, name: s.name, namespace: s.namespace } : { kind: s.kind, apiGroup: rbac, name: s.name })) } : {}),
  };
}

export function bootstrapClusterRoleBindings(): KObject[] {
  return [
    binding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    binding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
    binding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    binding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    binding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
    binding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
    binding('system:kube-dns', 'system:kube-dns', [{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }]),
    binding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
    binding('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
    binding('system:node', 'system:node', []),
    binding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  ];
}

function role(namespace: string, name: string, rules: PolicyRule[]): KObject {
  return { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: { ...meta(name), namespace }, rules };
}

function roleBinding(namespace: string, name: string, roleName: string, subjects: SubjectSpec[]): KObject {
  const b = binding(name, roleName, subjects);
  return { ...b, kind: 'RoleBinding', metadata: { ...b.metadata, namespace }, roleRef: { apiGroup: rbac, kind: 'Role', name: roleName } };
}

const sa = (name: string): SubjectSpec => ({ kind: 'ServiceAccount', name, namespace: 'kube-system' });

/** Upstream's NamespaceRoles: Roles in kube-system and kube-public. */
export function bootstrapNamespaceRoles(): KObject[] {
  return [
    role('kube-system', 'extension-apiserver-authentication-reader', [rule(READ, [legacy], ['configmaps'], ['extension-apiserver-authentication'])]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', [rule(['watch'], [legacy], ['configmaps']), rule(['get', 'update'], [legacy], ['configmaps'], ['kube-controller-manager'])]),
    role('kube-system', 'system::leader-locking-kube-scheduler', [rule(['watch'], [legacy], ['configmaps']), rule(['get', 'update'], [legacy], ['configmaps'], ['kube-scheduler'])]),
    role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, [legacy], ['secrets'])]),
    role('kube-system', 'system:controller:cloud-provider', [rule(['create', 'get', 'list', 'watch'], [legacy], ['configmaps'])]),
    role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [legacy], ['secrets']), eventsRule()]),
    role('kube-public', 'system:controller:bootstrap-signer', [rule(READ, [legacy], ['configmaps']), rule(['update'], [legacy], ['configmaps'], ['cluster-info']), eventsRule()]),
  ];
}

/** Upstream's NamespaceRoleBindings. */
export function bootstrapNamespaceRoleBindings(): KObject[] {
  return [
    roleBinding('kube-system', 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [user('system:kube-controller-manager'), user('system:kube-scheduler')]),
    roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', [user('system:kube-controller-manager'), sa('kube-controller-manager')]),
    roleBinding('kube-system', 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [user('system:kube-scheduler'), sa('kube-scheduler')]),
    roleBinding('kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [sa('bootstrap-signer')]),
    roleBinding('kube-system', 'system:controller:cloud-provider', 'system:controller:cloud-provider', [sa('cloud-provider')]),
    roleBinding('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [sa('token-cleaner')]),
    roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [sa('bootstrap-signer')]),
  ];
}
