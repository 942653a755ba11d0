import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { podsDefinition, priorityClassesDefinition } from '../../../../libs/resources/src';
import { Store } from '../../../../libs/registry/src/store';
import { priorityAdmission } from './priority';

const classes: KObject[] = [
  { metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' },
  { metadata: { name: 'low-default' }, value: 10, globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' },
];
const store = {
  list: async () => ({ items: classes }),
  get: async (_ns: string, name: string) => {
    const c = classes.find((x) => x.metadata.name === name);
    if (!c) throw new StatusError(404, 'NotFound', 'not found');
    return c;
  },
} as unknown as Store;

const pods = podsDefinition();
const pcs = priorityClassesDefinition();

async function admitPod(spec: Record<string, unknown>, hook = priorityAdmission(() => store)): Promise<Record<string, unknown>> {
  const pod: KObject = { metadata: { name: 'p' }, spec };
  await hook({ operation: 'CREATE', def: pods, namespace: 'd', name: 'p', subresource: '', object: pod, dryRun: false });
  return pod.spec as Record<string, unknown>;
}

describe('Priority admission', () => {
  it('resolves the class, or the global default', async () => {
    expect(await admitPod({ priorityClassName: 'high' })).toEqual({ priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' });
    expect(await admitPod({})).toEqual({ priorityClassName: 'low-default', priority: 10, preemptionPolicy: 'PreemptLowerPriority' });
    const none = priorityAdmission(() => ({ list: async () => ({ items: [] }) }) as unknown as Store);
    expect(await admitPod({}, none)).toEqual({ priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
  });

  it('rejects unknown classes and conflicting values with 403', async () => {
    await expect(admitPod({ priorityClassName: 'nope' })).rejects.toThrow('pods "p" is forbidden: no PriorityClass with name nope was found');
    await expect(admitPod({ priorityClassName: 'high', priority: 5 })).rejects.toThrow(
      'the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    );
  });

  it('only one global default priority class', async () => {
    const hook = priorityAdmission(() => store);
    const pc: KObject = { metadata: { name: 'other' }, value: 1, globalDefault: true };
    await expect(hook({ operation: 'CREATE', def: pcs, namespace: '', name: 'other', subresource: '', object: pc, dryRun: false })).rejects.toThrow(
      'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low-default is already marked as default. Only one default can exist',
    );
    const same: KObject = { metadata: { name: 'low-default' }, value: 10, globalDefault: true };
    await hook({ operation: 'UPDATE', def: pcs, namespace: '', name: 'low-default', subresource: '', object: same, oldObject: same, dryRun: false });
  });

  it('system priority classes cannot be deleted', async () => {
    const hook = priorityAdmission(() => store);
    await expect(hook({ operation: 'DELETE', def: pcs, namespace: '', name: 'system-node-critical', subresource: '', dryRun: false })).rejects.toThrow(
      'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
    );
    await hook({ operation: 'DELETE', def: pcs, namespace: '', name: 'high', subresource: '', dryRun: false });
  });
});
