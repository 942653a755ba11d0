/** apps/v1 StatefulSet, DaemonSet and ControllerRevision, and the core/v1 PersistentVolumeClaim of claim templates. */
import type { SchemaSet } from '../schema';

export const workloadSetKinds: Record<string, string> = {
  'apps/v1/StatefulSet': 'StatefulSet',
  'apps/v1/DaemonSet': 'DaemonSet',
  'apps/v1/ControllerRevision': 'ControllerRevision',
};

export const workloadSetSchemas: SchemaSet = {
  StatefulSet: { 1: 'metadata:ObjectMeta', 2: 'spec:StatefulSetSpec', 3: 'status:StatefulSetStatus' },
  StatefulSetSpec: {
    1: 'replicas:int32?',
    2: 'selector:LabelSelector?',
    3: 'template:PodTemplateSpec',
    4: 'volumeClaimTemplates:PersistentVolumeClaim[]',
    5: 'serviceName:string',
    6: 'podManagementPolicy:string',
    7: 'updateStrategy:StatefulSetUpdateStrategy',
    8: 'revisionHistoryLimit:int32?',
    9: 'minReadySeconds:int32',
    10: 'persistentVolumeClaimRetentionPolicy:StatefulSetPersistentVolumeClaimRetentionPolicy?',
    11: 'ordinals:StatefulSetOrdinals?',
  },
  StatefulSetUpdateStrategy: { 1: 'type:string', 2: 'rollingUpdate:RollingUpdateStatefulSetStrategy?' },
  RollingUpdateStatefulSetStrategy: { 1: 'partition:int32?', 2: 'maxUnavailable:IntOrString?' },
  StatefulSetPersistentVolumeClaimRetentionPolicy: { 1: 'whenDeleted:string', 2: 'whenScaled:string' },
  StatefulSetOrdinals: { 1: 'start:int32' },
  StatefulSetStatus: {
    1: 'observedGeneration:int64',
    2: 'replicas:int32',
    3: 'readyReplicas:int32',
    4: 'currentReplicas:int32',
    5: 'updatedReplicas:int32',
    6: 'currentRevision:string',
    7: 'updateRevision:string',
    9: 'collisionCount:int32?',
    10: 'conditions:StatefulSetCondition[]',
    11: 'availableReplicas:int32',
  },
  StatefulSetCondition: {
    1: 'type:string',
    2: 'status:string',
    3: 'lastTransitionTime:Time',
    4: 'reason:string',
    5: 'message:string',
  },

  PersistentVolumeClaim: { 1: 'metadata:ObjectMeta', 2: 'spec:PersistentVolumeClaimSpec', 3: 'status:PersistentVolumeClaimStatus' },
  PersistentVolumeClaimStatus: {
    1: 'phase:string',
    2: 'accessModes:string[]',
    3: 'capacity:map<string,Quantity>',
    5: 'allocatedResources:map<string,Quantity>',
    7: 'allocatedResourceStatuses:map<string,string>',
    8: 'currentVolumeAttributesClassName:string?',
  },

  DaemonSet: { 1: 'metadata:ObjectMeta', 2: 'spec:DaemonSetSpec', 3: 'status:DaemonSetStatus' },
  DaemonSetSpec: {
    1: 'selector:LabelSelector?',
    2: 'template:PodTemplateSpec',
    3: 'updateStrategy:DaemonSetUpdateStrategy',
    4: 'minReadySeconds:int32',
    6: 'revisionHistoryLimit:int32?',
  },
  DaemonSetUpdateStrategy: { 1: 'type:string', 2: 'rollingUpdate:RollingUpdateDaemonSet?' },
  RollingUpdateDaemonSet: { 1: 'maxUnavailable:IntOrString?', 2: 'maxSurge:IntOrString?' },
  DaemonSetStatus: {
    1: 'currentNumberScheduled:int32',
    2: 'numberMisscheduled:int32',
    3: 'desiredNumberScheduled:int32',
    4: 'numberReady:int32',
    5: 'observedGeneration:int64',
    6: 'updatedNumberScheduled:int32',
    7: 'numberAvailable:int32',
    8: 'numberUnavailable:int32',
    9: 'collisionCount:int32?',
    10: 'conditions:DaemonSetCondition[]',
  },
  DaemonSetCondition: {
    1: 'type:string',
    2: 'status:string',
    3: 'lastTransitionTime:Time',
    4: 'reason:string',
    5: 'message:string',
  },

  ControllerRevision: { 1: 'metadata:ObjectMeta', 2: 'data:RawExtension', 3: 'revision:int64' },
};
