import { describe, expect, it } from 'vitest';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ingressesDefinition } from '../../../../libs/resources/src';
import { Store } from '../../../../libs/registry/src/store';
import { defaultIngressClass, pickDefaultIngressClass } from './default-ingress-class';

const cls = (name: string, ts: string, isDefault: boolean): KObject => ({
  metadata: { name, creationTimestamp: ts, annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} },
});

describe('DefaultIngressClass', () => {
  it('picks the newest default class, ties by name', () => {
    expect(pickDefaultIngressClass([cls('a', '2024-01-01T00:00:00Z', false)])).toBeUndefined();
    expect(pickDefaultIngressClass([cls('old', '2024-01-01T00:00:00Z', true), cls('new', '2024-02-01T00:00:00Z', true)])?.metadata.name).toBe('new');
    expect(pickDefaultIngressClass([cls('b', '2024-01-01T00:00:00Z', true), cls('a', '2024-01-01T00:00:00Z', true)])?.metadata.name).toBe('a');
  });

  it('sets spec.ingressClassName on create only when none is given', async () => {
    const store = { list: async () => ({ items: [cls('nginx', '2024-01-01T00:00:00Z', true)] }) } as unknown as Store;
    const hook = defaultIngressClass(() => store);
    const def = ingressesDefinition();
    const run = async (obj: KObject, operation: 'CREATE' | 'UPDATE' = 'CREATE') => {
      await hook({ operation, def, namespace: 'd', name: 'i', subresource: '', object: obj, dryRun: false });
      return obj.spec as Record<string, unknown>;
    };
    expect((await run({ metadata: { name: 'i' }, spec: {} })).ingressClassName).toBe('nginx');
    expect((await run({ metadata: { name: 'i' }, spec: { ingressClassName: 'other' } })).ingressClassName).toBe('other');
    expect((await run({ metadata: { name: 'i', annotations: { 'kubernetes.io/ingress.class': 'x' } }, spec: {} })).ingressClassName).toBeUndefined();
    expect((await run({ metadata: { name: 'i' }, spec: {} }, 'UPDATE')).ingressClassName).toBeUndefined();
  });
});
