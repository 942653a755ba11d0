import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../apimachinery/src/types';
import { clusterRoleBindingsDefinition, clusterRolesDefinition, roleBindingsDefinition, rolesDefinition } from './rbac';

const role = (rules: unknown[]): KObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'x' }, rules });
const binding = (rest: Record<string, unknown>): KObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'x' }, ...rest });

describe('roles', () => {
  it('validates policy rules with upstream field paths', () => {
    const v = rolesDefinition().strategy.validate!;
    expect(v(role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]))).toEqual([]);
    expect(v(role([{ apiGroups: [''], resources: ['pods'] }])).map((e) => [e.field, e.detail])).toEqual([['rules[0].verbs', 'verbs must contain at least one value']]);
    expect(v(role([{ verbs: ['get'] }])).map((e) => e.field)).toEqual(['rules[0].apiGroups', 'rules[0].resources']);
    expect(v(role([{ verbs: ['get'], nonResourceURLs: ['/x'] }])).map((e) => e.detail)).toEqual(['namespaced rules cannot apply to non-resource URLs']);
    const cr = clusterRolesDefinition().strategy.validate!;
    expect(cr({ ...role([{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }]), metadata: { name: 'c' } }).map((e) => e.detail)).toEqual([
      'rules cannot apply to both regular resources and non-resource URLs',
    ]);
    expect(cr({ ...role([]), metadata: { name: 'c' }, aggregationRule: {} }).map((e) => e.field)).toEqual(['aggregationRule.clusterRoleSelectors']);
  });

  it('prints Name and Created At', () => {
    const t = rolesDefinition().table!;
    expect(t.columns.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(t.cells({ ...role([]), metadata: { name: 'r', creationTimestamp: '2024-01-02T03:04:05Z' } }, new Date())).toEqual(['r', '2024-01-02T03:04:05Z']);
  });
});

describe('bindings', () => {
  const ref = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' };
  it('defaults apiGroups and validates roleRef and subjects', () => {
    const d = roleBindingsDefinition();
    const b = binding({ roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'bob' }, { kind: 'ServiceAccount', name: 'sa' }] });
    d.strategy.default!(b);
    expect(b.roleRef).toEqual(ref);
    expect(b.subjects).toEqual([{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'sa' }]);
    expect(d.strategy.validate!(b)).toEqual([]);
    const bad = d.strategy.validate!(binding({ roleRef: { apiGroup: 'x', kind: 'Foo', name: '' }, subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'User', name: '' , apiGroup: 'rbac.authorization.k8s.io' }] }));
    expect(bad.map((e) => e.field)).toEqual(['roleRef.apiGroup', 'roleRef.kind', 'roleRef.name', 'subjects[0].kind', 'subjects[1].name']);
    const crb = clusterRoleBindingsDefinition().strategy.validate!({ ...binding({ roleRef: ref, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }), metadata: { name: 'c' } });
    expect(crb.map((e) => [e.field, e.type])).toEqual([
      ['roleRef.kind', 'FieldValueNotSupported'],
      ['subjects[0].namespace', 'FieldValueRequired'],
    ]);
  });

  it('keeps roleRef immutable', () => {
    const d = roleBindingsDefinition();
    const errs = d.strategy.validateUpdate!(binding({ roleRef: { ...ref, name: 'other' } }), binding({ roleRef: ref }));
    expect(errs.map((e) => [e.field, e.detail])).toEqual([['roleRef', 'cannot change roleRef']]);
  });

  it('prints Role, Users, Groups and ServiceAccounts', () => {
    const t = roleBindingsDefinition().table!;
    expect(t.columns.map((c) => c.name)).toEqual(['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    const cells = t.cells(
      binding({ roleRef: ref, subjects: [{ kind: 'User', name: 'bob' }, { kind: 'User', name: 'al' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'x' }] }),
      new Date(),
    );
    expect([cells[1], cells[3], cells[4], cells[5]]).toEqual(['Role/r', 'bob, al', 'g', 'x:sa']);
  });
});
