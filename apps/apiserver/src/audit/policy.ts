/**
 * audit.k8s.io/v1 Policy: loading with upstream's checks and the rule matching of
 * k8s.io/apiserver/pkg/audit/policy/checker.go (first matching rule wins; no match = None).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { RequestInfo, UserInfo } from '../http/context';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const AUDIT_LEVELS: AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const AUDIT_STAGES: AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** What the policy decided for one request. */
export interface RequestAuditConfig {
  level: AuditLevel;
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

export class AuditPolicyError extends Error {}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new AuditPolicyError(`${path}: Invalid value: must be a list of strings`);
  return v as string[];
}

function stages(v: unknown, path: string): AuditStage[] | undefined {
  const s = strings(v, path);
  s?.forEach((x, i) => {
    if (!AUDIT_STAGES.includes(x as AuditStage)) {
      throw new AuditPolicyError(`${path}[${i}]: Unsupported value: "${x}": supported values: "${AUDIT_STAGES.join('", "')}"`);
    }
  });
  return s as AuditStage[] | undefined;
}

function parseRule(r: unknown, i: number): PolicyRule {
  const path = `rules[${i}]`;
  if (!isObj(r)) throw new AuditPolicyError(`${path}: Invalid value: must be an object`);
  const level = r.level;
  if (level === undefined || level === '') throw new AuditPolicyError(`${path}.level: Required value`);
  if (!AUDIT_LEVELS.includes(level as AuditLevel)) {
    throw new AuditPolicyError(`${path}.level: Unsupported value: "${String(level)}": supported values: "${AUDIT_LEVELS.join('", "')}"`);
  }
  const rule: PolicyRule = { level: level as AuditLevel };
  const users = strings(r.users, `${path}.users`);
  const userGroups = strings(r.userGroups, `${path}.userGroups`);
  const verbs = strings(r.verbs, `${path}.verbs`);
  const namespaces = strings(r.namespaces, `${path}.namespaces`);
  const nonResourceURLs = strings(r.nonResourceURLs, `${path}.nonResourceURLs`);
  if (users) rule.users = users;
  if (userGroups) rule.userGroups = userGroups;
  if (verbs) rule.verbs = verbs;
  if (namespaces) rule.namespaces = namespaces;
  if (nonResourceURLs) rule.nonResourceURLs = nonResourceURLs;
  if (r.resources !== undefined && r.resources !== null) {
    if (!Array.isArray(r.resources)) throw new AuditPolicyError(`${path}.resources: Invalid value: must be a list`);
    rule.resources = r.resources.map((g, j) => {
      if (!isObj(g)) throw new AuditPolicyError(`${path}.resources[${j}]: Invalid value: must be an object`);
      const gr: GroupResources = {};
      if (g.group !== undefined) gr.group = String(g.group);
      const res = strings(g.resources, `${path}.resources[${j}].resources`);
      const names = strings(g.resourceNames, `${path}.resources[${j}].resourceNames`);
      if (res) gr.resources = res;
      if (names) gr.resourceNames = names;
      return gr;
    });
  }
  if ((rule.nonResourceURLs?.length ?? 0) > 0 && ((rule.resources?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0)) {
    throw new AuditPolicyError(`${path}.nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs`);
  }
  const omit = stages(r.omitStages, `${path}.omitStages`);
  if (omit) rule.omitStages = omit;
  if (typeof r.omitManagedFields === 'boolean') rule.omitManagedFields = r.omitManagedFields;
  return rule;
}

export function parseAuditPolicy(text: string, source = 'policy'): AuditPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new AuditPolicyError(`failed decoding file "${source}": ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new AuditPolicyError(`failed decoding file "${source}": not an object`);
  if (doc.kind !== 'Policy') throw new AuditPolicyError(`failed decoding file "${source}": unexpected kind "${String(doc.kind ?? '')}", expected Policy`);
  const av = doc.apiVersion;
  if (av !== 'audit.k8s.io/v1') throw new AuditPolicyError(`failed decoding file "${source}": no kind "Policy" is registered for version "${String(av ?? '')}"`);
  const rules = Array.isArray(doc.rules) ? doc.rules.map(parseRule) : [];
  if (rules.length === 0) throw new AuditPolicyError(`loaded illegal policy with 0 rules from file ${source}`);
  const policy: AuditPolicy = { rules };
  const omit = stages(doc.omitStages, 'omitStages');
  if (omit) policy.omitStages = omit;
  if (typeof doc.omitManagedFields === 'boolean') policy.omitManagedFields = doc.omitManagedFields;
  return policy;
}

export function loadAuditPolicy(file: string): AuditPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AuditPolicyError(`failed to read file path "${file}": ${(e as Error).message}`);
  }
  return parseAuditPolicy(text, file);
}

/** Used without --audit-policy-file when a backend is configured: everything at Metadata. */
export const METADATA_POLICY: AuditPolicy = { rules: [{ level: 'Metadata' }] };

function ruleMatchesNonResource(r: PolicyRule, info: RequestInfo): boolean {
  if (info.isResourceRequest) return false;
  const path = info.path;
  for (const spec of r.nonResourceURLs ?? []) {
    if (spec === '*' || spec === path) return true;
    if (spec.endsWith('*') && path.startsWith(spec.slice(0, -1))) return true;
  }
  return false;
}

function ruleMatchesResource(r: PolicyRule, info: RequestInfo): boolean {
  if (!info.isResourceRequest) return false;
  if ((r.namespaces?.length ?? 0) > 0 && !r.namespaces!.includes(info.namespace)) return false;
  if ((r.resources?.length ?? 0) === 0) return true;
  const { apiGroup, resource, subresource, name } = info;
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const gr of r.resources!) {
    if ((gr.group ?? '') !== apiGroup) continue;
    if ((gr.resources?.length ?? 0) === 0) return true;
    for (const res of gr.resources!) {
      if ((gr.resourceNames?.length ?? 0) > 0 && !gr.resourceNames!.includes(name)) continue;
      if (res === combined || res === '*') return true;
      if (subresource && res.startsWith('*/') && subresource === res.slice(2)) return true;
      if (res.endsWith('/*') && resource === res.slice(0, -2)) return true;
    }
  }
  return false;
}

export function ruleMatches(r: PolicyRule, user: UserInfo | undefined, info: RequestInfo): boolean {
  if ((r.users?.length ?? 0) > 0 && !(user && r.users!.includes(user.name))) return false;
  if ((r.userGroups?.length ?? 0) > 0 && !(user && user.groups.some((g) => r.userGroups!.includes(g)))) return false;
  if ((r.verbs?.length ?? 0) > 0 && !r.verbs!.includes(info.verb)) return false;
  if ((r.namespaces?.length ?? 0) > 0 || (r.resources?.length ?? 0) > 0) return ruleMatchesResource(r, info);
  if ((r.nonResourceURLs?.length ?? 0) > 0) return ruleMatchesNonResource(r, info);
  return true;
}

/** The level and stages for a request: the first matching rule, else None. */
export function evaluatePolicy(policy: AuditPolicy, user: UserInfo | undefined, info: RequestInfo): RequestAuditConfig {
  for (const r of policy.rules) {
    if (ruleMatches(r, user, info)) {
      const omit = new Set<AuditStage>([...(policy.omitStages ?? []), ...(r.omitStages ?? [])]);
      return { level: r.level, omitStages: [...omit], omitManagedFields: r.omitManagedFields ?? policy.omitManagedFields ?? false };
    }
  }
  return { level: 'None', omitStages: [], omitManagedFields: false };
}
