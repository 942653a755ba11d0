import { describe, expect, it } from 'vitest';
import { StatusError } from '../status';
import {
  defaultFieldLabelConversion,
  escapeFieldValue,
  FieldSelector,
  fieldLabelConversion,
  parseFieldSelector,
  transformFieldSelector,
  tryParseFieldSelector,
  unescapeFieldValue,
} from './index';

function fail(s: string): string {
  const r = tryParseFieldSelector(s);
  if (r.ok) throw new Error(`expected ${JSON.stringify(s)} to fail`);
  return r.message;
}

describe('parseFieldSelector', () => {
  it.each([
    ['', ''],
    [',', ''],
    ['=', ''],
    ['metadata.name=foo', 'metadata.name=foo'],
    ['metadata.name==foo', 'metadata.name=foo'],
    ['metadata.name!=foo', 'metadata.name!=foo'],
    ['c!=d,a==b', 'a=b,c!=d'],
    ['b=1,,a=2', 'a=2,b=1'],
    ['a=', 'a='],
    ['a=b\\,c', 'a=b\\,c'],
    ['a=b\\=c', 'a=b\\=c'],
    ['a=b\\\\', 'a=b\\\\'],
    ['spec.nodeName=,status.phase!=Running', 'spec.nodeName=,status.phase!=Running'],
  ])('%j -> %j', (input, want) => {
    expect(parseFieldSelector(input).toString()).toBe(want);
  });

  it('unescapes values', () => {
    expect(parseFieldSelector('a=b\\,c').requirements()).toEqual([{ field: 'a', operator: '=', value: 'b,c' }]);
    expect(parseFieldSelector('a!=x\\=y\\\\z').requirements()).toEqual([{ field: 'a', operator: '!=', value: 'x=y\\z' }]);
    expect(parseFieldSelector('!=b').requirements()).toEqual([{ field: '', operator: '!=', value: 'b' }]);
  });

  it.each([
    ['foo', "invalid selector: 'foo'; can't understand 'foo'"],
    ['a=b,foo', "invalid selector: 'a=b,foo'; can't understand 'foo'"],
    ['a=b\\,foo,bar', "invalid selector: 'a=b\\,foo,bar'; can't understand 'bar'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=!=b', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('%j fails', (input, want) => {
    expect(fail(input)).toBe(want);
  });

  it('throws a 400 BadRequest for bad syntax', () => {
    let err: unknown;
    try {
      parseFieldSelector('foo');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "invalid selector: 'foo'; can't understand 'foo'",
      reason: 'BadRequest',
      code: 400,
    });
  });
});

describe('FieldSelector matching', () => {
  const fields = { 'metadata.name': 'web', 'metadata.namespace': 'default', 'status.phase': 'Running' };

  it('matches equality and inequality, missing fields read as ""', () => {
    expect(parseFieldSelector('metadata.name=web').matches(fields)).toBe(true);
    expect(parseFieldSelector('metadata.name=db').matches(fields)).toBe(false);
    expect(parseFieldSelector('status.phase!=Pending,metadata.namespace=default').matches(fields)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matches(fields)).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=').matches(fields)).toBe(false);
    expect(FieldSelector.everything().matches(fields)).toBe(true);
  });

  it('requiresExactMatch finds = terms only', () => {
    const sel = parseFieldSelector('metadata.name=web,status.phase!=Running');
    expect(sel.requiresExactMatch('metadata.name')).toBe('web');
    expect(sel.requiresExactMatch('status.phase')).toBeUndefined();
    expect(FieldSelector.oneTermEqual('metadata.name', 'x').requiresExactMatch('metadata.name')).toBe('x');
  });

  it('fromSet', () => {
    expect(FieldSelector.fromSet({ 'metadata.name': 'a,b' }).toString()).toBe('metadata.name=a\\,b');
    expect(FieldSelector.fromSet(undefined).empty()).toBe(true);
  });
});

describe('escaping', () => {
  it('round-trips', () => {
    for (const v of ['plain', 'a,b', 'a=b', 'a\\b', '\\,=', '']) {
      expect(unescapeFieldValue(escapeFieldValue(v))).toBe(v);
    }
    expect(escapeFieldValue('a\\b,c=d')).toBe('a\\\\b\\,c\\=d');
  });
});

describe('field label conversion', () => {
  it('default conversion accepts metadata.name/namespace only', () => {
    const sel = parseFieldSelector('metadata.name=a,metadata.namespace=b');
    expect(transformFieldSelector(sel, defaultFieldLabelConversion).toString()).toBe('metadata.name=a,metadata.namespace=b');
    let err: unknown;
    try {
      transformFieldSelector(parseFieldSelector('spec.foo=bar'), defaultFieldLabelConversion);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(400);
    expect((err as StatusError).message).toBe('"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('per-type conversion with renames', () => {
    const conv = fieldLabelConversion(['metadata.name', 'spec.nodeName'], { 'spec.host': 'spec.nodeName' });
    expect(transformFieldSelector(parseFieldSelector('spec.host=n1'), conv).toString()).toBe('spec.nodeName=n1');
    expect(() => transformFieldSelector(parseFieldSelector('status.podIP=1'), conv)).toThrow('field label not supported: status.podIP');
  });

  it('drops terms transformed to empty field and value', () => {
    const sel = parseFieldSelector('a=1,b=2').transform((f, v) => (f === 'a' ? { field: '', value: '' } : { field: f, value: v }));
    expect(sel.toString()).toBe('b=2');
  });
});
