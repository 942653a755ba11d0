/** autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscaler (message names prefixed by version: both packages reuse names). */
import type { SchemaSet } from '../schema';

export const autoscalingKinds: Record<string, string> = {
  'autoscaling/v1/HorizontalPodAutoscaler': 'AutoscalingV1HorizontalPodAutoscaler',
  'autoscaling/v2/HorizontalPodAutoscaler': 'AutoscalingV2HorizontalPodAutoscaler',
};

export const autoscalingSchemas: SchemaSet = {
  // ---- autoscaling/v1
  AutoscalingV1HorizontalPodAutoscaler: {
    1: 'metadata:ObjectMeta',
    2: 'spec:AutoscalingV1HorizontalPodAutoscalerSpec',
    3: 'status:AutoscalingV1HorizontalPodAutoscalerStatus',
  },
  AutoscalingV1HorizontalPodAutoscalerSpec: {
    1: 'scaleTargetRef:AutoscalingCrossVersionObjectReference',
    2: 'minReplicas:int32?',
    3: 'maxReplicas:int32',
    4: 'targetCPUUtilizationPercentage:int32?',
  },
  AutoscalingV1HorizontalPodAutoscalerStatus: {
    1: 'observedGeneration:int64?',
    2: 'lastScaleTime:Time?',
    3: 'currentReplicas:int32',
    4: 'desiredReplicas:int32',
    5: 'currentCPUUtilizationPercentage:int32?',
  },
  AutoscalingCrossVersionObjectReference: { 1: 'kind:string', 2: 'name:string', 3: 'apiVersion:string' },

  // ---- autoscaling/v2
  AutoscalingV2HorizontalPodAutoscaler: {
    1: 'metadata:ObjectMeta',
    2: 'spec:AutoscalingV2HorizontalPodAutoscalerSpec',
    3: 'status:AutoscalingV2HorizontalPodAutoscalerStatus',
  },
  AutoscalingV2HorizontalPodAutoscalerSpec: {
    1: 'scaleTargetRef:AutoscalingCrossVersionObjectReference',
    2: 'minReplicas:int32?',
    3: 'maxReplicas:int32',
    4: 'metrics:AutoscalingV2MetricSpec[]',
    5: 'behavior:AutoscalingV2HorizontalPodAutoscalerBehavior?',
  },
  AutoscalingV2HorizontalPodAutoscalerBehavior: { 1: 'scaleUp:AutoscalingV2HPAScalingRules?', 2: 'scaleDown:AutoscalingV2HPAScalingRules?' },
  AutoscalingV2HPAScalingRules: {
    3: 'stabilizationWindowSeconds:int32?',
    1: 'selectPolicy:string?',
    2: 'policies:AutoscalingV2HPAScalingPolicy[]',
  },
  AutoscalingV2HPAScalingPolicy: { 1: 'type:string', 2: 'value:int32', 3: 'periodSeconds:int32' },
  AutoscalingV2MetricSpec: {
    1: 'type:string',
    2: 'object:AutoscalingV2ObjectMetricSource?',
    3: 'pods:AutoscalingV2PodsMetricSource?',
    4: 'resource:AutoscalingV2ResourceMetricSource?',
    7: 'containerResource:AutoscalingV2ContainerResourceMetricSource?',
    5: 'external:AutoscalingV2ExternalMetricSource?',
  },
  AutoscalingV2MetricTarget: { 1: 'type:string', 2: 'value:Quantity?', 3: 'averageValue:Quantity?', 4: 'averageUtilization:int32?' },
  AutoscalingV2MetricIdentifier: { 1: 'name:string', 2: 'selector:LabelSelector?' },
  AutoscalingV2ObjectMetricSource: {
    1: 'describedObject:AutoscalingCrossVersionObjectReference',
    2: 'target:AutoscalingV2MetricTarget',
    3: 'metric:AutoscalingV2MetricIdentifier',
  },
  AutoscalingV2PodsMetricSource: { 1: 'metric:AutoscalingV2MetricIdentifier', 2: 'target:AutoscalingV2MetricTarget' },
  AutoscalingV2ResourceMetricSource: { 1: 'name:string', 2: 'target:AutoscalingV2MetricTarget' },
  AutoscalingV2ContainerResourceMetricSource: { 1: 'name:string', 2: 'target:AutoscalingV2MetricTarget', 3: 'container:string' },
  AutoscalingV2ExternalMetricSource: { 1: 'metric:AutoscalingV2MetricIdentifier', 2: 'target:AutoscalingV2MetricTarget' },
  AutoscalingV2HorizontalPodAutoscalerStatus: {
    1: 'observedGeneration:int64?',
    2: 'lastScaleTime:Time?',
    3: 'currentReplicas:int32',
    4: 'desiredReplicas:int32',
    5: 'currentMetrics:AutoscalingV2MetricStatus[]',
    6: 'conditions:AutoscalingV2HorizontalPodAutoscalerCondition[]',
  },
  AutoscalingV2MetricStatus: {
    1: 'type:string',
    2: 'object:AutoscalingV2ObjectMetricStatus?',
    3: 'pods:AutoscalingV2PodsMetricStatus?',
    4: 'resource:AutoscalingV2ResourceMetricStatus?',
    7: 'containerResource:AutoscalingV2ContainerResourceMetricStatus?',
    5: 'external:AutoscalingV2ExternalMetricStatus?',
  },
  AutoscalingV2MetricValueStatus: { 1: 'value:Quantity?', 2: 'averageValue:Quantity?', 3: 'averageUtilization:int32?' },
  AutoscalingV2ObjectMetricStatus: {
    1: 'metric:AutoscalingV2MetricIdentifier',
    2: 'current:AutoscalingV2MetricValueStatus',
    3: 'describedObject:AutoscalingCrossVersionObjectReference',
  },
  AutoscalingV2PodsMetricStatus: { 1: 'metric:AutoscalingV2MetricIdentifier', 2: 'current:AutoscalingV2MetricValueStatus' },
  AutoscalingV2ResourceMetricStatus: { 1: 'name:string', 2: 'current:AutoscalingV2MetricValueStatus' },
  AutoscalingV2ContainerResourceMetricStatus: { 1: 'name:string', 2: 'current:AutoscalingV2MetricValueStatus', 3: 'container:string' },
  AutoscalingV2ExternalMetricStatus: { 1: 'metric:AutoscalingV2MetricIdentifier', 2: 'current:AutoscalingV2MetricValueStatus' },
  AutoscalingV2HorizontalPodAutoscalerCondition: {
    1: 'type:string',
    2: 'status:string',
    3: 'lastTransitionTime:Time',
    4: 'reason:string',
    5: 'message:string',
  },
};
