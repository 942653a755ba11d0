import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../apimachinery/src/field-errors';
import { KObject } from '../../apimachinery/src/types';
import { OpenApiBuilder } from '../../openapi/src';
import { crdDefinition } from './crd-resource';
import { validateCRD } from './crd-validation';
import { customResourceDefinitions, pruneAndDefault, validateCustomResource } from './custom-resource';
import { JSONSchemaProps } from './schema';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', minLength: 1, maxLength: 20, pattern: '^[a-z]+$' },
        replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
        mode: { type: 'string', enum: ['fast', 'slow'], default: 'fast' },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
        email: { type: 'string', format: 'email' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        nested: { type: 'object', default: {}, properties: { level: { type: 'integer', default: 3 } } },
      },
      'x-kubernetes-validations': [
        { rule: 'self.replicas <= 4 || self.mode == "slow"', message: 'fast mode allows at most 4 replicas', fieldPath: '.replicas' },
        { rule: 'self.image == oldSelf.image', message: 'image is immutable' },
      ],
    },
    status: { type: 'object', properties: { ready: { type: 'integer' } } },
  },
};

const cr = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
const errs = (o: KObject, old?: KObject) => {
  pruneAndDefault(o, schema);
  if (old) pruneAndDefault(old, schema);
  return validateCustomResource(o, schema, old).map(fieldErrorString);
};

describe('custom resource schema processing', () => {
  it('prunes unknown fields but keeps preserved ones', () => {
    const o = cr({ image: 'nginx', bogus: 1, extra: { anything: { deep: true } } });
    (o as Record<string, unknown>).topLevel = 'x';
    pruneAndDefault(o, schema);
    expect(o.spec).toEqual({ image: 'nginx', replicas: 1, mode: 'fast', extra: { anything: { deep: true } }, nested: { level: 3 } });
    expect((o as Record<string, unknown>).topLevel).toBeUndefined();
    expect(o.metadata.name).toBe('w');
  });

  it('validates with kube-openapi messages and field paths', () => {
    expect(errs(cr({ image: 'nginx', replicas: 7 }))).toEqual(['spec.replicas: Invalid value: 7: spec.replicas in body should be less than or equal to 5']);
    expect(errs(cr({ replicas: 0 }))).toEqual([
      'spec.image: Required value',
      'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
    ]);
    expect(errs(cr({ image: 'nginx', replicas: 'two' }))).toEqual(['spec.replicas: Invalid value: "two": spec.replicas in body must be of type integer: "string"']);
    expect(errs(cr({ image: 'nginx', mode: 'medium' }))).toEqual(['spec.mode: Unsupported value: "medium": supported values: "fast", "slow"']);
    expect(errs(cr({ image: 'Nginx' }))).toEqual(["spec.image: Invalid value: \"Nginx\": spec.image in body should match '^[a-z]+$'"]);
    expect(errs(cr({ image: 'abcdefghijklmnopqrstuvwxyz' }))).toEqual(['spec.image: Too long: may not be more than 20 bytes']);
    expect(errs(cr({ image: 'a', tags: ['a', 'b', 'c'] }))).toEqual(['spec.tags: Too many: 3: must have at most 2 items']);
    expect(errs(cr({ image: 'a', email: 'nope' }))).toEqual(['spec.email: Invalid value: "nope": spec.email in body must be of type email: "nope"']);
    expect(errs(cr({ image: 'a', port: 80 }))).toEqual([]);
    expect(errs(cr({ image: 'a', port: 'http' }))).toEqual([]);
    expect(errs(cr({ image: 'a', port: true }))).toEqual(['spec.port: Invalid value: true: spec.port in body must be of type integer,string: "boolean"']);
  });

  it('runs CEL rules with messages, field paths and transition rules', () => {
    expect(errs(cr({ image: 'a', replicas: 5, mode: 'fast' }))).toEqual(['spec.replicas: Invalid value: "object": fast mode allows at most 4 replicas']);
    expect(errs(cr({ image: 'a', replicas: 5, mode: 'slow' }))).toEqual([]);
    expect(errs(cr({ image: 'b', replicas: 1, mode: 'fast' }), cr({ image: 'a', replicas: 1, mode: 'fast' }))).toEqual(['spec: Invalid value: "object": image is immutable']);
    const s2: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self % 2 == 0', messageExpression: '"n must be even, got " + string(self)' }] } } } } };
    expect(validateCustomResource(cr({ n: 3 }), s2).map(fieldErrorString)).toEqual(['spec.n: Invalid value: "integer": n must be even, got 3']);
    const libs: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [
      { rule: 'self.ports.isSorted() && self.ports.sum() < 100 && self.ports.max() == 50', message: 'ports' },
      { rule: 'isURL(self.url) && isIP(self.ip) && isCIDR(self.net) && isQuantity(self.mem)', message: 'formats' },
      { rule: "self.name.lowerAscii() == 'abc' && self.ports.indexOf(50) == 1", message: 'strings' },
    ], properties: { ports: { type: 'array', items: { type: 'integer' } }, url: { type: 'string' }, ip: { type: 'string' }, net: { type: 'string' }, mem: { type: 'string' }, name: { type: 'string' } } } } };
    expect(validateCustomResource(cr({ ports: [10, 50], url: 'https://x.example/a', ip: '10.0.0.1', net: '10.0.0.0/8', mem: '512Mi', name: 'ABC' }), libs)).toEqual([]);
    expect(validateCustomResource(cr({ ports: [50, 10], url: 'nope', ip: '10.0.0.1', net: '10.0.0.0/8', mem: '1.5Gi', name: 'abc' }), libs).map((e) => e.detail)).toEqual(['ports', 'formats', 'strings']);
    const s3: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { s: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.matches('^[a-z]+$')" }] } } } } };
    expect(validateCustomResource(cr({ s: 'A1' }), s3).map(fieldErrorString)).toEqual(["spec.s: Invalid value: \"string\": failed rule: self.matches('^[a-z]+$')"]);
  });
});

const crd = (): KObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] },
    versions: [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema }, subresources: { status: {} }, additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }] },
      { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: schema } },
    ],
  },
});

describe('CustomResourceDefinition', () => {
  it('accepts a valid CRD and defaults it', () => {
    const c = crd();
    crdDefinition().strategy.default!(c);
    expect(validateCRD(c)).toEqual([]);
    expect((c.spec as Record<string, unknown>).conversion).toEqual({ strategy: 'None' });
  });

  it('rejects bad names, storage versions and non-structural schemas', () => {
    const c = crd();
    c.metadata.name = 'foo.example.com';
    const spec = c.spec as Record<string, any>;
    spec.versions[1].storage = true;
    spec.versions[0].schema.openAPIV3Schema = { type: 'object', properties: { spec: { properties: {} } } };
    expect(validateCRD(c).map(fieldErrorString)).toEqual([
      'metadata.name: Invalid value: "foo.example.com": must be spec.names.plural+"."+spec.group',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
      expect.stringContaining('spec.versions: Invalid value: '),
    ]);
    expect(validateCRD(c).map(fieldErrorString)[2]).toMatch(/must have exactly one version marked as storage version$/);
  });

  it('builds one definition per served version with tables and storage in the storage version', () => {
    const defs = customResourceDefinitions(crd());
    expect(defs.map((d) => d.version)).toEqual(['v1', 'v1beta1']);
    expect(defs[0].storagePrefix).toBe('example.com/widgets');
    expect(defs[0].subresources?.status).toBe(true);
    expect(defs[1].conversion!.toStorage(cr({})).apiVersion).toBe('example.com/v1');
    const row = defs[0].table!.cells(cr({ replicas: 3 }), new Date());
    expect(defs[0].table!.columns.map((c) => c.name)).toEqual(['Name', 'Replicas']);
    expect(row).toEqual(['w', 3]);
    expect(defs[1].table!.columns.map((c) => c.name)).toEqual(['Name', 'Age']);
  });

  it('publishes the schema in OpenAPI v2 and v3', () => {
    const b = new OpenApiBuilder(() => [crdDefinition(), ...customResourceDefinitions(crd())]);
    const v3 = b.v3GroupVersion('apis/example.com/v1') as { components: { schemas: Record<string, { properties: Record<string, { properties?: Record<string, unknown> }> }> } };
    const widget = v3.components.schemas['com.example.v1.Widget'];
    expect(Object.keys(widget.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(Object.keys(widget.properties.spec.properties!)).toContain('replicas');
    expect(b.v2Protobuf().length).toBeGreaterThan(1000);
    expect(b.v3GroupVersion('apis/apiextensions.k8s.io/v1')).toBeDefined();
  });

  it('refuses creates while the CRD terminates', () => {
    const c = crd();
    c.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const [def] = customResourceDefinitions(c);
    expect(() => def.strategy.prepareForCreate!(cr({}))).toThrow('create not allowed while custom resource definition is terminating');
  });
});
