import { describe, it, expect } from 'vitest';
import { duplicateFieldMessages, findDuplicateFields, findUnknownFields, modelTypeFieldNames, unknownFieldMessages } from './unknown-fields';

describe('findUnknownFields', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, bogus: 1, managedFields: [{ manager: 'x', fieldsV1: { 'f:anything': {} } }] },
    spec: {
      replicas: 2,
      foo: true,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'a', image: 'nginx', resources: { limits: { cpu: '1' } } },
            { name: 'b', image: 'nginx', bar: 'x', ports: [{ containerPort: 80, hostPortz: 1 }] },
          ],
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
    },
    status: null,
    extra: {},
  };

  it('reports unknown fields with upstream paths, in document order', () => {
    expect(findUnknownFields('V1Deployment', deployment)).toEqual([
      'metadata.bogus',
      'spec.foo',
      'spec.template.spec.containers[1].bar',
      'spec.template.spec.containers[1].ports[0].hostPortz',
      'extra',
    ]);
    expect(unknownFieldMessages('V1Deployment', { spec: { foo: 1 } })).toEqual(['unknown field "spec.foo"']);
  });

  it('treats open (any-typed) values and unknown kinds as having no unknown fields', () => {
    expect(findUnknownFields('V1ConfigMap', { data: { anything: 'x' }, binaryData: {} })).toEqual([]);
    expect(findUnknownFields('V1ControllerRevision', { data: { whatever: { deep: 1 } }, revision: 1 })).toEqual([]);
    expect(findUnknownFields('NotAModel', { foo: 1 })).toEqual([]);
    expect(findUnknownFields('V1CustomResourceDefinition', { spec: { versions: [{ schema: { openAPIV3Schema: { properties: { a: { type: 'string', nope: 1 } }, default: { x: 1 } } } }] } })).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.properties.a.nope',
    ]);
  });

  it('knows JSON field names that differ from client-node property names', () => {
    expect(findUnknownFields('V1ListMeta', { continue: 'x', resourceVersion: '1' })).toEqual([]);
    expect(modelTypeFieldNames('V1ListMeta')).toContain('continue');
  });
});

describe('findDuplicateFields', () => {
  it('reports keys repeated within one object, with paths', () => {
    const json = '{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","name":"b"}]}},"replicas":2},"kind":"X"}';
    expect(findDuplicateFields(json)).toEqual(['spec.template.spec.containers[0].name', 'spec.replicas']);
    expect(duplicateFieldMessages('{"a":1,"a":2}')).toEqual(['duplicate field "a"']);
    expect(findDuplicateFields('{"a":{"b":1},"c":{"b":2}}')).toEqual([]);
    expect(findDuplicateFields('{"a\\u0062":1,"ab":2}')).toEqual(['ab']);
    expect(findDuplicateFields('{broken')).toEqual([]);
  });
});
