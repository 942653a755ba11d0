import { describe, expect, it } from 'vitest';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { podsDefinition } from '../../../../libs/resources/src';
import { Store } from '../../../../libs/registry/src/store';
import { limitRanger, LIMIT_RANGER_ANNOTATION } from './limit-ranger';

const range: KObject = {
  metadata: { name: 'lr' },
  spec: {
    limits: [
      { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' }, min: { cpu: '50m' }, maxLimitRequestRatio: { cpu: '10' } },
    ],
  },
};
const [mutate, validate] = limitRanger(() => ({ list: async () => ({ items: [range] }) }) as unknown as Store);
const pods = podsDefinition();

async function admit(containers: unknown[]): Promise<KObject> {
  const pod: KObject = { metadata: { name: 'p' }, spec: { containers } };
  const attrs = { operation: 'CREATE' as const, def: pods, namespace: 'd', name: 'p', subresource: '', object: pod, dryRun: false };
  await mutate(attrs);
  await validate(attrs);
  return pod;
}

describe('LimitRanger', () => {
  it('applies Container defaults and annotates the pod', async () => {
    const pod = await admit([{ name: 'c' }]);
    expect((pod.spec as { containers: { resources: unknown }[] }).containers[0].resources).toEqual({
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '100m', memory: '256Mi' },
    });
    expect(pod.metadata.annotations?.[LIMIT_RANGER_ANNOTATION]).toBe('LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
  });

  it('enforces max, min and the ratio with upstream messages', async () => {
    await expect(admit([{ name: 'c', resources: { limits: { cpu: '2' }, requests: { cpu: '1' } } }])).rejects.toThrow(
      'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    );
    await expect(admit([{ name: 'c', resources: { limits: { cpu: '500m' }, requests: { cpu: '10m' } } }])).rejects.toThrow(
      'pods "p" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, cpu max limit to request ratio per Container is 10, but provided ratio is 50.000000]',
    );
  });
});
