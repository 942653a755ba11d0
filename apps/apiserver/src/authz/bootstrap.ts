/**
 * The `rbac/bootstrap-roles` post-start hook: create the default ClusterRoles and
 * ClusterRoleBindings, or reconcile existing ones that keep `rbac.authorization.kubernetes.io/autoupdate: "true"`
 * (missing labels, annotations, rules, aggregation selectors and subjects added; a changed roleRef
 * recreates the binding), as upstream's reconciliation. Idempotent and safe to run from several
 * replicas at once: AlreadyExists and Conflict mean another replica won, and we re-read.
 */
import { isStatusError } from '../../../../libs/apimachinery/src/status';
import { deepCopy, type KObject } from '../../../../libs/apimachinery/src/types';
import type { Store } from '../../../../libs/registry/src/store';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles } from './bootstrap-policy';
import { covers, toPolicyRules } from './rules';

const jsonEq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function mergeMeta(existing: KObject, expected: KObject): void {
  const m = existing.metadata;
  m.labels = { ...(expected.metadata.labels ?? {}), ...(m.labels ?? {}) };
  m.annotations = { ...(expected.metadata.annotations ?? {}), ...(m.annotations ?? {}) };
}

/** The reconciled role, or null when nothing needs changing. */
export function reconcileRole(existing: KObject, expected: KObject): KObject | null {
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return null;
  const out = deepCopy(existing);
  mergeMeta(out, expected);
  const expectedAgg = expected.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined;
  if (expectedAgg) {
    const agg = (out.aggregationRule ??= { clusterRoleSelectors: [] }) as { clusterRoleSelectors?: unknown[] };
    const sels = (agg.clusterRoleSelectors ??= []);
    for (const s of expectedAgg.clusterRoleSelectors ?? []) if (!sels.some((x) => jsonEq(x, s))) sels.push(s);
  } else {
    const { missing } = covers(toPolicyRules(out.rules), toPolicyRules(expected.rules));
    if (missing.length > 0) {
      const rules = Array.isArray(out.rules) ? (out.rules as unknown[]) : [];
      for (const r of toPolicyRules(expected.rules)) if (!covers(toPolicyRules(rules), [r]).covered) rules.push(r);
      out.rules = rules;
    }
  }
  return jsonEq(out, existing) ? null : out;
}

type SubjectJson = { kind?: string; name?: string; namespace?: string; apiGroup?: string };

export function reconcileBinding(existing: KObject, expected: KObject): { update: KObject | null; recreate: boolean } {
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return { update: null, recreate: false };
  if (!jsonEq(existing.roleRef, expected.roleRef)) return { update: null, recreate: true };
  const out = deepCopy(existing);
  mergeMeta(out, expected);
  const subjects = (Array.isArray(out.subjects) ? out.subjects : []) as SubjectJson[];
  for (const s of (expected.subjects ?? []) as SubjectJson[]) {
    if (!subjects.some((x) => x.kind === s.kind && x.name === s.name && (x.namespace ?? '') === (s.namespace ?? ''))) subjects.push(s);
  }
  if (subjects.length > 0) out.subjects = subjects;
  return { update: jsonEq(out, existing) ? null : out, recreate: false };
}

const code = (e: unknown) => (isStatusError(e) ? e.code : 0);

/** What to do with an existing object: write `update` (null: nothing), or delete it and start over. */
type Reconcile = (existing: KObject, expected: KObject) => { update: KObject | null; recreate: boolean };

/** Create `expected`, or reconcile the stored one; retried on conflicts (several replicas race). */
async function ensureObject(store: Store, expected: KObject, reconcile: Reconcile): Promise<void> {
  const name = expected.metadata.name!;
  const ns = expected.metadata.namespace ?? '';
  for (let i = 0; i < 5; i++) {
    let existing: KObject;
    try {
      existing = await store.get(ns, name);
    } catch (e) {
      if (code(e) !== 404) throw e;
      try {
        await store.create(ns, deepCopy(expected));
        return;
      } catch (e2) {
        if (code(e2) === 409) continue;
        throw e2;
      }
    }
    const { update, recreate } = reconcile(existing, expected);
    try {
      if (recreate) {
        await store.delete(ns, name, { preconditions: { uid: existing.metadata.uid } });
        continue;
      }
      if (update) await store.update(ns, name, () => update);
      return;
    } catch (e) {
      if (code(e) === 409 || code(e) === 404) continue;
      throw e;
    }
  }
}

const ensureRole = (store: Store, expected: KObject) => ensureObject(store, expected, (existing) => ({ update: reconcileRole(existing, expected), recreate: false }));
const ensureBinding = (store: Store, expected: KObject) => ensureObject(store, expected, reconcileBinding);

/**
 * Create or reconcile the whole default policy; the kube-system/kube-public Roles and RoleBindings
 * too when their stores are given (those namespaces must exist: callers retry).
 */
export async function ensureBootstrapPolicy(stores: { clusterRoles: Store; clusterRoleBindings: Store; roles?: Store; roleBindings?: Store }): Promise<void> {
  for (const r of bootstrapClusterRoles()) await ensureRole(stores.clusterRoles, r);
  for (const b of bootstrapClusterRoleBindings()) await ensureBinding(stores.clusterRoleBindings, b);
  if (stores.roles) for (const r of bootstrapNamespaceRoles()) await ensureRole(stores.roles, r);
  if (stores.roleBindings) for (const b of bootstrapNamespaceRoleBindings()) await ensureBinding(stores.roleBindings, b);
}
