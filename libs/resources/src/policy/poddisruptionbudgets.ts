/** policy/v1 pod disruption budgets: ValidatePodDisruptionBudget(Spec), status, table. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { invalidRendered, validateLabelSelector, validateNonnegativeField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, int, Json, num, obj } from '../common/json';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../apps/int-or-percent';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** %#v of the spec, as the "cannot be both set" error prints it (pointers as addresses). */
function goPDBSpec(spec: Json): string {
  const ptr = (v: unknown, t: string) => (present(v) ? `(*${t})(0xc000000000)` : `(*${t})(nil)`);
  return (
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr(spec.minAvailable, 'intstr.IntOrString')}, ` +
    `Selector:${ptr(spec.selector, 'v1.LabelSelector')}, MaxUnavailable:${ptr(spec.maxUnavailable, 'intstr.IntOrString')}, ` +
    `UnhealthyPodEvictionPolicy:${ptr(spec.unhealthyPodEvictionPolicy, 'policy.UnhealthyPodEvictionPolicyType')}}`
  );
}

export function validatePodDisruptionBudget(pdb: KObject): FieldError[] {
  const spec = obj(pdb.spec) ?? {};
  const errs: FieldError[] = [];
  if (present(spec.minAvailable) && present(spec.maxUnavailable)) {
    errs.push(invalidRendered('spec', goPDBSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const k of ['minAvailable', 'maxUnavailable']) {
    if (!present(spec[k])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[k], `spec.${k}`));
    errs.push(...isNotMoreThan100Percent(spec[k], `spec.${k}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (typeof policy === 'string' && !EVICTION_POLICIES.includes(policy)) {
    errs.push(fieldErrors.notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  }
  return errs;
}

function validateStatus(pdb: KObject): FieldError[] {
  const status = obj(pdb.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    errs.push(...validateNonnegativeField(num(status[k]) ?? 0, `status.${k}`));
  }
  return errs;
}

/** the four counters have no omitempty */
function withCounters(status: Json): Json {
  return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status };
}

function intOrStringText(v: unknown): string {
  if (!present(v)) return 'N/A';
  return String(v);
}

export function podDisruptionBudgetsDefinition(): ResourceDefinition {
  return {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    namespaced: true,
    shortNames: ['pdb'],
    storagePrefix: 'poddisruptionbudgets',
    subresources: { status: true },
    tracksGeneration: true,
    modelType: 'V1PodDisruptionBudget',
    strategy: {
      default: (pdb) => void child(pdb, 'spec'),
      prepareForCreate(pdb) {
        pdb.status = withCounters({});
      },
      prepareForUpdate(pdb, old) {
        if (old.status === undefined) delete pdb.status;
        else pdb.status = old.status;
      },
      validate: validatePodDisruptionBudget,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(pdb, old) {
        pdb.spec = old.spec;
        pdb.status = withCounters(obj(pdb.status) ?? {});
      },
      validateUpdate: validateStatus,
    },
    table: {
      columns: [
        nameColumn(),
        column('Min Available', 'string', 'The minimum number of pods that must be available.'),
        column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
        column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
        ageColumn(),
      ],
      cells: (pdb, now) => {
        const spec = obj(pdb.spec) ?? {};
        return [
          pdb.metadata.name ?? '',
          intOrStringText(spec.minAvailable),
          intOrStringText(spec.maxUnavailable),
          int(obj(pdb.status)?.disruptionsAllowed),
          translateTimestampSince(pdb.metadata.creationTimestamp, now),
        ];
      },
    },
  };
}


