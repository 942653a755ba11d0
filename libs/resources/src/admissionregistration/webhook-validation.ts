/**
 * admissionregistration/validation (Kubernetes 1.32) for webhook configurations: webhook names,
 * rules, policies, side effects, timeouts, selectors, client configs and review versions; plus the
 * v1 defaults (SetDefaults_ValidatingWebhook / _MutatingWebhook / _Rule / _ServiceReference).
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import {
  goQuote,
  invalidRendered,
  isDNS1035Label,
  isDNS1123Subdomain,
  isValidPortNum,
  validateLabelSelector,
} from '../../../apimachinery/src/validation';
import { Json, obj, objs, str, strs } from '../common/json';

export const SUPPORTED_OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
export const SUPPORTED_SCOPES = ['*', 'Cluster', 'Namespaced'];
export const SUPPORTED_FAILURE_POLICIES = ['Fail', 'Ignore'];
export const SUPPORTED_MATCH_POLICIES = ['Equivalent', 'Exact'];
const SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const ADMISSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];

const isSet = (v: unknown) => v !== undefined && v !== null;

/** %#v of a []T of strings */
export function goTypedSlice(type: string, values: string[]): string {
  return `[]${type}{${values.map(goQuote).join(', ')}}`;
}

/** SetDefaults_Rule on every rule of a list */
export function defaultRules(rules: unknown): void {
  for (const r of objs(rules)) if (!isSet(r.scope)) r.scope = '*';
}

export function defaultWebhook(hook: Json, mutating: boolean): void {
  if (!isSet(hook.failurePolicy)) hook.failurePolicy = 'Fail';
  if (!isSet(hook.matchPolicy)) hook.matchPolicy = 'Equivalent';
  if (!isSet(hook.namespaceSelector)) hook.namespaceSelector = {};
  if (!isSet(hook.objectSelector)) hook.objectSelector = {};
  if (!isSet(hook.timeoutSeconds)) hook.timeoutSeconds = 10;
  if (mutating && !isSet(hook.reinvocationPolicy)) hook.reinvocationPolicy = 'Never';
  defaultRules(hook.rules);
  const service = obj(obj(hook.clientConfig)?.service);
  if (service && !isSet(service.port)) service.port = 443;
}

/** utilvalidation.IsFullyQualifiedName */
export function isFullyQualifiedName(path: string, value: string): FieldError[] {
  if (value.length === 0) return [fieldErrors.required(path, '')];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return [fieldErrors.invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [fieldErrors.invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

function validateResources(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(fieldErrors.required(path, ''));
  const resWithWildcardSub = new Set<string>();
  const subWithWildcardRes = new Set<string>();
  let hasDoubleWildcard = false;
  let hasSingleWildcard = false;
  let hasResourceWithoutSubresource = false;
  resources.forEach((resSub, i) => {
    if (resSub === '') {
      errs.push(fieldErrors.required(`${path}[${i}]`, ''));
      return;
    }
    if (resSub === '*/*') hasDoubleWildcard = true;
    if (resSub === '*') hasSingleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) {
      hasResourceWithoutSubresource = resSub !== '*';
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (resWithWildcardSub.has(res)) errs.push(fieldErrors.invalid(`${path}[${i}]`, resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (subWithWildcardRes.has(sub)) errs.push(fieldErrors.invalid(`${path}[${i}]`, resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') resWithWildcardSub.add(res);
    if (res === '*') subWithWildcardRes.add(sub);
  });
  if (resources.length > 1 && hasDoubleWildcard) {
    errs.push(invalidRendered(path, goTypedSlice('string', resources), "if '*/*' is present, must not specify other resources"));
  }
  if (hasSingleWildcard && hasResourceWithoutSubresource) {
    errs.push(invalidRendered(path, goTypedSlice('string', resources), "if '*' is present, must not specify other resources without subresources"));
  }
  return errs;
}

/** validateRule */
export function validateRule(rule: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const groups = strs(rule.apiGroups);
  if (groups.length === 0) errs.push(fieldErrors.required(`${path}.apiGroups`, ''));
  if (groups.length > 1 && groups.includes('*')) {
    errs.push(invalidRendered(`${path}.apiGroups`, goTypedSlice('string', groups), "if '*' is present, must not specify other API groups"));
  }
  const versions = strs(rule.apiVersions);
  if (versions.length === 0) errs.push(fieldErrors.required(`${path}.apiVersions`, ''));
  if (versions.length > 1 && versions.includes('*')) {
    errs.push(invalidRendered(`${path}.apiVersions`, goTypedSlice('string', versions), "if '*' is present, must not specify other API versions"));
  }
  versions.forEach((v, i) => {
    if (v === '') errs.push(fieldErrors.required(`${path}.apiVersions[${i}]`, ''));
  });
  errs.push(...validateResources(strs(rule.resources), `${path}.resources`));
  if (isSet(rule.scope) && !SUPPORTED_SCOPES.includes(str(rule.scope))) errs.push(fieldErrors.notSupported(`${path}.scope`, rule.scope, SUPPORTED_SCOPES));
  return errs;
}

/** validateRuleWithOperations */
export function validateRuleWithOperations(rule: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ops = strs(rule.operations);
  if (ops.length === 0) errs.push(fieldErrors.required(`${path}.operations`, ''));
  if (ops.length > 1 && ops.includes('*')) {
    errs.push(invalidRendered(`${path}.operations`, goTypedSlice('admissionregistration.OperationType', ops), "if '*' is present, must not specify other operations"));
  }
  ops.forEach((op, i) => {
    if (!SUPPORTED_OPERATIONS.includes(op)) errs.push(fieldErrors.notSupported(`${path}.operations[${i}]`, op, SUPPORTED_OPERATIONS));
  });
  errs.push(...validateRule(rule, path));
  return errs;
}

const URL_FORM = '; desired format: https://host[/path]';

/** webhook.ValidateWebhookURL (https forced) */
export function validateWebhookURL(path: string, value: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(value);
  } catch (e) {
    return [fieldErrors.required(path, `url must be a valid URL: parse ${goQuote(value)}: invalid URI for request${URL_FORM}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https') errs.push(fieldErrors.invalid(path, scheme, `'https' is the only allowed URL scheme${URL_FORM}`));
  if (u.host.length === 0) errs.push(fieldErrors.invalid(path, u.host, `host must be specified${URL_FORM}`));
  if (u.username || u.password) errs.push(fieldErrors.invalid(path, u.password ? `${u.username}:${u.password}` : u.username, 'user information is not permitted in the URL'));
  if (u.hash.length > 1) errs.push(fieldErrors.invalid(path, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search.length > 1) errs.push(fieldErrors.invalid(path, u.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

/** webhook.ValidateWebhookService */
export function validateWebhookService(path: string, service: Json): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(service.name)) errs.push(fieldErrors.required(`${path}.name`, 'service name is required'));
  if (!str(service.namespace)) errs.push(fieldErrors.required(`${path}.namespace`, 'service namespace is required'));
  const port = typeof service.port === 'number' ? service.port : 443;
  const portErrs = isValidPortNum(port);
  if (portErrs.length) errs.push(fieldErrors.invalid(`${path}.port`, port, `port is not valid: ${portErrs.join(', ')}`));
  if (typeof service.path === 'string') {
    const p = service.path;
    if (p === '/' || p.length === 0) return errs;
    if (p === '//') {
      errs.push(fieldErrors.invalid(`${path}.path`, p, 'segment[0] may not be empty'));
      return errs;
    }
    if (!p.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, p, "must start with a '/'"));
    const steps = p.slice(1).split('/');
    steps.forEach((step, i) => {
      if (step === '' && i !== steps.length - 1) errs.push(fieldErrors.invalid(`${path}.path`, p, `segment[${i}] may not be empty`));
    });
  }
  return errs;
}

function validateAdmissionReviewVersions(versions: unknown, path: string): FieldError[] {
  const list = strs(versions);
  if (list.length === 0) return [fieldErrors.required(path, `must specify one of ${ADMISSION_REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let accepted = false;
  list.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(fieldErrors.invalid(`${path}[${i}]`, v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(fieldErrors.invalid(`${path}[${i}]`, v, m));
    if (ADMISSION_REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (!accepted) errs.push(invalidRendered(path, goTypedSlice('string', list), `must include at least one of ${ADMISSION_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

function validateWebhook(hook: Json, path: string, mutating: boolean): FieldError[] {
  const errs = isFullyQualifiedName(`${path}.name`, str(hook.name));
  objs(hook.rules).forEach((r, i) => errs.push(...validateRuleWithOperations(r, `${path}.rules[${i}]`)));
  if (isSet(hook.failurePolicy) && !SUPPORTED_FAILURE_POLICIES.includes(str(hook.failurePolicy))) {
    errs.push(fieldErrors.notSupported(`${path}.failurePolicy`, hook.failurePolicy, SUPPORTED_FAILURE_POLICIES));
  }
  if (isSet(hook.matchPolicy) && !SUPPORTED_MATCH_POLICIES.includes(str(hook.matchPolicy))) {
    errs.push(fieldErrors.notSupported(`${path}.matchPolicy`, hook.matchPolicy, SUPPORTED_MATCH_POLICIES));
  }
  if (!isSet(hook.sideEffects)) errs.push(fieldErrors.required(`${path}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(', ')}`));
  else if (!SIDE_EFFECTS.includes(str(hook.sideEffects))) errs.push(fieldErrors.notSupported(`${path}.sideEffects`, hook.sideEffects, SIDE_EFFECTS));
  if (typeof hook.timeoutSeconds === 'number' && (hook.timeoutSeconds > 30 || hook.timeoutSeconds < 1)) {
    errs.push(fieldErrors.invalid(`${path}.timeoutSeconds`, hook.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
  }
  if (obj(hook.namespaceSelector)) errs.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
  if (obj(hook.objectSelector)) errs.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`));
  if (mutating && isSet(hook.reinvocationPolicy) && !REINVOCATION_POLICIES.includes(str(hook.reinvocationPolicy))) {
    errs.push(fieldErrors.notSupported(`${path}.reinvocationPolicy`, hook.reinvocationPolicy, REINVOCATION_POLICIES));
  }
  const cc = obj(hook.clientConfig) ?? {};
  const hasURL = typeof cc.url === 'string';
  const service = obj(cc.service);
  if (hasURL === !!service) errs.push(fieldErrors.required(`${path}.clientConfig`, 'exactly one of url or service is required'));
  else if (hasURL) errs.push(...validateWebhookURL(`${path}.clientConfig.url`, str(cc.url)));
  else if (service) errs.push(...validateWebhookService(`${path}.clientConfig.service`, service));
  const names = new Set<string>();
  objs(hook.matchConditions).forEach((mc, i) => {
    const n = str(mc.name);
    if (!n) errs.push(fieldErrors.required(`${path}.matchConditions[${i}].name`, ''));
    else if (names.has(n)) errs.push(fieldErrors.duplicate(`${path}.matchConditions[${i}].name`, n));
    names.add(n);
    if (!str(mc.expression)) errs.push(fieldErrors.required(`${path}.matchConditions[${i}].expression`, ''));
  });
  return errs;
}

/** validateValidatingWebhookConfiguration / validateMutatingWebhookConfiguration */
export function validateWebhookConfiguration(webhooks: unknown, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(webhooks).forEach((hook, i) => {
    const path = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook, path, mutating));
    errs.push(...validateAdmissionReviewVersions(hook.admissionReviewVersions, `${path}.admissionReviewVersions`));
    const name = str(hook.name);
    if (name) {
      if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
      else names.add(name);
    }
  });
  return errs;
}
