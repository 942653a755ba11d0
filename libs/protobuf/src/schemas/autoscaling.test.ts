import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf } from '../index';

describe('autoscaling and core-extra protobuf messages', () => {
  it('an autoscaling/v2 HPA with a memory metric and behavior round-trips', () => {
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } },
      },
    };
    expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(hpa))).toEqual(hpa);
  });

  it('autoscaling/v1 HPA and ResourceQuota', () => {
    const v1 = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
    };
    expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(v1))).toEqual(v1);
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '2' }, scopes: ['NotTerminating'] } };
    expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(quota))).toEqual(quota);
  });
});
