import { describe, expect, it } from 'vitest';
import { cleanPath, ContinueTokenError, decodeContinue, encodeContinue } from './continue-token';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('continue tokens', () => {
  it('encodes as upstream: base64url without padding of {"v","rv","start"}', () => {
    const token = encodeContinue('/registry/pods/ns/a\u0000', '/registry/pods/', 42);
    expect(token).not.toMatch(/[=+/]/);
    expect(Buffer.from(token, 'base64url').toString()).toBe('{"v":"meta.k8s.io/v1","rv":42,"start":"ns/a\\u0000"}');
    expect(decodeContinue(token, '/registry/pods/')).toEqual({ startKey: '/registry/pods/ns/a\u0000', rv: 42 });
  });

  it('escapes HTML-sensitive characters as Go does', () => {
    const token = encodeContinue('/p/a<b>&c', '/p/', 1);
    expect(Buffer.from(token, 'base64url').toString()).toBe('{"v":"meta.k8s.io/v1","rv":1,"start":"a\\u003cb\\u003e\\u0026c"}');
    expect(decodeContinue(token, '/p/').startKey).toBe('/p/a<b>&c');
  });

  it('accepts rv -1 (continue at latest) and refuses a key outside the prefix', () => {
    expect(decodeContinue(encodeContinue('/p/x', '/p/', -1), '/p/').rv).toBe(-1);
    expect(() => encodeContinue('/q/x', '/p/', 1)).toThrow('the key and key prefix do not match');
  });

  it.each([
    ['not base64!', /^continue key is not valid: illegal base64 data at input byte 3$/],
    [b64('nope'), /^continue key is not valid: invalid character 'n'/],
    [b64('[]'), 'continue key is not valid: json: cannot unmarshal array into Go value of type storage.continueToken'],
    [b64('{"v":"meta.k8s.io/v1","rv":"5","start":"a"}'), 'continue key is not valid: json: cannot unmarshal string into Go struct field continueToken.rv of type int64'],
    [b64('{"v":"meta.k8s.io/v2","rv":5,"start":"a"}'), 'continue key is not valid: server does not recognize this encoded version meta.k8s.io/v2'],
    [b64('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}'), 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
    [b64('{"v":"meta.k8s.io/v1","rv":5,"start":""}'), 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)'],
    [b64('{"v":"meta.k8s.io/v1","rv":5,"start":"../secrets/x"}'), 'continue key is not valid: ../secrets/x'],
    [b64('{"v":"meta.k8s.io/v1","rv":5,"start":"a//b"}'), 'continue key is not valid: a//b'],
  ])('rejects %s', (token, message) => {
    let err: unknown;
    try {
      decodeContinue(token, '/registry/pods/');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ContinueTokenError);
    expect((err as Error).message).toMatch(message);
  });

  it('cleans paths like Go path.Clean', () => {
    expect(cleanPath('/a/../b')).toBe('/b');
    expect(cleanPath('/../a')).toBe('/a');
    expect(cleanPath('/a/./b/')).toBe('/a/b');
    expect(cleanPath('a/../..')).toBe('..');
    expect(cleanPath('')).toBe('.');
    expect(cleanPath('/')).toBe('/');
  });
});
