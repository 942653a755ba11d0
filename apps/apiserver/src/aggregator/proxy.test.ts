import { describe, expect, it } from 'vitest';
import { aggregatedGroupVersion, authProxyHeaders, forwardedHeaders, headerKeyEscape } from './proxy';

describe('aggregator proxy helpers', () => {
  it('finds the group version of /apis paths', () => {
    expect(aggregatedGroupVersion('/apis/metrics.k8s.io/v1beta1/nodes')).toEqual(['metrics.k8s.io', 'v1beta1']);
    expect(aggregatedGroupVersion('/apis/metrics.k8s.io/v1beta1')).toEqual(['metrics.k8s.io', 'v1beta1']);
    expect(aggregatedGroupVersion('/apis/metrics.k8s.io')).toBeUndefined();
    expect(aggregatedGroupVersion('/api/v1/pods')).toBeUndefined();
  });

  it('sets the front-proxy headers as transport.SetAuthProxyHeaders', () => {
    expect(authProxyHeaders({ name: 'jane', groups: ['dev', 'system:authenticated'], extra: { 'example.org/scope': ['a', 'b'] } })).toEqual({
      'X-Remote-User': 'jane',
      'X-Remote-Group': ['dev', 'system:authenticated'],
      'X-Remote-Extra-example.org%2Fscope': ['a', 'b'],
    });
    expect(headerKeyEscape('a b%c')).toBe('a%20b%25c');
  });

  it('drops Authorization, hop-by-hop and caller-supplied identity headers', () => {
    const out = forwardedHeaders(
      { authorization: 'Bearer x', connection: 'keep-alive, x-drop', 'x-drop': '1', 'keep-alive': '5', host: 'h', accept: 'application/json', 'x-remote-user': 'mallory', 'x-remote-extra-foo': 'bar', 'x-user': 'm' },
      { name: 'jane', groups: [] },
      { usernameHeaders: ['X-User'], groupHeaders: [], extraHeaderPrefixes: [] },
    );
    expect(out).toEqual({ accept: 'application/json', 'X-Remote-User': 'jane' });
  });
});
