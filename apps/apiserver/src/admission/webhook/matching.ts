/**
 * Which admission webhooks (and policies) apply to a request, as upstream's
 * admission/plugin/webhook/predicates: rules (operations, apiGroups, apiVersions, resources with
 * subresources and wildcards, scope), matchPolicy, namespaceSelector and objectSelector.
 */
import { KObject } from '../../../../../libs/apimachinery/src/types';
import { labelSelectorAsSelector, MetaLabelSelector } from '../../../../../libs/apimachinery/src/selectors/meta-label-selector';

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

/** What a request looks like to the matchers. */
export interface MatchRequest {
  operation: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespaced: boolean;
  namespace: string;
  name: string;
  object?: KObject;
  oldObject?: KObject;
}

const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

/** rules.Matcher: resource `*` = all resources, `*\/*` = all with subresources, `pods/*`, `*\/status`. */
export function resourceMatches(patterns: string[] | undefined, resource: string, subresource: string): boolean {
  for (const p of patterns ?? []) {
    const [pr, ps = ''] = p.split('/', 2) as [string, string?];
    const slash = p.includes('/');
    if (!slash) {
      if (subresource === '' && (pr === '*' || pr === resource)) return true;
      continue;
    }
    if ((pr === '*' || pr === resource) && (ps === '*' || ps === subresource)) return true;
  }
  return false;
}

export function scopeMatches(scope: string | undefined, namespaced: boolean): boolean {
  if (!scope || scope === '*') return true;
  return scope === 'Namespaced' ? namespaced : !namespaced;
}

/**
 * One rule against the request. With `versions` (matchPolicy Equivalent) the rule's apiVersions may
 * name any version the same group/resource is served in.
 */
export function ruleMatches(rule: RuleWithOperations, r: MatchRequest, versions?: string[]): boolean {
  if (!has(rule.operations, r.operation)) return false;
  if (!has(rule.apiGroups, r.group)) return false;
  const versionOk = has(rule.apiVersions, r.version) || (versions ?? []).some((v) => has(rule.apiVersions, v));
  if (!versionOk) return false;
  if (!resourceMatches(rule.resources, r.resource, r.subresource)) return false;
  return scopeMatches(rule.scope, r.namespaced);
}

export function rulesMatch(rules: RuleWithOperations[] | undefined, r: MatchRequest, matchPolicy: string | undefined, versions: () => string[]): boolean {
  return matchingVersion(rules, r, matchPolicy, versions) !== undefined;
}

/**
 * The version a webhook sees the request in (upstream's ShouldCallHook): the request's own when a
 * rule names it; else, with matchPolicy Equivalent, the first other served version of the same
 * resource a rule names (rules in order, then versions); undefined when nothing matches.
 */
export function matchingVersion(rules: RuleWithOperations[] | undefined, r: MatchRequest, matchPolicy: string | undefined, versions: () => string[]): string | undefined {
  if ((rules ?? []).some((rule) => ruleMatches(rule, r))) return r.version;
  if ((matchPolicy ?? 'Equivalent') !== 'Equivalent') return undefined;
  const others = versions().filter((v) => v !== r.version);
  for (const rule of rules ?? []) for (const v of others) if (ruleMatches(rule, { ...r, version: v })) return v;
  return undefined;
}

function selectorMatches(sel: MetaLabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  return labelSelectorAsSelector(sel).matches(labels ?? {});
}

/**
 * namespaceSelector: namespaced requests are judged by their namespace's labels; a Namespace itself
 * by its own labels; other cluster-scoped objects always match.
 */
export function namespaceSelectorMatches(
  sel: MetaLabelSelector | undefined,
  r: MatchRequest,
  namespaceLabels: (ns: string) => Record<string, string> | undefined,
): boolean {
  if (!sel) return true;
  if (r.group === '' && r.resource === 'namespaces' && !r.namespaced) {
    const o = r.object ?? r.oldObject;
    return selectorMatches(sel, o?.metadata.labels);
  }
  if (!r.namespaced || r.namespace === '') return true;
  return selectorMatches(sel, namespaceLabels(r.namespace));
}

/** objectSelector: matches when either the new or the old object's labels match. */
export function objectSelectorMatches(sel: MetaLabelSelector | undefined, r: MatchRequest): boolean {
  if (!sel) return true;
  const objs = [r.object, r.oldObject].filter((o): o is KObject => !!o);
  if (objs.length === 0) return selectorMatches(sel, {});
  return objs.some((o) => selectorMatches(sel, o.metadata.labels));
}
