/**
 * scheduling.k8s.io/v1 priorityclasses: cluster-scoped; `value` and `preemptionPolicy` immutable;
 * names starting with `system-` are reserved for the two system classes (SYSTEM_PRIORITY_CLASSES).
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { validateImmutableField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { num, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** scheduling.HighestUserDefinableValue */
export const HIGHEST_USER_DEFINABLE_VALUE = 1000000000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_VALUE;

/** schedulingapiv1.SystemPriorityClasses(): created at API server start. */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyArray<{ name: string; value: number; description: string }> = [
  {
    name: 'system-node-critical',
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** IsKnownSystemPriorityClass: null when it is one, else the error text. */
export function knownSystemPriorityClassError(name: string, value: number, globalDefault: boolean): string | null {
  const pc = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!pc) return `${name} is not a known system priority class`;
  if (pc.value !== value) return `value of ${name} PriorityClass must be ${pc.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return null;
}

export function systemPriorityClassObject(name: string): KObject {
  const pc = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name)!;
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: pc.name },
    value: pc.value,
    description: pc.description,
  };
}

const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

function validatePriorityClass(pc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata.name ?? '';
  const value = num(pc.value) ?? 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const err = knownSystemPriorityClassError(name, value, pc.globalDefault === true);
    if (err) {
      errs.push(fieldErrors.forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${err}`));
    }
  } else if (value > HIGHEST_USER_DEFINABLE_VALUE) {
    errs.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_VALUE}`));
  }
  if (pc.preemptionPolicy !== undefined && pc.preemptionPolicy !== null && !PREEMPTION_POLICIES.includes(str(pc.preemptionPolicy))) {
    errs.push(fieldErrors.notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

function validatePriorityClassUpdate(pc: KObject, old: KObject): FieldError[] {
  const errs = validatePriorityClass(pc);
  if ((num(pc.value) ?? 0) !== (num(old.value) ?? 0)) errs.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
  errs.push(...validateImmutableField(pc.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}

export function priorityClassesDefinition(): ResourceDefinition {
  return {
    group: 'scheduling.k8s.io',
    version: 'v1',
    kind: 'PriorityClass',
    plural: 'priorityclasses',
    singular: 'priorityclass',
    namespaced: false,
    shortNames: ['pc'],
    modelType: 'V1PriorityClass',
    strategy: {
      default: (pc) => {
        if (pc.preemptionPolicy === undefined || pc.preemptionPolicy === null) pc.preemptionPolicy = 'PreemptLowerPriority';
      },
      validate: validatePriorityClass,
      validateUpdate: validatePriorityClassUpdate,
    },
    table: {
      columns: [
        nameColumn(),
        column('Value', 'integer', 'value is the integer value of this priority class.'),
        column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority.'),
        ageColumn(),
        column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
      ],
      cells: (pc, now) => [
        pc.metadata.name ?? '',
        num(pc.value) ?? 0,
        pc.globalDefault === true,
        translateTimestampSince(pc.metadata.creationTimestamp, now),
        str(pc.preemptionPolicy),
      ],
    },
  };
}
