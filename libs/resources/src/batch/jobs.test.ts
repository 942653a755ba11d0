import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { jobsDefinition } from './jobs';

const def = jobsDefinition();
type Job = KObject & { spec: any; status?: any };
const UID = '0f6b0a52-7a35-4d2b-9b1a-8f2e5b5d9c11';

/** A job as the store hands it to the strategy: defaulted, uid set, prepared. */
function job(mutate?: (j: Job) => void, prepare = true): Job {
  const j: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: UID, creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } } },
  };
  mutate?.(j);
  def.strategy.default!(j);
  if (prepare) def.strategy.prepareForCreate!(j);
  return j;
}

const errorsOf = (j: KObject) => def.strategy.validate!(j).map(fieldErrorString);

describe('jobs', () => {
  it('defaults as SetDefaults_Job and generates the selector and labels', () => {
    const j = job();
    expect(j.spec).toMatchObject({
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
    });
    const labels = {
      'batch.kubernetes.io/controller-uid': UID,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': UID,
      'job-name': 'pi',
    };
    expect(j.spec.template.metadata).toEqual({ creationTimestamp: null, labels });
    expect(j.metadata.labels).toEqual(labels);
    expect(j.status).toEqual({});
    expect(errorsOf(j)).toEqual([]);
  });

  it('keeps user labels on the job, parallelism without completions, and Failed with a pod failure policy', () => {
    const j = job((x) => {
      x.metadata.labels = { team: 'a' };
      x.spec.parallelism = 3;
      x.spec.podFailurePolicy = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] };
    });
    expect(j.metadata.labels).toEqual({ team: 'a' });
    expect(j.spec.completions).toBeUndefined();
    expect(j.spec.podReplacementPolicy).toBe('Failed');
    expect(j.spec.podFailurePolicy.rules[0].onPodConditions[0].status).toBe('True');
  });

  it.each<[string, (j: Job) => void, string]>([
    [
      'restartPolicy Always',
      (j) => (j.spec.template.spec.restartPolicy = 'Always'),
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
    [
      'unset restartPolicy (defaulted to Always)',
      (j) => delete j.spec.template.spec.restartPolicy,
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
    ['negative parallelism', (j) => (j.spec.parallelism = -1), 'spec.parallelism: Invalid value: -1: must be greater than or equal to 0'],
    ['negative backoffLimit', (j) => (j.spec.backoffLimit = -3), 'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0'],
    [
      'bad completion mode',
      (j) => (j.spec.completionMode = 'Sorted'),
      'spec.completionMode: Unsupported value: "Sorted": supported values: "NonIndexed", "Indexed"',
    ],
    [
      'user selector without manualSelector',
      (j) => {
        j.spec.selector = { matchLabels: { app: 'pi' } };
        j.spec.template.metadata = { labels: { app: 'pi' } };
      },
      `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"pi", "batch.kubernetes.io/controller-uid":"${UID}"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: \`selector\` not auto-generated`,
    ],
    [
      'duplicate container names',
      (j) => j.spec.template.spec.containers.push({ name: 'pi', image: 'busybox' }),
      'spec.template.spec.containers[1].name: Duplicate value: "pi"',
    ],
    [
      'bad replacement policy',
      (j) => (j.spec.podReplacementPolicy = 'Sometimes'),
      'spec.podReplacementPolicy: Unsupported value: "Sometimes": supported values: "Failed", "TerminatingOrFailed"',
    ],
    [
      'indexed without completions',
      (j) => {
        j.spec.completionMode = 'Indexed';
        j.spec.parallelism = 2;
      },
      'spec.completions: Required value: when completion mode is Indexed',
    ],
    [
      'pod failure policy with OnFailure',
      (j) => {
        j.spec.template.spec.restartPolicy = 'OnFailure';
        j.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] };
      },
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ],
    [
      'managedBy without a domain',
      (j) => (j.spec.managedBy = 'kueue'),
      'spec.managedBy: Invalid value: "kueue": must be a domain-prefixed path (such as "acme.io/foo")',
    ],
  ])('rejects %s', (_n, mutate, expected) => {
    expect(errorsOf(job(mutate))).toContain(expected);
  });

  it('manualSelector: the selector must still match the template', () => {
    const j = job((x) => {
      x.spec.manualSelector = true;
      x.spec.selector = { matchLabels: { app: 'pi' } };
      x.spec.template.metadata = { labels: { app: 'other' } };
    });
    expect(errorsOf(j)).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    ]);
  });

  it('updates: selector, completions and template are immutable', () => {
    const old = job();
    const upd = job();
    upd.spec.completions = 3;
    upd.spec.template.spec.containers[0].image = 'perl:5.36';
    expect(def.strategy.validateUpdate!(upd, old).map(fieldErrorString)).toEqual([
      'spec.completions: Invalid value: 3: field is immutable',
      'spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable',
    ]);
    const ok = job();
    ok.spec.suspend = true;
    ok.spec.parallelism = 4;
    expect(def.strategy.validateUpdate!(ok, old)).toEqual([]);
  });

  it('table: NAME STATUS COMPLETIONS DURATION AGE ...', () => {
    const now = new Date('2024-05-01T11:10:00Z');
    const j = job();
    expect(def.table!.columns.map((c) => c.name)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
    expect(def.table!.cells(j, now)).toEqual(['pi', 'Running', '0/1', '', '10m', 'pi', 'perl:5.34', `batch.kubernetes.io/controller-uid=${UID}`]);
    j.status = {
      succeeded: 1,
      startTime: '2024-05-01T11:00:01Z',
      completionTime: '2024-05-01T11:00:09Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    };
    expect(def.table!.cells(j, now).slice(1, 4)).toEqual(['Complete', '1/1', '8s']);
    const par = job((x) => (x.spec.parallelism = 2));
    expect(def.table!.cells(par, now)[2]).toBe('0/1 of 2');
  });
});

describe('job updates of suspended jobs', () => {
  it('a suspended job that never started may change its scheduling directives, not its containers', () => {
    const old = job((x) => (x.spec.suspend = true));
    const upd = job((x) => {
      x.spec.suspend = true;
      x.spec.template.spec.nodeSelector = { zone: 'a' };
      x.spec.template.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
    });
    upd.spec.selector = old.spec.selector;
    upd.spec.template.metadata.labels = { ...old.spec.template.metadata.labels, queue: 'q1' };
    expect(def.strategy.validateUpdate!(upd, old)).toEqual([]);
    upd.spec.template.spec.containers[0].image = 'perl:5.36';
    expect(def.strategy.validateUpdate!(upd, old).map(fieldErrorString)).toEqual(['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);
  });

  it('elastic indexed jobs change completions in tandem with parallelism', () => {
    const old = job((x) => {
      x.spec.completionMode = 'Indexed';
      x.spec.completions = 2;
      x.spec.parallelism = 2;
    });
    const ok = job((x) => {
      x.spec.completionMode = 'Indexed';
      x.spec.completions = 4;
      x.spec.parallelism = 4;
    });
    ok.spec.selector = old.spec.selector;
    ok.spec.template = old.spec.template;
    expect(def.strategy.validateUpdate!(ok, old)).toEqual([]);
    ok.spec.parallelism = 3;
    expect(def.strategy.validateUpdate!(ok, old).map(fieldErrorString)).toEqual([
      'spec.completions: Invalid value: 4: can only be modified in tandem with spec.parallelism',
    ]);
  });
});

describe('job field selectors', () => {
  it('status.successful', () => {
    const j = job();
    expect(def.selectableFields!(j)).toEqual({ 'status.successful': '0' });
    j.status = { succeeded: 2 };
    expect(def.selectableFields!(j)).toEqual({ 'status.successful': '2' });
  });
});
