import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../field-errors';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  validateAnnotations,
  validateLabels,
  validateName,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './index';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QNAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('name formats', () => {
  it.each([
    ['example.com', []],
    ['Example', [SUBDOMAIN_MSG]],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ])('isDNS1123Subdomain(%j)', (v, want) => expect(isDNS1123Subdomain(v)).toEqual(want));

  it.each([
    ['my-name', []],
    ['my.name', [LABEL_MSG]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('isDNS1123Label(%j)', (v, want) => expect(isDNS1123Label(v)).toEqual(want));

  it('isDNS1035Label', () => {
    expect(isDNS1035Label('abc-1')).toEqual([]);
    expect(isDNS1035Label('1abc')).toEqual([DNS1035_MSG]);
  });

  it('isQualifiedName', () => {
    expect(isQualifiedName('example.com/my_Name')).toEqual([]);
    expect(isQualifiedName('-x')).toEqual([QNAME_MSG]);
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });

  it('isValidLabelValue', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('bad value')).toEqual([LABEL_VALUE_MSG]);
  });

  it('isConfigMapKey', () => {
    expect(isConfigMapKey('key.name')).toEqual([]);
    expect(isConfigMapKey('a b')).toEqual([
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    expect(isConfigMapKey('..x')).toEqual(["must not start with '..'"]);
  });

  it('validateName masks a trailing dash of generateName prefixes', () => {
    expect(validateName('dns1123Subdomain', 'web-', true)).toEqual([]);
    expect(validateName('dns1123Subdomain', 'web-')).toEqual([SUBDOMAIN_MSG]);
    expect(validateName('pathSegment', 'a/b')).toEqual(["may not contain '/'"]);
    expect(validateName('pathSegment', '..')).toEqual(["may not be '..'"]);
  });
});

describe('labels and annotations', () => {
  it('reports on the map path', () => {
    expect(validateLabels({ app: 'bad value' }, 'metadata.labels').map(fieldErrorString)).toEqual([
      `metadata.labels: Invalid value: "bad value": ${LABEL_VALUE_MSG}`,
    ]);
  });
  it('limits annotations to 256 KiB', () => {
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations').map(fieldErrorString)).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });
});

describe('validateObjectMeta', () => {
  it.each<[string, Record<string, unknown>, boolean, string[]]>([
    ['valid namespaced', { name: 'a', namespace: 'default' }, true, []],
    ['name required', { namespace: 'default' }, true, ['metadata.name: Required value: name or generateName is required']],
    ['namespace required', { name: 'a' }, true, ['metadata.namespace: Required value']],
    ['namespace forbidden', { name: 'a', namespace: 'x' }, false, ['metadata.namespace: Forbidden: not allowed on this type']],
    ['bad name', { name: 'A', namespace: 'default' }, true, [`metadata.name: Invalid value: "A": ${SUBDOMAIN_MSG}`]],
    ['bad generateName', { generateName: 'Web-', name: 'Web-x1', namespace: 'default' }, true, [
      `metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`,
      `metadata.name: Invalid value: "Web-x1": ${SUBDOMAIN_MSG}`,
    ]],
    ['bad namespace', { name: 'a', namespace: 'a.b' }, true, [`metadata.namespace: Invalid value: "a.b": ${LABEL_MSG}`]],
    ['negative generation', { name: 'a', namespace: 'n', generation: -1 }, true, [
      'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
    ]],
    ['bad finalizer', { name: 'a', namespace: 'n', finalizers: ['-x'] }, true, [`metadata.finalizers: Invalid value: "-x": ${QNAME_MSG}`]],
    ['owner reference', { name: 'a', namespace: 'n', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: '' }] }, true, [
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]],
  ])('%s', (_name, meta, namespaced, want) => {
    expect(validateObjectMeta(meta, namespaced, 'dns1123Subdomain').map(fieldErrorString)).toEqual(want);
  });

  it('update: identity is immutable', () => {
    const old = { name: 'a', namespace: 'n', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', generation: 2 };
    const next = { name: 'b', namespace: 'n', uid: 'u2', creationTimestamp: '2024-01-01T00:00:01Z', generation: 1 };
    expect(validateObjectMetaUpdate(next, old).map(fieldErrorString)).toEqual([
      'metadata.generation: Invalid value: 1: must not be decremented',
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: 2024-01-01 00:00:01 +0000 UTC: field is immutable',
    ]);
  });

  it('update: no new finalizers while deleting', () => {
    const old = { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['a/x'] };
    expect(validateObjectMetaUpdate({ ...old, finalizers: ['a/x', 'b/y'] }, old).map(fieldErrorString)).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b/y"}',
    ]);
  });
});
