import { describe, expect, it } from 'vitest';
import { StatusError } from '../status';
import { invalidResourceVersionMessage, listResourceVersionSource, parseResourceVersion } from './resourceVersion';

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StatusError);
    return e as StatusError;
  }
  throw new Error('expected a StatusError');
}

describe('parseResourceVersion', () => {
  it('parses decimal revisions', () => {
    expect(parseResourceVersion(undefined)).toBeUndefined();
    expect(parseResourceVersion('')).toBeUndefined();
    expect(parseResourceVersion('0')).toBe(0);
    expect(parseResourceVersion('12345')).toBe(12345);
    expect(parseResourceVersion('007')).toBe(7);
    expect(parseResourceVersion('18446744073709551615')).toBe(18446744073709551615);
  });

  it('rejects other text with the etcd store 400', () => {
    const err = thrown(() => parseResourceVersion('abc'));
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('reports the watch-cache form as a reason-less 500', () => {
    const err = thrown(() => parseResourceVersion('-1', 'resourceVersion', { source: 'cache' }));
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax',
      code: 500,
    });
  });

  it('knows ParseUint range and syntax errors', () => {
    expect(invalidResourceVersionMessage('18446744073709551616')).toBe(
      'resourceVersion: Invalid value: "18446744073709551616": strconv.ParseUint: parsing "18446744073709551616": value out of range',
    );
    expect(invalidResourceVersionMessage('+1')).toBe('resourceVersion: Invalid value: "+1": strconv.ParseUint: parsing "+1": invalid syntax');
    expect(invalidResourceVersionMessage('1_000')).toContain('invalid syntax');
    expect(invalidResourceVersionMessage(' 1')).toContain('invalid syntax');
    expect(invalidResourceVersionMessage('5')).toBeUndefined();
  });
});

describe('listResourceVersionSource', () => {
  it.each([
    [{ resourceVersion: 'abc' }, 'cache'],
    [{ resourceVersion: 'abc', limit: 500 }, 'etcd'],
    [{ resourceVersion: '0', limit: 500 }, 'cache'],
    [{ resourceVersion: 'abc', resourceVersionMatch: 'Exact' }, 'etcd'],
    [{ resourceVersion: 'abc', resourceVersionMatch: 'NotOlderThan' }, 'cache'],
    [{ continue: 'tok' }, 'etcd'],
  ] as const)('%j -> %s', (opts, want) => {
    expect(listResourceVersionSource(opts)).toBe(want);
  });
});
