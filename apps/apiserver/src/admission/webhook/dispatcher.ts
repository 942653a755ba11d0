/**
 * MutatingAdmissionWebhook and ValidatingAdmissionWebhook: the configurations are followed in
 * memory (informer.ts); each request is matched against every webhook (matching.ts, then
 * matchConditions in CEL), sent as an AdmissionReview v1 (client.ts) and the response applied:
 * JSONPatch for mutating webhooks (with one IfNeeded reinvocation round), denials as upstream's
 * `admission webhook "x" denied the request: ...`, failurePolicy Fail/Ignore for call errors,
 * sideEffects vs dryRun, warnings to the Warning header. Validating webhooks run in parallel.
 * A webhook matched in another version (matchPolicy Equivalent) gets `kind`, `resource` and the
 * objects in that version, its patch applied there and converted back (when `deps.converter` can).
 */
import { StatusError, StatusReason } from '../../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../../libs/apimachinery/src/types';
import { applyJsonPatch } from '../../../../../libs/patch/src/json-patch';
import { AdmissionAttributes, AdmissionHook, mutatingAdmission, Store } from '../../../../../libs/registry/src/store';
import type { Dialer } from '../../egress/egress-selector';
import { evaluateBool } from '../policy/cel';
import { callWebhook, resolveServiceEndpoint, WebhookClientConfig } from './client';
import { Informer } from './informer';
import { MatchRequest, matchingVersion, namespaceSelectorMatches, objectSelectorMatches, RuleWithOperations } from './matching';
import { addWarnings, AdmissionRequest, annotate, buildAdmissionRequest, equivalentViewOf, matchRequestOf, VersionConverter } from './request';

export interface Webhook {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchPolicy?: 'Exact' | 'Equivalent';
  namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  objectSelector?: Webhook['namespaceSelector'];
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  matchConditions?: { name: string; expression: string }[];
  /** the configuration holding this webhook (set by the dispatcher) */
  configuration?: string;
}

export interface WebhookDispatcherDeps {
  storeFor(group: string, version: string, plural: string): Store | undefined;
  /** the versions a group/resource is served in (matchPolicy Equivalent) */
  versionsOf(group: string, resource: string): string[];
  dialer: Dialer;
  /**
   * Converts a group/resource's objects between two served versions in memory (matchPolicy
   * Equivalent); undefined when it cannot (CRD Webhook conversion): the webhook then sees the
   * request's version.
   */
  converter?: VersionConverter;
}

/** a webhook that applies to a request, with the version it matched in */
type Matched = Webhook & { version: string };

type Json = Record<string, unknown>;

export class WebhookDispatcher {
  readonly mutatingConfigs: Informer;
  readonly validatingConfigs: Informer;
  readonly namespaces: Informer;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    const ar = (plural: string) => () => deps.storeFor('admissionregistration.k8s.io', 'v1', plural);
    this.mutatingConfigs = new Informer(ar('mutatingwebhookconfigurations'));
    this.validatingConfigs = new Informer(ar('validatingwebhookconfigurations'));
    this.namespaces = new Informer(() => deps.storeFor('', 'v1', 'namespaces'));
  }

  stop(): void {
    this.mutatingConfigs.stop();
    this.validatingConfigs.stop();
    this.namespaces.stop();
  }

  /** the MutatingAdmissionWebhook hook (runs before validation) */
  mutatingHook(): AdmissionHook {
    return mutatingAdmission((a) => this.mutate(a));
  }

  /** the ValidatingAdmissionWebhook hook (runs after validation) */
  validatingHook(): AdmissionHook {
    return (a) => this.validate(a);
  }

  private static skip(a: AdmissionAttributes): boolean {
    // upstream never sends webhook configurations (or policies) themselves to webhooks
    return a.def.group === 'admissionregistration.k8s.io' || a.def.group === 'authorization.k8s.io' || a.def.group === 'authentication.k8s.io';
  }

  private async webhooksFor(informer: Informer, a: AdmissionAttributes): Promise<Matched[]> {
    await informer.ready();
    const configs = informer.list().sort((x, y) => ((x.metadata.name ?? '') < (y.metadata.name ?? '') ? -1 : 1));
    const out: Webhook[] = [];
    for (const c of configs) for (const w of ((c as Json).webhooks as Webhook[] | undefined) ?? []) out.push({ ...w, configuration: c.metadata.name ?? '' });
    if (out.length === 0) return [];
    const r = matchRequestOf(a);
    const needNs = out.some((w) => w.namespaceSelector && Object.keys(w.namespaceSelector).length > 0);
    if (needNs) await this.namespaces.ready();
    const matched: Matched[] = [];
    for (const w of out) {
      const version = this.matches(w, r);
      if (version !== undefined) matched.push({ ...w, version });
    }
    return matched;
  }

  /** the version the webhook matched in, or undefined */
  private matches(w: Webhook, r: MatchRequest): string | undefined {
    const version = matchingVersion(w.rules, r, w.matchPolicy, () => this.deps.versionsOf(r.group, r.resource));
    if (version === undefined) return undefined;
    try {
      if (!namespaceSelectorMatches(w.namespaceSelector, r, (ns) => this.namespaces.get('', ns)?.metadata.labels)) return undefined;
      if (!objectSelectorMatches(w.objectSelector, r)) return undefined;
    } catch {
      return undefined;
    }
    return version;
  }


  /** matchConditions: all must be true; an evaluation error follows the failure policy */
  private conditionsMatch(w: Webhook, req: AdmissionRequest): boolean {
    const bindings = { object: req.object, oldObject: req.oldObject, request: req };
    const errs: string[] = [];
    for (const c of w.matchConditions ?? []) {
      try {
        if (!evaluateBool(c.expression, bindings)) return false;
      } catch (e) {
        errs.push(`${c.name}: ${(e as Error).message}`);
      }
    }
    if (errs.length) throw new CallError(`failed to evaluate match conditions: ${errs.join(', ')}`);
    return true;
  }

  private async mutate(a: AdmissionAttributes): Promise<void> {
    if (WebhookDispatcher.skip(a)) return;
    const hooks = await this.webhooksFor(this.mutatingConfigs, a);
    if (hooks.length === 0) return;
    const invoked: { w: Matched; index: number }[] = [];
    let lastChange = -1;
    for (let i = 0; i < hooks.length; i++) {
      const changed = await this.callOne(hooks[i], a, true, 0, i);
      if (changed === undefined) continue;
      invoked.push({ w: hooks[i], index: i });
      if (changed) lastChange = i;
    }
    // reinvocation: IfNeeded webhooks invoked before a later webhook changed the object run once more
    for (const { w, index } of invoked) {
      if (w.reinvocationPolicy === 'IfNeeded' && index < lastChange) await this.callOne(w, a, true, 1, index);
    }
  }

  private async validate(a: AdmissionAttributes): Promise<void> {
    if (WebhookDispatcher.skip(a)) return;
    const hooks = await this.webhooksFor(this.validatingConfigs, a);
    if (hooks.length === 0) return;
    const results = await Promise.allSettled(hooks.map((w) => this.callOne(w, a, false)));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /**
   * Calls one webhook: undefined when it was skipped (matchConditions, Ignore on failure), else
   * whether it changed the object. Throws the request's error on denial or failure with Fail.
   */
  private async callOne(w: Matched, a: AdmissionAttributes, mutating: boolean, round = 0, index = 0): Promise<boolean | undefined> {
    const equivalent = equivalentViewOf(a, w.version, this.deps.converter);
    const req = buildAdmissionRequest(a, equivalent?.view);
    const fail = (msg: string): never => {
      throw new StatusError(500, 'InternalError', `Internal error occurred: failed calling webhook "${w.name}": ${msg}`, { causes: [{ message: `failed calling webhook "${w.name}": ${msg}` }] });
    };
    try {
      if (!this.conditionsMatch(w, req)) return undefined;
      if (a.dryRun && w.sideEffects !== 'None' && w.sideEffects !== 'NoneOnDryRun') {
        throw new StatusError(400, 'BadRequest', `admission webhook "${w.name}" does not support dry run`, {});
      }
      const review = { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request: req };
      const res = (await callWebhook(w.clientConfig, review, w.timeoutSeconds ?? 10, {
        dialer: this.deps.dialer,
        resolveService: (ns, name, port) => this.resolveService(ns, name, port),
      })) as Json;
      const response = res?.response as Json | undefined;
      if (!response) throw new CallError('received empty webhook response');
      if (response.uid !== req.uid) throw new CallError(`expected response.uid="${req.uid}", got "${String(response.uid ?? '')}"`);
      addWarnings(response.warnings);
      for (const [key, value] of Object.entries((response.auditAnnotations as Record<string, string> | undefined) ?? {})) {
        if (typeof value === 'string') annotate(`${w.name}/${key}`, value);
      }
      if (response.allowed !== true) throw denial(w.name, response.status as Json | undefined);
      if (!mutating) return false;
      if (!response.patch) {
        annotate(`mutation.webhook.admission.k8s.io/round_${round}_index_${index}`, JSON.stringify({ configuration: w.configuration, webhook: w.name, mutated: false }));
        return false;
      }
      if (response.patchType !== 'JSONPatch') throw new CallError(`unsupported patch type "${String(response.patchType ?? '')}"`);
      if (!a.object) return false;
      const patch = JSON.parse(Buffer.from(String(response.patch), 'base64').toString('utf8'));
      const before = JSON.stringify(a.object);
      let patched: KObject;
      try {
        patched = applyJsonPatch(equivalent?.view.object ?? a.object, patch) as KObject;
      } catch (e) {
        throw new StatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`, {});
      }
      if (equivalent) patched = equivalent.back(patched);
      for (const k of Object.keys(a.object)) delete (a.object as Json)[k];
      Object.assign(a.object, patched);
      const mutated = JSON.stringify(a.object) !== before;
      annotate(`mutation.webhook.admission.k8s.io/round_${round}_index_${index}`, JSON.stringify({ configuration: w.configuration, webhook: w.name, mutated }));
      return mutated;
    } catch (e) {
      if (e instanceof StatusError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      if ((w.failurePolicy ?? 'Fail') === 'Ignore') {
        console.warn(`Failed calling webhook, failing open ${w.name}: failed calling webhook "${w.name}": ${msg}`);
        return undefined;
      }
      return fail(msg);
    }
  }

  private resolveService(ns: string, name: string, port: number): Promise<{ ip: string; port: number }> {
    return resolveServiceEndpoint((g, v, p) => this.deps.storeFor(g, v, p), ns, name, port);
  }
}

class CallError extends Error {}

/** webhookerrors.ToStatusErr */
export function denial(webhook: string, result: Json | undefined): StatusError {
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const r = result ?? {};
  let code = typeof r.code === 'number' ? r.code : 0;
  if (code < 400) code = 400;
  const reason = (typeof r.reason === 'string' ? r.reason : '') as StatusReason;
  const message = typeof r.message === 'string' && r.message ? `${deniedBy}: ${r.message}` : reason ? `${deniedBy}: ${reason}` : `${deniedBy} without explanation`;
  return new StatusError(code, reason, message, r.details as StatusError['details']);
}
