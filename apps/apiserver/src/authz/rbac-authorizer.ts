/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): rules come from Roles, ClusterRoles and
 * their bindings held in memory by informers (indexed by subject, rebuilt lazily after changes), so
 * a decision never reads storage. Decisions are Allow (`RBAC: allowed by ClusterRoleBinding "x" of
 * ClusterRole "y" to User "bob"`) or NoOpinion (reason `RBAC: <resolution errors>` or empty).
 * Also the rule resolver (RulesFor) used by escalation checks and SelfSubjectRulesReview.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { UserInfo } from '../http/context';
import type { AuthorizationAttributes, AuthorizationDecision } from '../filters/types';
import type { Informer } from './informer';
import { describeSubject, PolicyRule, RoleRef, ruleAllows, SA_PREFIX, Subject, subjectAppliesTo, toPolicyRules } from './rules';

export interface RbacInformers {
  roles: Informer;
  clusterRoles: Informer;
  roleBindings: Informer;
  clusterRoleBindings: Informer;
}

interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

/** what a rule resolver returns: rules plus non-fatal resolution errors */
export interface ResolvedRules {
  rules: PolicyRule[];
  errors: string[];
}

export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): ResolvedRules;
  roleRefRules(ref: RoleRef, bindingNamespace: string): { rules: PolicyRule[]; error?: string };
}

function toBinding(o: KObject, kind: Binding['kind']): Binding {
  const ref = (o.roleRef ?? {}) as Record<string, unknown>;
  const subjects = Array.isArray(o.subjects) ? (o.subjects as Record<string, unknown>[]) : [];
  return {
    kind,
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    roleRef: { apiGroup: String(ref.apiGroup ?? ''), kind: String(ref.kind ?? ''), name: String(ref.name ?? '') },
    subjects: subjects.map((s) => ({
      kind: String(s.kind ?? ''),
      apiGroup: typeof s.apiGroup === 'string' ? s.apiGroup : undefined,
      name: String(s.name ?? ''),
      namespace: typeof s.namespace === 'string' ? s.namespace : undefined,
    })),
  };
}

/** index keys a subject answers to (service accounts resolved against the binding's namespace) */
function subjectKey(s: Subject, bindingNamespace: string): string | null {
  switch (s.kind) {
    case 'User':
      return `u:${s.name}`;
    case 'Group':
      return `g:${s.name}`;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns ? `u:${SA_PREFIX}${ns}:${s.name}` : null;
    }
    default:
      return null;
  }
}

class BindingIndex {
  private readonly bySubject = new Map<string, Binding[]>();
  /** per-user answers of for(), until the index is rebuilt (bounded) */
  private readonly memo = new Map<string, Binding[]>();
  add(b: Binding): void {
    const keys = new Set<string>();
    for (const s of b.subjects) {
      const k = subjectKey(s, b.namespace);
      if (k) keys.add(k);
    }
    for (const k of keys) {
      let l = this.bySubject.get(k);
      if (!l) this.bySubject.set(k, (l = []));
      l.push(b);
    }
  }
  /** bindings with a subject this user matches, each once, in name order */
  for(user: UserInfo): Binding[] {
    const memoKey = `${user.name}\u0000${user.groups.join('\u0000')}`;
    const hit = this.memo.get(memoKey);
    if (hit) return hit;
    const list = this.compute(user);
    if (this.memo.size >= 10_000) this.memo.clear();
    this.memo.set(memoKey, list);
    return list;
  }

  private compute(user: UserInfo): Binding[] {
    const out = new Set<Binding>();
    for (const b of this.bySubject.get(`u:${user.name}`) ?? []) out.add(b);
    for (const g of user.groups) for (const b of this.bySubject.get(`g:${g}`) ?? []) out.add(b);
    return [...out].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export class RbacAuthorizer implements RuleResolver {
  private clusterIndex?: BindingIndex;
  private nsIndex?: Map<string, BindingIndex>;
  private readonly rulesCache = new WeakMap<KObject, PolicyRule[]>();

  constructor(private readonly inf: RbacInformers) {
    const reset = () => {
      this.clusterIndex = undefined;
      this.nsIndex = undefined;
    };
    inf.roleBindings.onChange(reset);
    inf.clusterRoleBindings.onChange(reset);
  }

  private rulesOf(o: KObject): PolicyRule[] {
    let r = this.rulesCache.get(o);
    if (!r) this.rulesCache.set(o, (r = toPolicyRules(o.rules)));
    return r;
  }

  private indexes(): { cluster: BindingIndex; ns: Map<string, BindingIndex> } {
    if (!this.clusterIndex || !this.nsIndex) {
      const cluster = new BindingIndex();
      for (const o of this.inf.clusterRoleBindings.items.values()) cluster.add(toBinding(o, 'ClusterRoleBinding'));
      const ns = new Map<string, BindingIndex>();
      for (const o of this.inf.roleBindings.items.values()) {
        const b = toBinding(o, 'RoleBinding');
        let idx = ns.get(b.namespace);
        if (!idx) ns.set(b.namespace, (idx = new BindingIndex()));
        idx.add(b);
      }
      this.clusterIndex = cluster;
      this.nsIndex = ns;
    }
    return { cluster: this.clusterIndex, ns: this.nsIndex };
  }

  roleRefRules(ref: RoleRef, bindingNamespace: string): { rules: PolicyRule[]; error?: string } {
    if (ref.kind === 'Role') {
      const o = this.inf.roles.items.get(`${bindingNamespace}/${ref.name}`);
      if (!o) return { rules: [], error: `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found` };
      return { rules: this.rulesOf(o) };
    }
    if (ref.kind === 'ClusterRole') {
      const o = this.inf.clusterRoles.items.get(`/${ref.name}`);
      if (!o) return { rules: [], error: `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found` };
      return { rules: this.rulesOf(o) };
    }
    return { rules: [], error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
  }

  /**
   * VisitRulesFor: cluster role bindings, then the namespace's role bindings; the visitor returns
   * false to stop.
   */
  private visit(user: UserInfo, namespace: string, visitor: (source: () => string, rule: PolicyRule | null, err: string | null) => boolean): void {
    const { cluster, ns } = this.indexes();
    const lists: Binding[][] = [cluster.for(user)];
    if (namespace) lists.push(ns.get(namespace)?.for(user) ?? []);
    for (const list of lists) {
      for (const b of list) {
        const subject = b.subjects.find((s) => subjectAppliesTo(user, s, b.namespace));
        if (!subject) continue;
        const { rules, error } = this.roleRefRules(b.roleRef, b.namespace);
        if (error) {
          if (!visitor(() => '', null, error)) return;
          continue;
        }
        const source = () =>
          b.kind === 'ClusterRoleBinding'
            ? `ClusterRoleBinding ${JSON.stringify(b.name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}`
            : `RoleBinding ${JSON.stringify(`${b.name}/${b.namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, b.namespace)}`;
        for (const r of rules) if (!visitor(source, r, null)) return;
      }
    }
  }

  async authorize(user: UserInfo, attrs: AuthorizationAttributes): Promise<AuthorizationDecision> {
    return this.authorizeSync(user, attrs);
  }

  authorizeSync(user: UserInfo, attrs: AuthorizationAttributes): AuthorizationDecision {
    let allowedBy = '';
    const errors: string[] = [];
    this.visit(user, attrs.namespace, (source, rule, err) => {
      if (err) {
        errors.push(err);
        return true;
      }
      if (rule && ruleAllows(attrs, rule)) {
        allowedBy = source();
        return false;
      }
      return true;
    });
    if (allowedBy) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    if (errors.length === 0) return { allowed: false, reason: '' };
    return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
  }

  rulesFor(user: UserInfo, namespace: string): ResolvedRules {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visit(user, namespace, (_s, rule, err) => {
      if (err) errors.push(err);
      else if (rule) rules.push(rule);
      return true;
    });
    return { rules, errors };
  }
}
