/**
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) with its bindings: policies and
 * bindings are followed in memory; a request matched by a binding (and its policy's
 * matchConstraints) is checked by each validation's CEL expression. Denials read as upstream:
 * `ValidatingAdmissionPolicy 'p' with binding 'b' denied request: <message>` with the code of the
 * validation's reason (Invalid 422, Forbidden 403, Unauthorized 401, RequestEntityTooLarge 413);
 * `Warn` adds a Warning header; `Audit` is accepted (no audit annotation yet). A request matched
 * through another version (matchPolicy Equivalent) is seen in the version the policy's rule names.
 */
import { StatusError, StatusReason } from '../../../../../libs/apimachinery/src/status';
import { AdmissionAttributes, AdmissionHook, Store } from '../../../../../libs/registry/src/store';
import { Informer } from '../webhook/informer';
import { MatchRequest, namespaceSelectorMatches, objectSelectorMatches, RuleWithOperations, ruleMatches } from '../webhook/matching';
import { addWarnings, annotate, buildAdmissionRequest, equivalentViewOf, matchRequestOf, VersionConverter } from '../webhook/request';
import { evaluate, evaluateBool, evaluateString } from './cel';

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type NamedRule = RuleWithOperations & { resourceNames?: string[] };

export interface MatchResources {
  namespaceSelector?: Selector;
  objectSelector?: Selector;
  resourceRules?: NamedRule[];
  excludeResourceRules?: NamedRule[];
  matchPolicy?: string;
}

interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

interface PolicySpec {
  failurePolicy?: 'Fail' | 'Ignore';
  matchConstraints?: MatchResources;
  validations?: Validation[];
  matchConditions?: { name: string; expression: string }[];
  variables?: { name: string; expression: string }[];
  paramKind?: { apiVersion?: string; kind?: string };
}

interface BindingSpec {
  policyName?: string;
  paramRef?: { name?: string; namespace?: string; parameterNotFoundAction?: string };
  matchResources?: MatchResources;
  validationActions?: string[];
}

export interface PolicyDeps {
  storeFor(group: string, version: string, plural: string): Store | undefined;
  versionsOf(group: string, resource: string): string[];
  /** the store serving `apiVersion`/`kind` (paramKind) */
  storeForKind?(apiVersion: string, kind: string): Store | undefined;
  /** objects of another served version (matchPolicy Equivalent), as for webhooks */
  converter?: VersionConverter;
}

type AuditFailure = { message: string; policy: string; binding: string; expressionIndex?: number; validationActions: string[] };

const CODE: Record<string, number> = { Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413, Invalid: 422 };

export class ValidatingAdmissionPolicyPlugin {
  readonly policies: Informer;
  readonly bindings: Informer;
  readonly namespaces: Informer;

  constructor(private readonly deps: PolicyDeps) {
    const ar = (plural: string) => () => deps.storeFor('admissionregistration.k8s.io', 'v1', plural);
    this.policies = new Informer(ar('validatingadmissionpolicies'));
    this.bindings = new Informer(ar('validatingadmissionpolicybindings'));
    this.namespaces = new Informer(() => deps.storeFor('', 'v1', 'namespaces'));
  }

  stop(): void {
    this.policies.stop();
    this.bindings.stop();
    this.namespaces.stop();
  }

  hook(): AdmissionHook {
    return (a) => this.validate(a);
  }

  matchesResources(m: MatchResources | undefined, r: MatchRequest): boolean {
    if (!m) return true;
    const versions = () => this.deps.versionsOf(r.group, r.resource);
    const eq = (m.matchPolicy ?? 'Equivalent') === 'Equivalent';
    const named = (rule: NamedRule) => ruleMatches(rule, r, eq ? versions() : undefined) && (!rule.resourceNames?.length || rule.resourceNames.includes(r.name || r.object?.metadata.name || ''));
    if (m.resourceRules && !m.resourceRules.some(named)) return false;
    if ((m.excludeResourceRules ?? []).some(named)) return false;
    try {
      if (!namespaceSelectorMatches(m.namespaceSelector, r, (ns) => this.namespaces.get('', ns)?.metadata.labels)) return false;
      return objectSelectorMatches(m.objectSelector, r);
    } catch {
      return false;
    }
  }

  /**
   * The version the policy sees the request in (upstream's matching of matchConstraints): the
   * request's own when a resource rule names it, else with matchPolicy Equivalent the first other
   * served version a rule names.
   */
  matchedVersion(m: MatchResources, r: MatchRequest): string {
    const named = (rule: NamedRule, rr: MatchRequest) => ruleMatches(rule, rr) && (!rule.resourceNames?.length || rule.resourceNames.includes(rr.name || rr.object?.metadata.name || ''));
    const rules = m.resourceRules ?? [];
    if (rules.some((rule) => named(rule, r)) || (m.matchPolicy ?? 'Equivalent') !== 'Equivalent') return r.version;
    const others = this.deps.versionsOf(r.group, r.resource).filter((v) => v !== r.version);
    for (const rule of rules) for (const v of others) if (named(rule, { ...r, version: v })) return v;
    return r.version;
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.def.group === 'admissionregistration.k8s.io') return;
    await Promise.all([this.policies.ready(), this.bindings.ready()]);
    const bindings = this.bindings.list();
    if (bindings.length === 0) return;
    await this.namespaces.ready();
    const r = matchRequestOf(a);
    const requests = new Map<string, ReturnType<typeof buildAdmissionRequest>>();
    const sorted = bindings.sort((x, y) => ((x.metadata.name ?? '') < (y.metadata.name ?? '') ? -1 : 1));
    const audits: AuditFailure[] = [];
    try {
      for (const b of sorted) {
      const bspec = ((b as { spec?: BindingSpec }).spec ?? {}) as BindingSpec;
      const policy = this.policies.get('', bspec.policyName ?? '');
      if (!policy) continue;
      const pspec = ((policy as { spec?: PolicySpec }).spec ?? {}) as PolicySpec;
      if (!pspec.matchConstraints || !this.matchesResources(pspec.matchConstraints, r)) continue;
      if (bspec.matchResources && !this.matchesResources(bspec.matchResources, r)) continue;
      const version = this.matchedVersion(pspec.matchConstraints, r);
      let request = requests.get(version);
      if (!request) requests.set(version, (request = buildAdmissionRequest(a, equivalentViewOf(a, version, this.deps.converter)?.view)));
      await this.evaluatePolicy(policy.metadata.name ?? '', b.metadata.name ?? '', pspec, bspec, request, a, audits);
      }
    } finally {
      if (audits.length) annotate('validation.policy.admission.k8s.io/validation_failure', JSON.stringify(audits));
    }
  }

  private async evaluatePolicy(pname: string, bname: string, p: PolicySpec, b: BindingSpec, request: ReturnType<typeof buildAdmissionRequest>, a: AdmissionAttributes, audits: AuditFailure[]): Promise<void> {
    const actions = b.validationActions ?? ['Deny'];
    const failurePolicy = p.failurePolicy ?? 'Fail';
    const decide = (message: string, reason: string, expressionIndex?: number) => {
      if (actions.includes('Audit')) audits.push({ message, policy: pname, binding: bname, ...(expressionIndex !== undefined ? { expressionIndex } : {}), validationActions: actions });
      if (actions.includes('Warn')) addWarnings([`Validation failed for ValidatingAdmissionPolicy '${pname}' with binding '${bname}': ${message}`]);
      if (actions.includes('Deny')) {
        const text = `ValidatingAdmissionPolicy '${pname}' with binding '${bname}' denied request: ${message}`;
        const rsn = (reason || 'Invalid') as StatusReason;
        throw new StatusError(CODE[rsn] ?? 422, rsn, text, { causes: [{ message: text }] });
      }
    };
    let params: unknown = null;
    if (p.paramKind && b.paramRef?.name) {
      const store = this.deps.storeForKind?.(p.paramKind.apiVersion ?? '', p.paramKind.kind ?? '');
      const ns = store?.def.namespaced ? (b.paramRef.namespace ?? a.namespace) : '';
      params = store ? await store.get(ns, b.paramRef.name).catch(() => null) : null;
      if (params === null && b.paramRef.parameterNotFoundAction !== 'Allow') {
        if (failurePolicy === 'Ignore') return;
        decide(`failed to configure binding: no params found for policy binding with \`Deny\` parameterNotFoundAction`, 'Invalid');
        return;
      }
    }
    const bindings: Record<string, unknown> = {
      object: request.object,
      oldObject: request.oldObject,
      request,
      params,
      namespaceObject: a.namespace ? (this.namespaces.get('', a.namespace) ?? null) : null,
    };
    const variables: Record<string, unknown> = {};
    for (const v of p.variables ?? []) {
      try {
        variables[v.name] = evaluate(v.expression, { ...bindings, variables });
      } catch {
        variables[v.name] = null;
      }
    }
    bindings.variables = variables;
    for (const c of p.matchConditions ?? []) {
      try {
        if (!evaluateBool(c.expression, bindings)) return;
      } catch (e) {
        if (failurePolicy === 'Ignore') return;
        decide(`failed to evaluate match condition ${c.name}: ${(e as Error).message}`, 'Invalid');
        return;
      }
    }
    for (const [i, v] of (p.validations ?? []).entries()) {
      let ok: boolean;
      try {
        ok = evaluateBool(v.expression, bindings);
      } catch (e) {
        if (failurePolicy === 'Ignore') continue;
        decide(`expression '${v.expression}' resulted in error: ${(e as Error).message}`, 'Invalid', i);
        continue;
      }
      if (ok) continue;
      let message = v.message || `failed expression: ${v.expression}`;
      if (v.messageExpression) {
        try {
          const m = evaluateString(v.messageExpression, bindings).trim();
          if (m && !m.includes('\n')) message = m;
        } catch {
          /* keep the static message, as upstream */
        }
      }
      decide(message, v.reason ?? 'Invalid', i);
    }
  }
}
