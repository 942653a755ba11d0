/**
 * authorization.k8s.io/v1 access reviews, create-only and never stored (pkg/registry/authorization):
 * SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview (the requesting user) and
 * SelfSubjectRulesReview (the rules the authorizers can enumerate for the requesting user). They sit
 * after authorization (the create itself is authorized like any other request) and answer 201 with
 * the object and its status: allowed / denied / reason / evaluationError, or
 * resourceRules / nonResourceRules / incomplete / evaluationError.
 */
import { FieldError, fieldErrors } from '../../../../libs/apimachinery/src/field-errors';
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject, type KObject } from '../../../../libs/apimachinery/src/types';
import type { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { decodeObject, readBody } from '../handlers/body';
import type { Filter, RequestContext, UserInfo } from '../http/context';
import { writeObject } from '../http/respond';
import type { AuthorizationAttributes, Authorizer } from '../filters/types';
import type { PolicyRule } from './rules';
import type { Decision, RuleResolvingAuthorizer } from './union';

const GROUP = 'authorization.k8s.io';
const KINDS: Record<string, { kind: string; namespaced: boolean }> = {
  subjectaccessreviews: { kind: 'SubjectAccessReview', namespaced: false },
  localsubjectaccessreviews: { kind: 'LocalSubjectAccessReview', namespaced: true },
  selfsubjectaccessreviews: { kind: 'SelfSubjectAccessReview', namespaced: false },
  selfsubjectrulesreviews: { kind: 'SelfSubjectRulesReview', namespaced: false },
};

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj | undefined => (isObject(v) ? (v as Obj) : undefined);
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function defFor(resource: string): ResourceDefinition {
  const k = KINDS[resource];
  return { group: GROUP, version: 'v1', kind: k.kind, plural: resource, singular: resource.slice(0, -1), namespaced: k.namespaced, verbs: ['create'], strategy: {} };
}

/** AuthorizationAttributesFrom(spec) */
export function attributesFrom(spec: Obj): AuthorizationAttributes {
  const ra = o(spec.resourceAttributes);
  if (ra) {
    return {
      isResourceRequest: true,
      path: '',
      verb: s(ra.verb),
      apiPrefix: '',
      apiGroup: s(ra.group),
      apiVersion: s(ra.version),
      namespace: s(ra.namespace),
      resource: s(ra.resource),
      subresource: s(ra.subresource),
      name: s(ra.name),
      parts: [],
    };
  }
  const nra = o(spec.nonResourceAttributes) ?? {};
  return { isResourceRequest: false, path: s(nra.path), verb: s(nra.verb), apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] };
}

function validateAttributes(spec: Obj): FieldError[] {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(ra) && has(nra)) return [fieldErrors.invalid('spec.nonResourceAttributes', nra, 'cannot be specified in combination with resourceAttributes')];
  if (!has(ra) && !has(nra)) return [fieldErrors.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

function statusOf(d: Decision, evaluationError = ''): Obj {
  const st: Obj = { allowed: d.allowed };
  if (d.denied) st.denied = true;
  if (d.reason) st.reason = d.reason;
  if (evaluationError) st.evaluationError = evaluationError;
  return st;
}

const respond = (ctx: RequestContext, review: KObject, kind: string, status: Obj) =>
  writeObject(ctx, 201, {
    kind,
    apiVersion: `${GROUP}/v1`,
    metadata: review.metadata && Object.keys(review.metadata).length ? review.metadata : { creationTimestamp: null },
    spec: review.spec ?? {},
    status,
  });

async function decide(authorizer: Authorizer, user: UserInfo, attrs: AuthorizationAttributes): Promise<Obj> {
  try {
    return statusOf(await authorizer.authorize(user, attrs));
  } catch (e) {
    return statusOf({ allowed: false }, (e as Error).message);
  }
}

function ruleJSON(r: PolicyRule, nonResource: boolean): Obj {
  if (nonResource) return { verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] };
  const out: Obj = { verbs: r.verbs };
  if (r.apiGroups?.length) out.apiGroups = r.apiGroups;
  if (r.resources?.length) out.resources = r.resources;
  if (r.resourceNames?.length) out.resourceNames = r.resourceNames;
  return out;
}

export async function serveReview(ctx: RequestContext, authorizer: Authorizer): Promise<void> {
  const resource = ctx.info.resource;
  const def = defFor(resource);
  const review = decodeObject(ctx, await readBody(ctx), def);
  const spec = o(review.spec) ?? {};
  const requester = ctx.user;
  if (!requester) throw errors.badRequest('no user present on request');
  const invalid = (errs: FieldError[]) => errors.invalid(GROUP, def.kind, '', errs);

  switch (resource) {
    case 'subjectaccessreviews':
    case 'localsubjectaccessreviews': {
      const errs = validateAttributes(spec);
      if (!s(spec.user) && strs(spec.groups).length === 0) errs.push(fieldErrors.invalid('spec.user', s(spec.user), 'at least one of user or group must be specified'));
      if (resource === 'localsubjectaccessreviews') {
        if (spec.nonResourceAttributes !== undefined && spec.nonResourceAttributes !== null) {
          errs.push(fieldErrors.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
        }
      }
      if (errs.length) throw invalid(errs);
      if (resource === 'localsubjectaccessreviews' && s(o(spec.resourceAttributes)?.namespace) !== ctx.info.namespace) {
        throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${ctx.info.namespace}`);
      }
      const extra: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(o(spec.extra) ?? {})) extra[k] = Array.isArray(v) ? strs(v) : strs(o(v)?.items);
      const user: UserInfo = { name: s(spec.user), groups: strs(spec.groups), extra };
      if (s(spec.uid)) user.uid = s(spec.uid);
      return respond(ctx, review, def.kind, await decide(authorizer, user, attributesFrom(spec)));
    }
    case 'selfsubjectaccessreviews': {
      const errs = validateAttributes(spec);
      if (errs.length) throw invalid(errs);
      return respond(ctx, review, def.kind, await decide(authorizer, requester, attributesFrom(spec)));
    }
    default: {
      const namespace = s(spec.namespace);
      if (!namespace) throw errors.badRequest('no namespace on request');
      const resolver = (authorizer as RuleResolvingAuthorizer).rulesFor;
      const rules = resolver
        ? resolver.call(authorizer, requester, namespace)
        : { resourceRules: [], nonResourceRules: [], incomplete: true, errors: [] as string[] };
      const status: Obj = {
        resourceRules: rules.resourceRules.map((r) => ruleJSON(r, false)),
        nonResourceRules: rules.nonResourceRules.map((r) => ruleJSON(r, true)),
        incomplete: rules.incomplete,
      };
      if (rules.errors.length) status.evaluationError = rules.errors.length === 1 ? rules.errors[0] : `[${rules.errors.join(', ')}]`;
      return respond(ctx, review, def.kind, status);
    }
  }
}

/** Innermost: serve creates of the four review resources, pass everything else on. */
export function withAuthorizationReviews(authorizer: Authorizer): Filter {
  return (next) => (ctx) => {
    const i = ctx.info;
    if (i.isResourceRequest && i.apiGroup === GROUP && i.apiVersion === 'v1' && KINDS[i.resource] && !i.subresource && i.verb === 'create' && !i.name) {
      if (KINDS[i.resource].namespaced !== (i.namespace !== '')) return next(ctx);
      return serveReview(ctx, authorizer);
    }
    return next(ctx);
  };
}
