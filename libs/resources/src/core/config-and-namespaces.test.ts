import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { configMapsDefinition } from './configmaps';
import { namespacesDefinition } from './namespaces';
import { secretsDefinition } from './secrets';
import { serviceAccountsDefinition } from './serviceaccounts';

const NOW = new Date('2024-05-01T12:00:00Z');
const CREATED = '2024-05-01T11:59:55Z';

describe('configmaps', () => {
  const def = configMapsDefinition();
  const cm = (data: Record<string, string>, binaryData?: Record<string, string>): KObject => ({
    metadata: { name: 'c', namespace: 'default', creationTimestamp: CREATED },
    data,
    ...(binaryData ? { binaryData } : {}),
  });

  it('validates keys', () => {
    expect(def.strategy.validate!(cm({ 'good.key': 'x', 'bad key': 'y' })).map(fieldErrorString)).toEqual([
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    expect(def.strategy.validate!(cm({ a: 'x' }, { a: 'eA==' })).map(fieldErrorString)).toEqual([
      'data[a]: Invalid value: "a": duplicate of key present in binaryData',
    ]);
  });

  it('immutable configmaps', () => {
    const old = { ...cm({ a: 'x' }), immutable: true };
    const next = { ...deepCopy(old), data: { a: 'y' } };
    expect(def.strategy.validateUpdate!(next, old).map(fieldErrorString)).toEqual([
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('table', () => {
    expect(def.table!.cells(cm({ a: 'x', b: 'y' }, { c: 'eA==' }), NOW)).toEqual(['c', 3, '5s']);
  });
});

describe('secrets', () => {
  const def = secretsDefinition();
  const secret = (extra: Record<string, unknown>): KObject => ({
    metadata: { name: 's', namespace: 'default', creationTimestamp: CREATED },
    ...extra,
  });

  it('defaults the type and merges stringData into data', () => {
    const s = secret({ data: { a: 'eA==' }, stringData: { a: 'over', b: 'ünï' } });
    def.strategy.default!(s);
    expect(s).toEqual({
      metadata: { name: 's', namespace: 'default', creationTimestamp: CREATED },
      type: 'Opaque',
      data: { a: Buffer.from('over').toString('base64'), b: Buffer.from('ünï').toString('base64') },
    });
  });

  it('rejects data that is not base64 like upstream decoding', () => {
    expect(() => def.strategy.default!(secret({ data: { a: 'abc$' } }))).toThrow(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
    expect(() => def.strategy.default!(secret({ data: { a: 'abc' } }))).toThrow('illegal base64 data at input byte 0');
    expect(() => def.strategy.default!(secret({ data: { a: 'YQ==\n' } }))).not.toThrow();
  });

  it('type-specific required keys and immutable type', () => {
    const tls = secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } });
    expect(def.strategy.validate!(tls).map(fieldErrorString)).toEqual(['data[tls.key]: Required value']);
    const old = secret({ type: 'Opaque', data: {} });
    expect(def.strategy.validateUpdate!(secret({ type: 'other', data: {} }), old).map(fieldErrorString)).toEqual([
      'type: Invalid value: "other": field is immutable',
    ]);
  });

  it('table and field selector', () => {
    const s = secret({ type: 'Opaque', data: { a: 'eA==', b: 'eA==' } });
    expect(def.table!.cells(s, NOW)).toEqual(['s', 'Opaque', 2, '5s']);
    expect(def.selectableFields!(s)).toEqual({ type: 'Opaque' });
  });
});

describe('namespaces', () => {
  const def = namespacesDefinition();

  it('create: Active, kubernetes finalizer, metadata.name label', () => {
    const ns: KObject = { metadata: { name: 'team-a' } };
    def.strategy.default!(ns);
    def.strategy.prepareForCreate!(ns);
    def.strategy.canonicalize!(ns);
    expect(ns).toEqual({
      metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });

  it('finalizer names and status phase rules', () => {
    const ns: KObject = { metadata: { name: 'x' }, spec: { finalizers: ['custom'] } };
    expect(def.strategy.validate!(ns).map(fieldErrorString)).toEqual([
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
    const terminating: KObject = { metadata: { name: 'x' }, status: { phase: 'Terminating' } };
    expect(def.statusStrategy!.validateUpdate!(terminating, terminating).map(fieldErrorString)).toEqual([
      "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
    ]);
  });

  it('updates keep finalizers and status', () => {
    const old: KObject = { metadata: { name: 'x' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    const next: KObject = { metadata: { name: 'x' }, spec: { finalizers: [] }, status: { phase: 'Terminating' } };
    def.strategy.prepareForUpdate!(next, old);
    expect(next.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(next.status).toEqual({ phase: 'Active' });
  });

  it('table and field selector', () => {
    const ns: KObject = { metadata: { name: 'x', creationTimestamp: CREATED }, status: { phase: 'Active' } };
    expect(def.table!.cells(ns, NOW)).toEqual(['x', 'Active', '5s']);
    expect(def.selectableFields!(ns)).toEqual({ 'status.phase': 'Active' });
  });
});

describe('serviceaccounts', () => {
  const def = serviceAccountsDefinition();
  it('keeps only secret names, prints SECRETS', () => {
    const sa: KObject = { metadata: { name: 'sa', creationTimestamp: CREATED }, secrets: [{ name: 't', namespace: 'x', uid: 'u' }] };
    def.strategy.prepareForCreate!(sa);
    expect(sa.secrets).toEqual([{ name: 't' }]);
    expect(def.table!.cells(sa, NOW)).toEqual(['sa', 1, '5s']);
  });
});
