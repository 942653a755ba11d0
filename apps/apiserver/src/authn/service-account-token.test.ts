import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errors } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { signingKeyFromPEM, type SigningKey } from './sa-keys';
import { boundTokenClaims, legacyTokenClaims, ServiceAccountTokenAuthenticator, signToken } from './service-account-token';
import { bearerTokenAuthenticator, tokenUnion } from './token-authenticator';
import { fakeContext } from '../filters/fake-context';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const rsa = signingKeyFromPEM(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
const ec = signingKeyFromPEM(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);

const sa: KObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'default', uid: 'sa-uid' } };
const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'pod-uid' } };

function world(objects: KObject[]) {
  const gr = { serviceaccounts: 'ServiceAccount', secrets: 'Secret', pods: 'Pod', nodes: 'Node' } as const;
  return {
    async get(resource: keyof typeof gr, ns: string, name: string): Promise<KObject> {
      const o = objects.find((x) => x.kind === gr[resource] && x.metadata.name === name && (x.metadata.namespace ?? '') === ns);
      if (!o) throw errors.notFound({ group: '', resource }, name);
      return o;
    },
  };
}

function authenticator(objects: KObject[], keys: SigningKey[] = [rsa], now?: () => Date) {
  return new ServiceAccountTokenAuthenticator({
    issuers: [ISSUER],
    keys: keys.map((k) => ({ key: k.publicKey, kid: k.kid, alg: k.alg })),
    apiAudiences: [ISSUER],
    getter: world(objects),
    lookup: true,
    legacy: true,
    now,
  });
}

const bound = (extra: Partial<Parameters<typeof boundTokenClaims>[0]> = {}, key = rsa) =>
  signToken(key, boundTokenClaims({ issuer: ISSUER, serviceAccount: sa, audiences: [ISSUER], expirationSeconds: 3600, ...extra }));

describe('service account tokens', () => {
  it('authenticates a bound token (RS256 and ES256)', async () => {
    for (const key of [rsa, ec]) {
      const token = await bound({}, key);
      const resp = await authenticator([sa], [rsa, ec]).authenticateToken(token, {});
      expect(resp?.user.name).toBe('system:serviceaccount:default:bot');
      expect(resp?.user.uid).toBe('sa-uid');
      expect(resp?.user.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:default']);
      expect(resp?.user.extra?.['authentication.kubernetes.io/credential-id']?.[0]).toMatch(/^JTI=/);
      expect(resp?.audiences).toEqual([ISSUER]);
    }
  });

  it('puts the claims upstream puts', async () => {
    const token = await bound({ pod, podNode: { name: 'n1', uid: 'node-uid' } });
    const [h, p] = token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
    expect(h).toEqual({ alg: 'RS256', kid: rsa.kid });
    expect(Object.keys(p)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    expect(p['kubernetes.io']).toEqual({
      namespace: 'default',
      node: { name: 'n1', uid: 'node-uid' },
      pod: { name: 'p', uid: 'pod-uid' },
      serviceaccount: { name: 'bot', uid: 'sa-uid' },
    });
    const resp = await authenticator([sa, pod]).authenticateToken(token, {});
    expect(resp?.user.extra).toMatchObject({
      'authentication.kubernetes.io/pod-name': ['p'],
      'authentication.kubernetes.io/pod-uid': ['pod-uid'],
      'authentication.kubernetes.io/node-name': ['n1'],
      'authentication.kubernetes.io/node-uid': ['node-uid'],
    });
  });

  it('rejects expired tokens', async () => {
    const token = await bound({ now: new Date(Date.now() - 2 * 3600_000) });
    await expect(authenticator([sa]).authenticateToken(token, {})).rejects.toThrow('service account token has expired');
  });

  it('rejects tokens for another audience', async () => {
    const token = await bound({ audiences: ['vault'] });
    await expect(authenticator([sa]).authenticateToken(token, {})).rejects.toThrow(
      `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]`,
    );
    expect((await authenticator([sa]).authenticateToken(token, { audiences: ['vault'] }))?.audiences).toEqual(['vault']);
  });

  it('rejects tokens of deleted or recreated service accounts and pods', async () => {
    const token = await bound();
    await expect(authenticator([]).authenticateToken(token, {})).rejects.toThrow('serviceaccounts "bot" not found');
    const recreated = { ...sa, metadata: { ...sa.metadata, uid: 'other' } };
    await expect(authenticator([recreated]).authenticateToken(token, {})).rejects.toThrow('service account UID (other) does not match claim (sa-uid)');
    const podToken = await bound({ pod });
    await expect(authenticator([sa]).authenticateToken(podToken, {})).rejects.toThrow('service account token has been invalidated');
  });

  it('ignores malformed JWTs and other issuers; rejects bad signatures', async () => {
    const a = authenticator([sa]);
    expect(await a.authenticateToken('not.a.jwt', {})).toBeNull();
    expect(await a.authenticateToken('abc', {})).toBeNull();
    const other = await signToken(rsa, { ...boundTokenClaims({ issuer: 'https://elsewhere', serviceAccount: sa, audiences: [ISSUER], expirationSeconds: 600 }) });
    expect(await a.authenticateToken(other, {})).toBeNull();
    const forged = await bound({}, ec);
    await expect(a.authenticateToken(forged, {})).rejects.toThrow('go-jose/go-jose: error in cryptographic primitive');
  });

  it('authenticates legacy secret tokens while the secret holds them', async () => {
    const token = await signToken(rsa, legacyTokenClaims(sa, 'bot-token'));
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bot-token', namespace: 'default', uid: 's1' },
      type: 'kubernetes.io/service-account-token',
      data: { token: Buffer.from(token).toString('base64') },
    } as KObject;
    const resp = await authenticator([sa, secret]).authenticateToken(token, {});
    expect(resp?.user).toEqual({ name: 'system:serviceaccount:default:bot', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:default'] });
    await expect(authenticator([sa]).authenticateToken(token, {})).rejects.toThrow('token has been invalidated');
    const invalid = { ...secret, metadata: { ...secret.metadata, labels: { 'kubernetes.io/legacy-token-invalid-since': '2024-01-01' } } } as KObject;
    await expect(authenticator([sa, invalid]).authenticateToken(token, {})).rejects.toThrow(
      "the token in secret default/bot-token for service account default/bot has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token",
    );
    const changed = { ...secret, data: { token: Buffer.from('x').toString('base64') } } as KObject;
    await expect(authenticator([sa, changed]).authenticateToken(token, {})).rejects.toThrow('token does not match secret');
  });

  it('makes an unknown bearer token a 401-worthy error, not anonymous', async () => {
    const auth = bearerTokenAuthenticator(tokenUnion(authenticator([sa])));
    const { ctx } = fakeContext({ headers: { authorization: 'Bearer bogus' } });
    await expect(auth.authenticate(ctx)).rejects.toThrow('invalid bearer token');
    expect(await auth.authenticate(fakeContext({}).ctx)).toBeNull();
    expect(await auth.authenticate(fakeContext({ headers: { authorization: 'Basic abc' } }).ctx)).toBeNull();
  });
});
