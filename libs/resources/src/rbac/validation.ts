/**
 * rbac.authorization.k8s.io/v1 validation and defaulting (pkg/apis/rbac/validation and v1 defaults):
 * policy rules, role refs (immutable), subjects, aggregation rules, with upstream field paths.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { validateLabelSelector } from '../../../apimachinery/src/validation/label-selector';
import { isValidPathSegmentName } from '../../../apimachinery/src/validation/path-segment';
import { validateName } from '../../../apimachinery/src/validation/names';
import { isObject, obj, objs, str, strs } from '../common/json';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** SetDefaults_Subject / SetDefaults_(Cluster)RoleBinding: empty apiGroups as upstream v1 defaults them. */
export function defaultBinding(o: KObject): void {
  const ref = obj(o.roleRef);
  if (ref && !str(ref.apiGroup)) ref.apiGroup = RBAC_GROUP;
  for (const s of objs(o.subjects)) {
    if (str(s.apiGroup)) continue;
    // Subject.apiGroup is omitempty: a ServiceAccount's "" is not serialized
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else delete s.apiGroup;
  }
}

export function validatePolicyRule(rule: unknown, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = isObject(rule) ? rule : {};
  if (strs(r.verbs).length === 0) errs.push(fieldErrors.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = strs(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(fieldErrors.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (strs(r.apiGroups).length > 0 || strs(r.resources).length > 0 || strs(r.resourceNames).length > 0) {
      errs.push(fieldErrors.invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (strs(r.apiGroups).length === 0) errs.push(fieldErrors.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (strs(r.resources).length === 0) errs.push(fieldErrors.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRules(o: KObject, namespaced: boolean): FieldError[] {
  return objs(o.rules).flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

export function validateAggregationRule(o: KObject): FieldError[] {
  if (o.aggregationRule === undefined || o.aggregationRule === null) return [];
  const rule = obj(o.aggregationRule) ?? {};
  const selectors = Array.isArray(rule.clusterRoleSelectors) ? rule.clusterRoleSelectors : [];
  if (selectors.length === 0) {
    return [fieldErrors.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  }
  return selectors.flatMap((s, i) => validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`));
}

function validateSubject(s: Record<string, unknown>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.name);
  const apiGroup = str(s.apiGroup);
  if (!name) errs.push(fieldErrors.required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const msg of validateName('dns1123Subdomain', name)) errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
      if (apiGroup) errs.push(fieldErrors.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !str(s.namespace)) errs.push(fieldErrors.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(fieldErrors.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErrors.notSupported(`${path}.kind`, str(s.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

export function validateBinding(o: KObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = obj(o.roleRef) ?? {};
  if (str(ref.apiGroup) !== RBAC_GROUP) errs.push(fieldErrors.notSupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(fieldErrors.notSupported('roleRef.kind', str(ref.kind), kinds));
  const name = str(ref.name);
  if (!name) errs.push(fieldErrors.required('roleRef.name'));
  else for (const msg of isValidPathSegmentName(name)) errs.push(fieldErrors.invalid('roleRef.name', name, msg));
  objs(o.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

/** roleRef is immutable: `cannot change roleRef` (Go's %v of the RoleRef struct as the value). */
export function validateBindingUpdate(o: KObject, old: KObject, namespaced: boolean): FieldError[] {
  const errs = validateBinding(o, namespaced);
  const a = obj(o.roleRef) ?? {};
  const b = obj(old.roleRef) ?? {};
  if (str(a.apiGroup) !== str(b.apiGroup) || str(a.kind) !== str(b.kind) || str(a.name) !== str(b.name)) {
    errs.push(fieldErrors.invalid('roleRef', { apiGroup: str(a.apiGroup), kind: str(a.kind), name: str(a.name) }, 'cannot change roleRef'));
  }
  return errs;
}
