import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../apimachinery/src/field-errors';
import { validateEmbeddedResources } from './embedded-resource';
import { JSONSchemaProps } from './schema';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        list: { type: 'array', items: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
      },
    },
  },
};

const check = (spec: unknown): string[] => validateEmbeddedResources({ spec }, schema, '').map(fieldErrorString);

describe('x-kubernetes-embedded-resource', () => {
  it('accepts a complete embedded object (metadata.name optional)', () => {
    expect(check({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 'b' } } } })).toEqual([]);
    expect(check({ template: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } } })).toEqual([]);
  });

  it('requires apiVersion and kind', () => {
    expect(check({ template: { metadata: {} } })).toEqual(['spec.template.apiVersion: Required value', 'spec.template.kind: Required value']);
    expect(check({ list: [{ apiVersion: 'v1' }] })).toEqual(['spec.list[0].kind: Required value']);
  });

  it('checks kind, apiVersion and metadata', () => {
    expect(check({ template: { apiVersion: 'a/b/c', kind: 'Pod' } })).toEqual(['spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c']);
    expect(check({ template: { apiVersion: 'v1', kind: 'Po_d' } })).toEqual([
      `spec.template.kind: Invalid value: "Po_d": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
    expect(check({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a/b', labels: { 'bad key!': 'x' } } } })).toEqual([
      `spec.template.metadata.name: Invalid value: "a/b": may not contain '/'`,
      `spec.template.metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
  });
});
