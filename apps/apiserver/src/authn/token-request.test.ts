import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { errors, isStatusError } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { fakeContext } from '../filters/fake-context';
import type { RequestContext } from '../http/context';
import { signingKeyFromPEM } from './sa-keys';
import { serveTokenRequest, type TokenRequestDeps } from './token-request';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const key = signingKeyFromPEM(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const objects: KObject[] = [
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'ns', uid: 'sa-uid' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns', uid: 'secret-uid' } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'node-uid' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'pod-uid' }, spec: { serviceAccountName: 'bot', nodeName: 'n1' } } as KObject,
];
const kinds = { serviceaccounts: 'ServiceAccount', secrets: 'Secret', pods: 'Pod', nodes: 'Node' } as const;
const deps = (max = 0, extendExpiration = false): TokenRequestDeps => ({
  extendExpiration,
  issuer: ISSUER,
  apiAudiences: [ISSUER],
  signingKey: key,
  maxExpirationSeconds: max,
  async get(resource, ns, name) {
    const o = objects.find((x) => x.kind === kinds[resource] && x.metadata.name === name && (x.metadata.namespace ?? '') === ns);
    if (!o) throw errors.notFound({ group: '', resource }, name);
    return o;
  },
});

function request(body: unknown, name = 'bot'): { ctx: RequestContext; res: { statusCode: number; json(): unknown } } {
  const { ctx, res } = fakeContext({ method: 'POST', url: `/api/v1/namespaces/ns/serviceaccounts/${name}/token`, headers: { 'content-type': 'application/json' } });
  const stream = Readable.from([Buffer.from(JSON.stringify(body))]) as Readable & Record<string, unknown>;
  Object.assign(stream, { headers: ctx.req.headers, method: 'POST', url: ctx.req.url, complete: true, socket: ctx.req.socket });
  ctx.req = stream as unknown as RequestContext['req'];
  return { ctx, res };
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

describe('TokenRequest', () => {
  it('issues a token with defaults (ES256 key)', async () => {
    const { ctx, res } = request({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    await serveTokenRequest(ctx, deps());
    expect(res.statusCode).toBe(201);
    const out = res.json() as { metadata: Record<string, unknown>; spec: Record<string, unknown>; status: { token: string; expirationTimestamp: string } };
    expect(out.metadata).toMatchObject({ name: 'bot', namespace: 'ns' });
    expect(out.spec).toEqual({ audiences: [ISSUER], expirationSeconds: 3600 });
    expect(JSON.parse(Buffer.from(out.status.token.split('.')[0], 'base64url').toString()).alg).toBe('ES256');
    expect(claims(out.status.token)).toMatchObject({ iss: ISSUER, sub: 'system:serviceaccount:ns:bot', aud: [ISSUER] });
  });

  it('binds to secrets and nodes, checking UIDs and kinds', async () => {
    const s = request({ spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's' } } });
    await serveTokenRequest(s.ctx, deps());
    expect(claims((s.res.json() as { status: { token: string } }).status.token)['kubernetes.io']).toMatchObject({ secret: { name: 's', uid: 'secret-uid' } });
    const n = request({ spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n1', uid: 'node-uid' } } });
    await serveTokenRequest(n.ctx, deps());
    expect(claims((n.res.json() as { status: { token: string } }).status.token)['kubernetes.io']).toMatchObject({ node: { name: 'n1', uid: 'node-uid' } });
    const wrongUID = request({ spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: 'old' } } });
    await expect(serveTokenRequest(wrongUID.ctx, deps())).rejects.toThrow(
      'Operation cannot be fulfilled on Secret "s": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    );
    const kind = request({ spec: { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' } } });
    await expect(serveTokenRequest(kind.ctx, deps())).rejects.toThrow('cannot bind token for serviceaccount "bot" to object of type apps/v1, Kind=Deployment');
  });

  it('extends pod-bound kubelet tokens (3607 s) to a year with warnafter', async () => {
    const r = request({ spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } } });
    await serveTokenRequest(r.ctx, deps(0, true));
    const out = r.res.json() as { status: { token: string; expirationTimestamp: string } };
    const c = claims(out.status.token) as { exp: number; iat: number; 'kubernetes.io': { warnafter: number; node: unknown; pod: unknown } };
    expect(c.exp - c.iat).toBe(365 * 24 * 3600);
    expect(c['kubernetes.io'].warnafter - c.iat).toBe(3607);
    expect(c['kubernetes.io'].node).toEqual({ name: 'n1', uid: 'node-uid' });
    expect(c['kubernetes.io'].pod).toEqual({ name: 'p', uid: 'pod-uid' });
    expect(Date.parse(out.status.expirationTimestamp) - Date.now()).toBeLessThan(3608_000);
  });

  it('validates names and expiration, shortens to the maximum with a warning', async () => {
    const name = request({ metadata: { name: 'other' }, spec: {} });
    await expect(serveTokenRequest(name.ctx, deps())).rejects.toThrow(
      'TokenRequest.authentication.k8s.io "bot" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
    );
    const short = request({ spec: { expirationSeconds: 60 } });
    const err = await serveTokenRequest(short.ctx, deps()).catch((e: unknown) => e);
    expect(isStatusError(err) && err.code).toBe(422);
    const long = request({ spec: { expirationSeconds: 7200 } });
    await serveTokenRequest(long.ctx, deps(3600));
    expect((long.res.json() as { spec: { expirationSeconds: number } }).spec.expirationSeconds).toBe(3600);
    expect(long.ctx.warnings).toEqual(['requested expiration of 7200 seconds shortened to 3600 seconds']);
    const missing = request({ spec: {} }, 'nobody');
    await expect(serveTokenRequest(missing.ctx, deps())).rejects.toThrow('serviceaccounts "nobody" not found');
  });
});
