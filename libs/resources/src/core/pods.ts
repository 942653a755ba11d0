/** core/v1 pods: defaulting, status on create (phase Pending, QoS class), validation, table, field selectors. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1123Label } from '../../../apimachinery/src/validation';
import { bindingStrategy, ephemeralContainersStrategy } from './pod-subresources';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, Json, num, obj, objs, str } from '../common/json';
import { primaryPodIP, podTable } from './pod-table';
import { checkQuantities, defaultPodOnly, defaultPodSpec } from './podspec/defaults';
import { validatePodSpecForPod, validatePodStatusUpdate, validatePodUpdate } from './podspec/pod-update';
import { computePodQOS } from './podspec/qos';

function specOf(pod: KObject): Json {
  return child(pod, 'spec');
}

/** applySchedulingGatedCondition: a gated pod starts with PodScheduled=False/SchedulingGated. */
function schedulingGatedCondition(spec: Json, status: Json): void {
  if (objs(spec.schedulingGates).length === 0) return;
  const conditions = objs(status.conditions);
  if (conditions.some((c) => str(c.type) === 'PodScheduled')) return;
  status.conditions = [
    ...conditions,
    {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime: null,
      reason: 'SchedulingGated',
      message: 'Scheduling is blocked due to non-empty scheduling gates',
    },
  ];
}

function validatePodCreate(pod: KObject): FieldError[] {
  const spec = specOf(pod);
  const errs = validatePodSpecForPod(pod);
  if (objs(spec.ephemeralContainers).length > 0) errs.push(fieldErrors.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) && objs(spec.schedulingGates).length > 0) {
    errs.push(fieldErrors.forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

/** pod CheckGracefulDelete: unscheduled or finished pods go at once; negative periods become 1. */
export function podGracePeriod(pod: KObject, requested: number | undefined): number {
  const spec = obj(pod.spec) ?? {};
  const phase = str(obj(pod.status)?.phase);
  let period = requested ?? num(spec.terminationGracePeriodSeconds) ?? 0;
  if (!str(spec.nodeName)) period = 0;
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  if (period < 0) period = 1;
  return period;
}

/** pod.ToSelectableFields (+ the names the v1 field-label conversion also accepts). */
export function podSelectableFields(pod: KObject): Record<string, string> {
  const spec = obj(pod.spec) ?? {};
  const status = obj(pod.status) ?? {};
  return {
    'spec.nodeName': str(spec.nodeName),
    'spec.host': str(spec.nodeName),
    'spec.restartPolicy': str(spec.restartPolicy),
    'spec.schedulerName': str(spec.schedulerName),
    'spec.serviceAccountName': str(spec.serviceAccountName),
    'spec.hostNetwork': spec.hostNetwork === true ? 'true' : 'false',
    'status.phase': str(status.phase),
    'status.podIP': primaryPodIP(status),
    'status.podIPs': '',
    'status.nominatedNodeName': str(status.nominatedNodeName),
  };
}

export function podsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    storagePrefix: 'pods',
    subresources: { status: true, others: { ephemeralcontainers: ephemeralContainersStrategy, binding: bindingStrategy } },
    modelType: 'V1Pod',
    returnDeletedObject: true,
    gracefulDeletionSeconds: podGracePeriod,
    strategy: {
      default(pod) {
        const spec = specOf(pod);
        checkQuantities(spec, 'Pod', 'v1');
        defaultPodSpec(spec);
        defaultPodOnly(spec);
      },
      prepareForCreate(pod) {
        const spec = specOf(pod);
        const status: Json = { phase: 'Pending', qosClass: computePodQOS(spec) };
        schedulingGatedCondition(spec, status);
        pod.status = status;
      },
      prepareForUpdate(pod, old) {
        if (old.status === undefined) delete pod.status;
        else pod.status = old.status;
      },
      validate: validatePodCreate,
      validateUpdate: validatePodUpdate,
      warnings(pod, old) {
        if (old) return [];
        const msgs = isDNS1123Label(pod.metadata.name ?? '');
        if (msgs.length === 0) return [];
        return [
          `metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`,
        ];
      },
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(pod, old) {
        pod.spec = old.spec;
        if (old.metadata.ownerReferences === undefined) delete pod.metadata.ownerReferences;
        else pod.metadata.ownerReferences = old.metadata.ownerReferences;
        const status = child(pod, 'status');
        if (!str(status.qosClass) && str(obj(old.status)?.qosClass)) status.qosClass = obj(old.status)?.qosClass;
      },
      validateUpdate: validatePodStatusUpdate,
    },
    table: podTable,
    selectableFields: podSelectableFields,
  };
}
