import { describe, expect, it } from 'vitest';
import { KObject } from '../../apimachinery/src/types';
import { nonStructuralCondition } from './nonstructural';

const crd = (schema: unknown, extra: Record<string, unknown> = {}): KObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }], ...extra },
  }) as KObject;

describe('NonStructuralSchema condition', () => {
  it('is absent for a structural schema', () => {
    expect(nonStructuralCondition(crd({ type: 'object', properties: { spec: { type: 'object' } } }))).toBeUndefined();
  });

  it('lists the violations like upstream', () => {
    const c = nonStructuralCondition(crd({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }));
    expect(c).toEqual({
      type: 'NonStructuralSchema',
      status: 'True',
      reason: 'Violations',
      message: 'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    });
  });

  it('aggregates several violations', () => {
    const c = nonStructuralCondition(crd({ type: 'object', properties: { a: {}, b: { type: 'array' } } }, { preserveUnknownFields: true }));
    expect(c?.message).toBe(
      '[spec.preserveUnknownFields: Invalid value: true: must be false, ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields, ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[b].items: Required value: must be specified]',
    );
  });

  it('checks x-kubernetes-embedded-resource schemas', () => {
    const c = nonStructuralCondition(crd({ type: 'object', properties: { t: { 'x-kubernetes-embedded-resource': true } } }));
    expect(c?.message).toBe(
      '[spec.versions[0].schema.openAPIV3Schema.properties[t].type: Required value: must be object if x-kubernetes-embedded-resource is true, ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields]',
    );
    expect(nonStructuralCondition(crd({ type: 'object', properties: { t: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } }))).toBeUndefined();
  });

  it('checks metadata at the root and in embedded resources', () => {
    const c = nonStructuralCondition(
      crd({
        type: 'object',
        properties: {
          kind: { type: 'integer' },
          metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, labels: { type: 'object' } } },
          t: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { metadata: { type: 'string' } } },
        },
      }),
    );
    expect(c?.message).toBe(
      '[spec.versions[0].schema.openAPIV3Schema.properties[kind].type: Invalid value: "integer": must be string, ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified, ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[t].properties[metadata].type: Invalid value: "string": must be object]',
    );
    expect(nonStructuralCondition(crd({ type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } } }))).toBeUndefined();
  });
});
