import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestContext, UserInfo } from '../http/context';
import { unionAuthenticator, withAuthentication } from './authentication';
import { fakeContext } from './fake-context';
import { AuthenticationError, type Authenticator } from './types';

afterEach(() => vi.restoreAllMocks());

const fixed = (user: UserInfo | null): Authenticator => ({ authenticate: async () => user });
const failing = (msg = 'bad token'): Authenticator => ({
  authenticate: async () => {
    throw new AuthenticationError(msg);
  },
});
const UNAUTHORIZED = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';

async function run(authenticator: Authenticator, anonymousAuth: boolean, headers: Record<string, string> = {}) {
  const { ctx, res } = fakeContext({ url: '/api/v1/pods', headers });
  let seen: RequestContext | undefined;
  await withAuthentication({ authenticator, anonymousAuth })(async (c) => {
    seen = c;
  })(ctx);
  return { ctx, res, seen };
}

describe('withAuthentication', () => {
  it('sets the user, adds system:authenticated and drops the Authorization header', async () => {
    const { seen } = await run(fixed({ name: 'bob', groups: ['dev'] }), true, { Authorization: 'Bearer x' });
    expect(seen?.user).toEqual({ name: 'bob', groups: ['dev', 'system:authenticated'] });
    expect(seen?.req.headers.authorization).toBeUndefined();
  });

  it('does not add system:authenticated twice', async () => {
    const { seen } = await run(fixed({ name: 'bob', groups: ['system:authenticated'] }), true);
    expect(seen?.user?.groups).toEqual(['system:authenticated']);
  });

  it('makes credential-less requests anonymous when enabled', async () => {
    const { seen } = await run(fixed(null), true);
    expect(seen?.user).toEqual({ name: 'system:anonymous', groups: ['system:unauthenticated'] });
  });

  it('answers 401 without credentials when anonymous auth is off', async () => {
    const { res, seen } = await run(fixed(null), false);
    expect(seen).toBeUndefined();
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED);
    expect(res.getHeader('content-type')).toBe('application/json');
  });

  it('answers 401 for invalid credentials even with anonymous auth', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { res, seen } = await run(failing(), true);
    expect(seen).toBeUndefined();
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe(UNAUTHORIZED);
  });
});

describe('unionAuthenticator', () => {
  const ctx = fakeContext().ctx;
  it('returns the first user', async () => {
    await expect(unionAuthenticator(fixed(null), failing(), fixed({ name: 'a', groups: [] })).authenticate(ctx)).resolves.toEqual({ name: 'a', groups: [] });
  });
  it('returns null when nobody knows the request and nobody failed', async () => {
    await expect(unionAuthenticator(fixed(null), fixed(null)).authenticate(ctx)).resolves.toBeNull();
  });
  it('throws when nobody succeeded and someone failed', async () => {
    await expect(unionAuthenticator(fixed(null), failing('x')).authenticate(ctx)).rejects.toThrow('x');
    await expect(unionAuthenticator(failing('x'), failing('y')).authenticate(ctx)).rejects.toThrow('[x, y]');
  });
});
