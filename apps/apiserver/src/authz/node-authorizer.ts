/**
 * A minimal Node authorizer (plugin/pkg/auth/authorizer/node) for kubelets: users `system:node:<name>`
 * in group `system:nodes`. Simplified graph: instead of upstream's full object graph, the pods bound
 * to a node (spec.nodeName, from an in-memory pod informer) are walked on each check for the
 * secrets, configmaps, persistentvolumeclaims and service accounts they reference. Rules:
 * - secrets, configmaps (get/list/watch of a named object), persistentvolumeclaims (get) and
 *   serviceaccounts/token (create): only when referenced by a pod on the node, else NoOpinion
 *   `no relationship found between node '<name>' and this object`;
 * - everything else: upstream's NodeRules (system:node's rules: get/list/watch nodes and pods,
 *   update node status, create events, leases, ...); not the per-object checks of the
 *   NodeRestriction admission plugin (not implemented), nor persistentvolumes, volumeattachments
 *   or resource claims.
 * Requests from other users: NoOpinion.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { UserInfo } from '../http/context';
import type { AuthorizationAttributes } from '../filters/types';
import { nodeRules } from './bootstrap-policy';
import type { Informer } from './informer';
import { ruleAllows } from './rules';
import type { Decision, RuleResolvingAuthorizer, UserRules } from './union';

const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';

/** NodeIdentity: the node name, '' for a node user without a name, null for a non-node user. */
export function nodeIdentity(user: UserInfo): string | null {
  if (!user.groups.includes(NODES_GROUP)) return null;
  if (!user.name.startsWith(NODE_PREFIX)) return null;
  return user.name.slice(NODE_PREFIX.length);
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(o) : []);
const s = (v: unknown): string => (typeof v === 'string' ? v : '');

/** `kind/namespace/name` of every secret, configmap, pvc and service account a pod references. */
export function podReferences(pod: KObject): Set<string> {
  const ns = pod.metadata.namespace ?? '';
  const out = new Set<string>();
  const add = (kind: string, name: string) => name && out.add(`${kind}/${ns}/${name}`);
  const spec = o(pod.spec);
  add('serviceaccounts', s(spec.serviceAccountName) || 'default');
  for (const r of list(spec.imagePullSecrets)) add('secrets', s(r.name));
  for (const v of list(spec.volumes)) {
    add('secrets', s(o(v.secret).secretName));
    add('configmaps', s(o(v.configMap).name));
    add('persistentvolumeclaims', s(o(v.persistentVolumeClaim).claimName));
    for (const src of list(o(v.projected).sources)) {
      add('secrets', s(o(src.secret).name));
      add('configmaps', s(o(src.configMap).name));
    }
    for (const k of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'storageos', 'iscsi', 'csi']) add('secrets', s(o(o(v[k]).secretRef).name) || s(o(o(v[k]).nodePublishSecretRef).name));
  }
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) {
    for (const e of list(c.envFrom)) {
      add('secrets', s(o(e.secretRef).name));
      add('configmaps', s(o(e.configMapRef).name));
    }
    for (const e of list(c.env)) {
      const from = o(e.valueFrom);
      add('secrets', s(o(from.secretKeyRef).name));
      add('configmaps', s(o(from.configMapKeyRef).name));
    }
  }
  return out;
}

export class NodeAuthorizer implements RuleResolvingAuthorizer {
  private readonly rules = nodeRules();
  /** node name → pod keys */
  private readonly byNode = new Map<string, Set<string>>();

  constructor(private readonly pods: Informer) {
    pods.onChange((type, pod, old) => {
      if (old) this.byNode.get(s(o(old.spec).nodeName))?.delete(key(old));
      if (type !== 'DELETED') {
        const node = s(o(pod.spec).nodeName);
        if (!node) return;
        let set = this.byNode.get(node);
        if (!set) this.byNode.set(node, (set = new Set()));
        set.add(key(pod));
      }
    });
  }

  hasPathFrom(node: string, resource: string, namespace: string, name: string): boolean {
    const want = `${resource}/${namespace}/${name}`;
    for (const k of this.byNode.get(node) ?? []) {
      const pod = this.pods.items.get(k);
      if (pod && podReferences(pod).has(want)) return true;
    }
    return false;
  }

  async authorize(user: UserInfo, attrs: AuthorizationAttributes): Promise<Decision> {
    const node = nodeIdentity(user);
    if (node === null) return { allowed: false };
    if (node === '') return { allowed: false, reason: 'unknown node' };
    if (attrs.isResourceRequest && attrs.apiGroup === '') {
      const noPath = { allowed: false, reason: `no relationship found between node '${node}' and this object` };
      const graph = (resource: string): Decision => {
        if (!attrs.name) return { allowed: false, reason: 'No Object name found' };
        return this.hasPathFrom(node, resource, attrs.namespace, attrs.name) ? { allowed: true } : noPath;
      };
      switch (attrs.resource) {
        case 'secrets':
        case 'configmaps':
          if (!['get', 'list', 'watch'].includes(attrs.verb)) return { allowed: false, reason: 'can only read resources of this type' };
          if (attrs.subresource) return { allowed: false, reason: 'cannot read subresource' };
          if (!attrs.namespace) return { allowed: false, reason: 'can only read namespaced object of this type' };
          return graph(attrs.resource);
        case 'persistentvolumeclaims':
          if (attrs.subresource === 'status' && ['get', 'update', 'patch'].includes(attrs.verb)) return graph('persistentvolumeclaims');
          if (attrs.verb !== 'get') return { allowed: false, reason: 'can only get individual resources of this type' };
          if (attrs.subresource) return { allowed: false, reason: 'cannot get subresource' };
          return graph('persistentvolumeclaims');
        case 'persistentvolumes':
          return { allowed: false, reason: `no relationship found between node '${node}' and this object` };
        case 'serviceaccounts':
          if (attrs.subresource === 'token' && attrs.verb === 'create') return graph('serviceaccounts');
          break;
      }
    }
    if (this.rules.some((r) => ruleAllows(attrs, r))) return { allowed: true };
    return { allowed: false };
  }

  rulesFor(user: UserInfo): UserRules {
    if (nodeIdentity(user) !== null) return { resourceRules: [], nonResourceRules: [], incomplete: true, errors: ['node authorizer does not support user rule resolution'] };
    return { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };
  }
}

function key(pod: KObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}
