import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf, KIND_MESSAGES } from './index';

const roundTrip = (o: Record<string, unknown>) => decodeKubernetesProtobuf(encodeKubernetesProtobuf(o));

const podTemplate = (restartPolicy: string) => ({
  metadata: { labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'date'] }], restartPolicy },
});

describe('protobuf: stateful sets, daemon sets, jobs, cron jobs, disruption budgets', () => {
  it('maps the kinds', () => {
    for (const k of ['apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'apps/v1/ControllerRevision', 'batch/v1/Job', 'batch/v1/CronJob', 'policy/v1/PodDisruptionBudget']) {
      expect(KIND_MESSAGES[k], k).toBeDefined();
    }
  });

  it('StatefulSet with volume claim templates and pointer zeros', () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'x' } },
        template: podTemplate('Always'),
        volumeClaimTemplates: [
          { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
        ],
        serviceName: 'web',
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: '50%' } },
        revisionHistoryLimit: 10,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
        ordinals: { start: 1 },
      },
      status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, currentRevision: 'web-1', collisionCount: 0 },
    };
    expect(roundTrip(sts)).toEqual(sts);
  });

  it('DaemonSet and ControllerRevision', () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: podTemplate('Always'),
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        minReadySeconds: 5,
        revisionHistoryLimit: 10,
      },
      status: { currentNumberScheduled: 3, desiredNumberScheduled: 3, numberReady: 2, observedGeneration: 1 },
    };
    expect(roundTrip(ds)).toEqual(ds);
    const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-1' }, data: { spec: { template: { x: 1 } } }, revision: 3 };
    expect(roundTrip(cr)).toEqual(cr);
  });

  it('Job with policies, and CronJob', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default' },
      spec: {
        parallelism: 2,
        completions: 4,
        activeDeadlineSeconds: 600,
        backoffLimit: 0,
        manualSelector: false,
        template: podTemplate('Never'),
        ttlSecondsAfterFinished: 100,
        completionMode: 'Indexed',
        suspend: false,
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1, 42] } },
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          ],
        },
        podReplacementPolicy: 'Failed',
        managedBy: 'kubernetes.io/job-controller',
      },
      status: { startTime: '2024-05-06T07:08:09Z', active: 1, ready: 0, uncountedTerminatedPods: { succeeded: ['a'] } },
    };
    expect(roundTrip(job)).toEqual(job);
    const cj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello', namespace: 'default' },
      spec: {
        schedule: '*/5 * * * *',
        timeZone: 'Etc/UTC',
        startingDeadlineSeconds: 30,
        concurrencyPolicy: 'Forbid',
        suspend: true,
        jobTemplate: { metadata: { name: 'hello' }, spec: { template: podTemplate('OnFailure') } },
        successfulJobsHistoryLimit: 0,
        failedJobsHistoryLimit: 1,
      },
      status: { active: [{ kind: 'Job', namespace: 'default', name: 'hello-1', uid: 'u' }], lastScheduleTime: '2024-05-06T07:05:00Z' },
    };
    expect(roundTrip(cj)).toEqual(cj);
  });

  it('PodDisruptionBudget with int-or-string values and disrupted pods', () => {
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: '50%', selector: { matchLabels: { app: 'x' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      status: {
        observedGeneration: 2,
        disruptedPods: { 'web-1': '2024-05-06T07:08:09Z' },
        disruptionsAllowed: 1,
        currentHealthy: 3,
        desiredHealthy: 2,
        expectedPods: 3,
        conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 2, lastTransitionTime: '2024-05-06T07:08:09Z', reason: 'SufficientPods', message: 'ok' }],
      },
    };
    expect(roundTrip(pdb)).toEqual(pdb);
  });
});
