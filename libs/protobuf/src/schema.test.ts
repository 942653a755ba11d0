import { describe, expect, it } from 'vitest';
import { KIND_MESSAGES, kubernetesSchemas } from './index';
import { parseField } from './schema';

describe('protobuf schemas', () => {
  const schemas = kubernetesSchemas();

  it('reference no undefined message', () => {
    expect(schemas.missing()).toEqual([]);
  });

  it('map every served kind to a defined message', () => {
    for (const [kind, message] of Object.entries(KIND_MESSAGES)) expect(schemas.has(message), kind).toBe(true);
    for (const k of [
      'v1/Namespace',
      'v1/Pod',
      'v1/Service',
      'v1/Endpoints',
      'v1/Binding',
      'v1/Node',
      'v1/Event',
      'events.k8s.io/v1/Event',
      'coordination.k8s.io/v1/Lease',
      'apps/v1/Deployment',
      'apps/v1/ReplicaSet',
      'autoscaling/v1/Scale',
      'authentication.k8s.io/v1/TokenRequest',
      'policy/v1/Eviction',
      'meta.k8s.io/v1/DeleteOptions',
    ]) {
      expect(KIND_MESSAGES[k], k).toBeDefined();
    }
  });

  it('never reuses a JSON name within a message (inline members included)', () => {
    const names = (message: string): string[] =>
      [...schemas.fields(message).values()].flatMap((f) => (f.inline ? names(f.type) : [f.name]));
    for (const message of schemas.names()) {
      const all = names(message);
      expect(new Set(all).size, message).toBe(all.length);
    }
  });

  it('parses the field DSL', () => {
    expect(parseField('replicas:int32?')).toMatchObject({ name: 'replicas', type: 'int32', pointer: true, repeated: false, inline: false });
    expect(parseField('limits:map<string,Quantity>')).toMatchObject({ type: 'map', map: { key: 'string', value: 'Quantity' } });
    expect(parseField('...:LocalObjectReference')).toMatchObject({ inline: true, type: 'LocalObjectReference' });
    expect(parseField('series:events.EventSeries?')).toMatchObject({ type: 'events.EventSeries', pointer: true });
    expect(() => parseField('...:Foo[]')).toThrow();
    expect(() => parseField('bad spec')).toThrow();
  });
});
