import { describe, expect, it } from 'vitest';
import { fakeContext } from '../filters/fake-context';
import { cachedTokenAuthenticator } from './token-cache';
import { audienceAgnostic, type TokenAuthenticator } from './token-authenticator';
import { BEARER_PROTOCOL_PREFIX, websocketProtocolAuthenticator } from './websocket-protocol';

function counting(valid: string): TokenAuthenticator & { calls: number } {
  const a = {
    calls: 0,
    async authenticateToken(token: string) {
      a.calls++;
      return token === valid ? { user: { name: 'u', groups: [] } } : null;
    },
  };
  return a;
}

describe('token cache', () => {
  it('caches successes for the TTL, per audiences, never failures', async () => {
    let t = 0;
    const inner = counting('good');
    const c = cachedTokenAuthenticator(inner, 10_000, () => t);
    await c.authenticateToken('good', {});
    await c.authenticateToken('good', {});
    expect(inner.calls).toBe(1);
    await c.authenticateToken('good', { audiences: ['x'] });
    expect(inner.calls).toBe(2);
    await c.authenticateToken('bad', {});
    await c.authenticateToken('bad', {});
    expect(inner.calls).toBe(4);
    t = 10_001;
    await c.authenticateToken('good', {});
    expect(inner.calls).toBe(5);
  });
});

describe('websocket protocol bearer tokens', () => {
  const upgrade = (protocol: string) =>
    fakeContext({ headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': protocol } }).ctx;

  it('reads the token from the subprotocol and removes it', async () => {
    const auth = websocketProtocolAuthenticator(counting('good'));
    const ctx = upgrade(`v5.channel.k8s.io, ${BEARER_PROTOCOL_PREFIX}${Buffer.from('good').toString('base64url')}`);
    expect(await auth.authenticate(ctx)).toEqual({ name: 'u', groups: [] });
    expect(ctx.req.headers['sec-websocket-protocol']).toBe('v5.channel.k8s.io');
  });

  it('rejects unknown tokens and ignores requests without one', async () => {
    const auth = websocketProtocolAuthenticator(counting('good'));
    await expect(auth.authenticate(upgrade(`${BEARER_PROTOCOL_PREFIX}${Buffer.from('bad').toString('base64url')}`))).rejects.toThrow('invalid bearer token');
    expect(await auth.authenticate(upgrade('v5.channel.k8s.io'))).toBeNull();
    expect(await auth.authenticate(fakeContext({}).ctx)).toBeNull();
  });
});

describe('audience-agnostic tokens', () => {
  it('answer only for requested audiences that include an API audience', async () => {
    const a = audienceAgnostic(['api'], counting('good'));
    expect((await a.authenticateToken('good', { audiences: ['api', 'x'] }))?.audiences).toEqual(['api']);
    expect(await a.authenticateToken('good', { audiences: ['vault'] })).toBeNull();
    expect((await a.authenticateToken('good', {}))?.user.name).toBe('u');
  });
});
