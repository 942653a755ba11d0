/** core/v1 ResourceQuota, LimitRange, ReplicationController, PodTemplate and the PersistentVolumeClaim kind. */
import type { SchemaSet } from '../schema';

export const coreExtraKinds: Record<string, string> = {
  'v1/ResourceQuota': 'ResourceQuota',
  'v1/LimitRange': 'LimitRange',
  'v1/ReplicationController': 'ReplicationController',
  'v1/PodTemplate': 'PodTemplate',
  'v1/PersistentVolumeClaim': 'PersistentVolumeClaim',
};

export const coreExtraSchemas: SchemaSet = {
  ResourceQuota: { 1: 'metadata:ObjectMeta', 2: 'spec:ResourceQuotaSpec', 3: 'status:ResourceQuotaStatus' },
  ResourceQuotaSpec: { 1: 'hard:map<string,Quantity>', 2: 'scopes:string[]', 3: 'scopeSelector:ScopeSelector?' },
  ScopeSelector: { 1: 'matchExpressions:ScopedResourceSelectorRequirement[]' },
  ScopedResourceSelectorRequirement: { 1: 'scopeName:string', 2: 'operator:string', 3: 'values:string[]' },
  ResourceQuotaStatus: { 1: 'hard:map<string,Quantity>', 2: 'used:map<string,Quantity>' },

  LimitRange: { 1: 'metadata:ObjectMeta', 2: 'spec:LimitRangeSpec' },
  LimitRangeSpec: { 1: 'limits:LimitRangeItem[]' },
  LimitRangeItem: {
    1: 'type:string',
    2: 'max:map<string,Quantity>',
    3: 'min:map<string,Quantity>',
    4: 'default:map<string,Quantity>',
    5: 'defaultRequest:map<string,Quantity>',
    6: 'maxLimitRequestRatio:map<string,Quantity>',
  },

  ReplicationController: { 1: 'metadata:ObjectMeta', 2: 'spec:ReplicationControllerSpec', 3: 'status:ReplicationControllerStatus' },
  ReplicationControllerSpec: {
    1: 'replicas:int32?',
    4: 'minReadySeconds:int32',
    2: 'selector:map<string,string>',
    3: 'template:PodTemplateSpec?',
  },
  ReplicationControllerStatus: {
    1: 'replicas:int32',
    2: 'fullyLabeledReplicas:int32',
    4: 'readyReplicas:int32',
    5: 'availableReplicas:int32',
    3: 'observedGeneration:int64',
    6: 'conditions:ReplicationControllerCondition[]',
  },
  ReplicationControllerCondition: { 1: 'type:string', 2: 'status:string', 3: 'lastTransitionTime:Time', 4: 'reason:string', 5: 'message:string' },

  PodTemplate: { 1: 'metadata:ObjectMeta', 2: 'template:PodTemplateSpec' },
};
