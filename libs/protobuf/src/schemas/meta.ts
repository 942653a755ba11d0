/** k8s.io/apimachinery messages: meta/v1, runtime, util/intstr, api/resource. */
import type { SchemaSet } from '../schema';

export const metaKinds: Record<string, string> = {
  'v1/DeleteOptions': 'DeleteOptions',
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions',
};

export const metaSchemas: SchemaSet = {
  'meta.Timestamp': { 1: 'seconds:int64', 2: 'nanos:int32' },
  'meta.Duration': { 1: 'duration:int64' },
  'meta.Quantity': { 1: 'string:string' },
  'meta.IntOrString': { 1: 'type:int64', 2: 'intVal:int32', 3: 'strVal:string' },
  'meta.RawExtension': { 1: 'raw:bytes' },
  ObjectMeta: {
    1: 'name:string',
    2: 'generateName:string',
    3: 'namespace:string',
    4: 'selfLink:string',
    5: 'uid:string',
    6: 'resourceVersion:string',
    7: 'generation:int64',
    8: 'creationTimestamp:Time',
    9: 'deletionTimestamp:Time?',
    10: 'deletionGracePeriodSeconds:int64?',
    11: 'labels:map<string,string>',
    12: 'annotations:map<string,string>',
    13: 'ownerReferences:OwnerReference[]',
    14: 'finalizers:string[]',
    17: 'managedFields:ManagedFieldsEntry[]',
  },
  OwnerReference: {
    1: 'kind:string',
    3: 'name:string',
    4: 'uid:string',
    5: 'apiVersion:string',
    6: 'controller:bool?',
    7: 'blockOwnerDeletion:bool?',
  },
  ManagedFieldsEntry: {
    1: 'manager:string',
    2: 'operation:string',
    3: 'apiVersion:string',
    4: 'time:Time?',
    6: 'fieldsType:string',
    7: 'fieldsV1:FieldsV1?',
    8: 'subresource:string',
  },
  ListMeta: { 1: 'selfLink:string', 2: 'resourceVersion:string', 3: 'continue:string', 4: 'remainingItemCount:int64?' },
  LabelSelector: { 1: 'matchLabels:map<string,string>', 2: 'matchExpressions:LabelSelectorRequirement[]' },
  LabelSelectorRequirement: { 1: 'key:string', 2: 'operator:string', 3: 'values:string[]' },
  Preconditions: { 1: 'uid:string?', 2: 'resourceVersion:string?' },
  Condition: {
    1: 'type:string',
    2: 'status:string',
    3: 'observedGeneration:int64',
    4: 'lastTransitionTime:Time',
    5: 'reason:string',
    6: 'message:string',
  },
  DeleteOptions: {
    1: 'gracePeriodSeconds:int64?',
    2: 'preconditions:Preconditions?',
    3: 'orphanDependents:bool?',
    4: 'propagationPolicy:string?',
    5: 'dryRun:string[]',
    6: 'ignoreStoreReadErrorWithClusterBreakingPotential:bool?',
  },
};
