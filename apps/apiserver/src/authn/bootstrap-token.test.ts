import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { BootstrapTokenAuthenticator, bootstrapGroups } from './bootstrap-token';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(data: Record<string, string>, extra: Partial<KObject> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    ...extra,
  } as KObject;
}

const valid = { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', expiration: '2099-01-01T00:00:00Z' };

function auth(s: KObject | null) {
  return new BootstrapTokenAuthenticator(async (ns, name) => (ns === 'kube-system' && s && s.metadata.name === name ? s : null));
}

describe('bootstrap tokens', () => {
  it('authenticates a valid token with extra groups', async () => {
    const a = auth(secret({ ...valid, 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' }));
    expect(await a.authenticateToken('abcdef.0123456789abcdef')).toEqual({
      user: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'] },
    });
  });

  it('ignores malformed tokens, wrong secrets, expired or unusable tokens', async () => {
    expect(await auth(secret(valid)).authenticateToken('not-a-token')).toBeNull();
    expect(await auth(secret(valid)).authenticateToken('abcdef.ffffffffffffffff')).toBeNull();
    expect(await auth(secret({ ...valid, expiration: '2000-01-01T00:00:00Z' })).authenticateToken('abcdef.0123456789abcdef')).toBeNull();
    expect(await auth(secret({ ...valid, 'usage-bootstrap-authentication': 'false' })).authenticateToken('abcdef.0123456789abcdef')).toBeNull();
    expect(await auth(secret(valid, { type: 'Opaque' } as Partial<KObject>)).authenticateToken('abcdef.0123456789abcdef')).toBeNull();
    expect(await auth(null).authenticateToken('abcdef.0123456789abcdef')).toBeNull();
    expect(await auth(secret({ ...valid, 'auth-extra-groups': 'admins' })).authenticateToken('abcdef.0123456789abcdef')).toBeNull();
  });

  it('validates extra group names', () => {
    expect(() => bootstrapGroups('system:masters')).toThrow('bootstrap group "system:masters" is invalid');
    expect(bootstrapGroups('system:bootstrappers:b,system:bootstrappers:a')).toEqual(['system:bootstrappers', 'system:bootstrappers:a', 'system:bootstrappers:b']);
  });
});
