/** apps/v1 Deployment and ReplicaSet, autoscaling/v1 Scale, policy/v1 Eviction. */
import type { SchemaSet } from '../schema';

export const workloadKinds: Record<string, string> = {
  'apps/v1/Deployment': 'Deployment',
  'apps/v1/ReplicaSet': 'ReplicaSet',
  'autoscaling/v1/Scale': 'Scale',
  'policy/v1/Eviction': 'Eviction',
};

export const workloadSchemas: SchemaSet = {
  Deployment: { 1: 'metadata:ObjectMeta', 2: 'spec:DeploymentSpec', 3: 'status:DeploymentStatus' },
  DeploymentSpec: {
    1: 'replicas:int32?',
    2: 'selector:LabelSelector?',
    3: 'template:PodTemplateSpec',
    4: 'strategy:DeploymentStrategy',
    5: 'minReadySeconds:int32',
    6: 'revisionHistoryLimit:int32?',
    7: 'paused:bool',
    9: 'progressDeadlineSeconds:int32?',
  },
  DeploymentStrategy: { 1: 'type:string', 2: 'rollingUpdate:RollingUpdateDeployment?' },
  RollingUpdateDeployment: { 1: 'maxUnavailable:IntOrString?', 2: 'maxSurge:IntOrString?' },
  DeploymentStatus: {
    1: 'observedGeneration:int64',
    2: 'replicas:int32',
    3: 'updatedReplicas:int32',
    4: 'availableReplicas:int32',
    5: 'unavailableReplicas:int32',
    6: 'conditions:DeploymentCondition[]',
    7: 'readyReplicas:int32',
    8: 'collisionCount:int32?',
  },
  DeploymentCondition: {
    1: 'type:string',
    2: 'status:string',
    4: 'reason:string',
    5: 'message:string',
    6: 'lastUpdateTime:Time',
    7: 'lastTransitionTime:Time',
  },

  ReplicaSet: { 1: 'metadata:ObjectMeta', 2: 'spec:ReplicaSetSpec', 3: 'status:ReplicaSetStatus' },
  ReplicaSetSpec: {
    1: 'replicas:int32?',
    2: 'selector:LabelSelector?',
    3: 'template:PodTemplateSpec',
    4: 'minReadySeconds:int32',
  },
  ReplicaSetStatus: {
    1: 'replicas:int32',
    2: 'fullyLabeledReplicas:int32',
    3: 'observedGeneration:int64',
    4: 'readyReplicas:int32',
    5: 'availableReplicas:int32',
    6: 'conditions:ReplicaSetCondition[]',
  },
  ReplicaSetCondition: {
    1: 'type:string',
    2: 'status:string',
    3: 'lastTransitionTime:Time',
    4: 'reason:string',
    5: 'message:string',
  },

  Scale: { 1: 'metadata:ObjectMeta', 2: 'spec:ScaleSpec', 3: 'status:ScaleStatus' },
  ScaleSpec: { 1: 'replicas:int32' },
  ScaleStatus: { 1: 'replicas:int32', 2: 'selector:string' },

  Eviction: { 1: 'metadata:ObjectMeta', 2: 'deleteOptions:DeleteOptions?' },
};
