/**
 * admissionregistration.k8s.io/v1 validatingadmissionpolicies (status subresource) and
 * validatingadmissionpolicybindings: storage, defaults and the structural validation (no CEL).
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { validateLabelSelector } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, Json, obj, objs, str, strs } from '../common/json';
import { formatSelector } from '../common/selector';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { defaultRules, SUPPORTED_FAILURE_POLICIES, SUPPORTED_MATCH_POLICIES, validateRuleWithOperations } from './webhook-validation';

const VALIDATION_ACTIONS = ['Audit', 'Deny', 'Warn'];
const PARAMETER_NOT_FOUND_ACTIONS = ['Allow', 'Deny'];

/** SetDefaults_MatchResources (+ SetDefaults_Rule of the nested rules) */
function defaultMatchResources(m: Json | undefined): void {
  if (!m) return;
  if (m.matchPolicy === undefined || m.matchPolicy === null) m.matchPolicy = 'Equivalent';
  if (m.namespaceSelector === undefined || m.namespaceSelector === null) m.namespaceSelector = {};
  if (m.objectSelector === undefined || m.objectSelector === null) m.objectSelector = {};
  defaultRules(m.resourceRules);
  defaultRules(m.excludeResourceRules);
}

function validateMatchResources(m: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (m.matchPolicy !== undefined && m.matchPolicy !== null && !SUPPORTED_MATCH_POLICIES.includes(str(m.matchPolicy))) {
    errs.push(fieldErrors.notSupported(`${path}.matchPolicy`, m.matchPolicy, SUPPORTED_MATCH_POLICIES));
  }
  if (obj(m.namespaceSelector)) errs.push(...validateLabelSelector(m.namespaceSelector, `${path}.namespaceSelector`));
  if (obj(m.objectSelector)) errs.push(...validateLabelSelector(m.objectSelector, `${path}.objectSelector`));
  objs(m.resourceRules).forEach((r, i) => errs.push(...validateRuleWithOperations(r, `${path}.resourceRules[${i}]`)));
  objs(m.excludeResourceRules).forEach((r, i) => errs.push(...validateRuleWithOperations(r, `${path}.excludeResourceRules[${i}]`)));
  return errs;
}

function validatePolicy(p: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(p.spec) ?? {};
  if (spec.failurePolicy !== undefined && spec.failurePolicy !== null && !SUPPORTED_FAILURE_POLICIES.includes(str(spec.failurePolicy))) {
    errs.push(fieldErrors.notSupported('spec.failurePolicy', spec.failurePolicy, SUPPORTED_FAILURE_POLICIES));
  }
  const paramKind = obj(spec.paramKind);
  if (paramKind) {
    if (!str(paramKind.apiVersion)) errs.push(fieldErrors.required('spec.paramKind.apiVersion', ''));
    if (!str(paramKind.kind)) errs.push(fieldErrors.required('spec.paramKind.kind', ''));
  }
  const match = obj(spec.matchConstraints);
  if (!match || objs(match.resourceRules).length === 0) errs.push(fieldErrors.required('spec.matchConstraints.resourceRules', ''));
  if (match) errs.push(...validateMatchResources(match, 'spec.matchConstraints'));
  const validations = objs(spec.validations);
  if (validations.length === 0 && objs(spec.auditAnnotations).length === 0) {
    errs.push(fieldErrors.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  }
  validations.forEach((v, i) => {
    if (!str(v.expression).trim()) errs.push(fieldErrors.required(`spec.validations[${i}].expression`, ''));
  });
  objs(spec.auditAnnotations).forEach((a, i) => {
    if (!str(a.key)) errs.push(fieldErrors.required(`spec.auditAnnotations[${i}].key`, ''));
    if (!str(a.valueExpression).trim()) errs.push(fieldErrors.required(`spec.auditAnnotations[${i}].valueExpression`, ''));
  });
  const varNames = new Set<string>();
  objs(spec.variables).forEach((v, i) => {
    const n = str(v.name);
    if (!n) errs.push(fieldErrors.required(`spec.variables[${i}].name`, ''));
    else if (varNames.has(n)) errs.push(fieldErrors.duplicate(`spec.variables[${i}].name`, n));
    varNames.add(n);
    if (!str(v.expression).trim()) errs.push(fieldErrors.required(`spec.variables[${i}].expression`, ''));
  });
  return errs;
}

function validateBinding(b: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(b.spec) ?? {};
  if (!str(spec.policyName)) errs.push(fieldErrors.required('spec.policyName', ''));
  const paramRef = obj(spec.paramRef);
  if (paramRef) {
    const hasName = !!str(paramRef.name);
    const hasSelector = !!obj(paramRef.selector);
    if (hasName && hasSelector) errs.push(fieldErrors.forbidden('spec.paramRef.name', '`name` and `selector` are mutually exclusive'));
    if (!hasName && !hasSelector) errs.push(fieldErrors.required('spec.paramRef', 'one of `name` or `selector` must be specified'));
    if (hasSelector) errs.push(...validateLabelSelector(paramRef.selector, 'spec.paramRef.selector'));
    if (paramRef.parameterNotFoundAction === undefined || paramRef.parameterNotFoundAction === null) {
      errs.push(fieldErrors.required('spec.paramRef.parameterNotFoundAction', ''));
    } else if (!PARAMETER_NOT_FOUND_ACTIONS.includes(str(paramRef.parameterNotFoundAction))) {
      errs.push(fieldErrors.notSupported('spec.paramRef.parameterNotFoundAction', paramRef.parameterNotFoundAction, PARAMETER_NOT_FOUND_ACTIONS));
    }
  }
  const match = obj(spec.matchResources);
  if (match) errs.push(...validateMatchResources(match, 'spec.matchResources'));
  const actions = strs(spec.validationActions);
  if (actions.length === 0) errs.push(fieldErrors.required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (seen.has(a)) errs.push(fieldErrors.duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
    if (!VALIDATION_ACTIONS.includes(a)) errs.push(fieldErrors.notSupported(`spec.validationActions[${i}]`, a, VALIDATION_ACTIONS));
  });
  return errs;
}

export function validatingAdmissionPoliciesDefinition(): ResourceDefinition {
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingAdmissionPolicy',
    plural: 'validatingadmissionpolicies',
    singular: 'validatingadmissionpolicy',
    namespaced: false,
    categories: ['api-extensions'],
    modelType: 'V1ValidatingAdmissionPolicy',
    tracksGeneration: true,
    subresources: { status: true },
    strategy: {
      default: (p) => {
        const spec = child(p, 'spec');
        if (spec.failurePolicy === undefined || spec.failurePolicy === null) spec.failurePolicy = 'Fail';
        defaultMatchResources(obj(spec.matchConstraints));
      },
      prepareForCreate: (p) => {
        p.status = {};
      },
      validate: validatePolicy,
    },
    table: {
      columns: [
        nameColumn(),
        column('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
        column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
        ageColumn(),
      ],
      cells: (p, now) => {
        const spec = obj(p.spec) ?? {};
        const pk = obj(spec.paramKind);
        return [
          p.metadata.name ?? '',
          objs(spec.validations).length,
          pk ? `${str(pk.apiVersion)}/${str(pk.kind)}` : '<unset>',
          translateTimestampSince(p.metadata.creationTimestamp, now),
        ];
      },
    },
  };
}

export function validatingAdmissionPolicyBindingsDefinition(): ResourceDefinition {
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    plural: 'validatingadmissionpolicybindings',
    singular: 'validatingadmissionpolicybinding',
    namespaced: false,
    categories: ['api-extensions'],
    modelType: 'V1ValidatingAdmissionPolicyBinding',
    tracksGeneration: true,
    strategy: {
      default: (b) => {
        const spec = child(b, 'spec');
        defaultMatchResources(obj(spec.matchResources));
      },
      validate: validateBinding,
    },
    table: {
      columns: [
        nameColumn(),
        column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
        column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
        ageColumn(),
      ],
      cells: (b, now) => {
        const spec = obj(b.spec) ?? {};
        const pr = obj(spec.paramRef);
        let param = '<unset>';
        if (pr) {
          if (str(pr.name)) param = str(pr.namespace) ? `${str(pr.namespace)}/${str(pr.name)}` : `*/${str(pr.name)}`;
          else if (obj(pr.selector)) param = formatSelector(pr.selector);
        }
        return [b.metadata.name ?? '', str(spec.policyName), param, translateTimestampSince(b.metadata.creationTimestamp, now)];
      },
    },
  };
}
