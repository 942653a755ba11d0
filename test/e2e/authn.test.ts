/**
 * Authentication end to end with real kubectl 1.32 over etcd: a --token-auth-file user, a
 * service-account token from `kubectl create token` (checked against the OIDC discovery JWKS with
 * jose), TokenReview, a legacy service-account token Secret filled by the server, a bootstrap
 * token, and a bogus token answered with upstream's 401 Status.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
let server: ApiserverInstance;
let dir: string;
let caPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-authn-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, 'alice-secret-token,alice,uid-alice,"dev,ops"\nbob-token,bob,uid-bob\n');
  server = await startApiserver({ extraArgs: [`--token-auth-file=${tokenFile}`, '--enable-bootstrap-token-auth'] });
  const kc = parseYaml(readFileSync(server.kubeconfig, 'utf8')) as { clusters: { cluster: { 'certificate-authority-data': string } }[] };
  caPem = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const admin = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const adminIn = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, args, input);

/** a kubeconfig with the cluster only (no client certificate) and a bearer token */
function tokenKubeconfig(token: string): string {
  const kc = parseYaml(readFileSync(server.kubeconfig, 'utf8')) as Record<string, unknown> & { users: { name: string; user: Record<string, unknown> }[] };
  kc.users = kc.users.map((u) => ({ name: u.name, user: { token } }));
  const path = join(dir, `kc-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, toYaml(kc));
  return path;
}
const withToken = (token: string, ...args: string[]) => kubectl('1.32', tokenKubeconfig(token), args);

/** a raw HTTPS request without a client certificate */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(server.url + path, { method, ca: caPem, headers: { Accept: 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

describe('authentication', () => {
  let saToken = '';

  it('authenticates a token-file user (kubectl auth whoami)', async () => {
    const r = await withToken('alice-secret-token', 'auth', 'whoami');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Username\s+alice\n/);
    expect(r.stdout).toMatch(/UID\s+uid-alice\n/);
    expect(r.stdout).toMatch(/Groups\s+\[dev ops system:authenticated\]/);
    const json = await withToken('bob-token', 'auth', 'whoami', '-o', 'json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).status.userInfo).toEqual({ username: 'bob', uid: 'uid-bob', groups: ['system:authenticated'] });
  });

  it('issues service-account tokens with kubectl create token', async () => {
    expect((await admin('create', 'sa', 'bot')).code).toBe(0);
    const t = await admin('create', 'token', 'bot', '--duration=1h');
    expect(t.code, t.stderr).toBe(0);
    saToken = t.stdout.trim();
    expect(saToken.split('.')).toHaveLength(3);
    const w = await withToken(saToken, 'auth', 'whoami');
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/Username\s+system:serviceaccount:default:bot\n/);
    expect(w.stdout).toMatch(/Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]/);
    expect(w.stdout).toMatch(/Extra: authentication.kubernetes.io\/credential-id\s+\[JTI=/);
    const short = await admin('create', 'token', 'bot', '--duration=5m');
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    const missing = await admin('create', 'token', 'nobody');
    expect(missing.stderr).toContain('serviceaccounts "nobody" not found');
  });

  it('publishes the OIDC discovery document and JWKS that verify the token', async () => {
    const cfg = await server.request('GET', '/.well-known/openid-configuration');
    expect(cfg.status).toBe(200);
    const doc = cfg.json<{ issuer: string; jwks_uri: string; response_types_supported: string[]; subject_types_supported: string[]; id_token_signing_alg_values_supported: string[] }>();
    expect(doc).toEqual({
      issuer: ISSUER,
      jwks_uri: `${server.url}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = await server.request('GET', '/openid/v1/jwks');
    expect(jwks.headers['content-type']).toBe('application/jwk-set+json');
    const set = createLocalJWKSet(jwks.json());
    const { payload, protectedHeader } = await jwtVerify(saToken, set, { issuer: ISSUER, audience: ISSUER });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe('system:serviceaccount:default:bot');
    expect((payload['kubernetes.io'] as { serviceaccount: { name: string } }).serviceaccount.name).toBe('bot');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it('reviews tokens (TokenReview) and lists the reviews in discovery', async () => {
    const review = (token: string, audiences?: string[]) =>
      server.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } }),
      });
    const ok = await review(saToken);
    expect(ok.status).toBe(201);
    const st = ok.json<{ status: { authenticated: boolean; user: { username: string; groups: string[] }; audiences: string[] } }>().status;
    expect(st.authenticated).toBe(true);
    expect(st.user.username).toBe('system:serviceaccount:default:bot');
    expect(st.user.groups).toContain('system:authenticated');
    expect(st.audiences).toEqual([ISSUER]);
    const wrongAud = (await review(saToken, ['vault'])).json<{ status: Record<string, unknown> }>().status;
    expect(wrongAud.authenticated).toBeUndefined();
    expect(wrongAud.error).toBe(`token audiences ["${ISSUER}"] is invalid for the target audiences ["vault"]`);
    const alice = (await review('alice-secret-token')).json<{ status: Record<string, unknown> }>().status;
    expect(alice).toEqual({ authenticated: true, user: { username: 'alice', uid: 'uid-alice', groups: ['dev', 'ops', 'system:authenticated'] }, audiences: [ISSUER] });
    const aliceVault = (await review('alice-secret-token', ['vault'])).json<{ status: Record<string, unknown> }>().status;
    expect(aliceVault).toEqual({ user: {}, error: 'invalid bearer token' });
    const bogus = (await review('bogus')).json<{ status: Record<string, unknown> }>().status;
    expect(bogus).toEqual({ user: {}, error: 'invalid bearer token' });
    const empty = await server.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}}' });
    expect(empty.status).toBe(400);
    expect(empty.json().message).toBe('token is required for TokenReview in authentication');
    const disc = await server.request('GET', '/apis/authentication.k8s.io/v1');
    const names = disc.json<{ resources: { name: string; verbs: string[] }[] }>().resources.map((r) => `${r.name}:${r.verbs.join(',')}`);
    expect(names).toEqual(expect.arrayContaining(['selfsubjectreviews:create', 'tokenreviews:create']));
    const core = await server.request('GET', '/api/v1');
    const token = core.json<{ resources: Record<string, unknown>[] }>().resources.find((r) => r.name === 'serviceaccounts/token');
    expect(token).toEqual({ name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
  });

  it('binds tokens to pods; deleting the pod invalidates the token', async () => {
    expect((await admin('create', 'sa', 'runner')).code).toBe(0);
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: worker
spec:
  serviceAccountName: runner
  containers:
  - name: c
    image: busybox
`;
    const c = await adminIn(pod, 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    const wrong = await admin('create', 'token', 'bot', '--bound-object-kind=Pod', '--bound-object-name=worker');
    expect(wrong.stderr).toContain('cannot bind token for serviceaccount "bot" to pod running with different serviceaccount name.');
    const t = await admin('create', 'token', 'runner', '--bound-object-kind=Pod', '--bound-object-name=worker');
    expect(t.code, t.stderr).toBe(0);
    const token = t.stdout.trim();
    const w = await withToken(token, 'auth', 'whoami');
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/Extra: authentication.kubernetes.io\/pod-name\s+\[worker\]/);
    expect((await admin('delete', 'pod', 'worker', '--wait=false')).code).toBe(0);
    for (let i = 0; i < 50; i++) {
      if ((await admin('get', 'pod', 'worker')).code !== 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // TokenReview is not cached (requests are, for 10 s as upstream)
    const review = await server.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
    });
    expect(review.json<{ status: Record<string, unknown> }>().status).toEqual({ user: {}, error: 'service account token has been invalidated' });
  });

  it('fills legacy service-account token Secrets, whose tokens authenticate', async () => {
    const secret = `apiVersion: v1
kind: Secret
metadata:
  name: bot-legacy
  annotations:
    kubernetes.io/service-account.name: bot
type: kubernetes.io/service-account-token
`;
    const c = await adminIn(secret, 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    const g = await admin('get', 'secret', 'bot-legacy', '-o', 'json');
    const s = JSON.parse(g.stdout) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    expect(Object.keys(s.data).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    expect(Buffer.from(s.data.namespace, 'base64').toString()).toBe('default');
    expect(s.metadata.annotations['kubernetes.io/service-account.uid']).toMatch(/^[0-9a-f-]{36}$/);
    const token = Buffer.from(s.data.token, 'base64').toString();
    const w = await withToken(token, 'auth', 'whoami');
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/Username\s+system:serviceaccount:default:bot\n/);
    let label: string | undefined;
    for (let i = 0; i < 20 && !label; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 200));
      const again = JSON.parse((await admin('get', 'secret', 'bot-legacy', '-o', 'json')).stdout) as { metadata: { labels?: Record<string, string> } };
      label = again.metadata.labels?.['kubernetes.io/legacy-token-last-used'];
    }
    expect(label).toBe(new Date().toISOString().slice(0, 10));
    expect((await admin('delete', 'secret', 'bot-legacy')).code).toBe(0);
    const review = await server.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
    });
    expect(review.json<{ status: Record<string, unknown> }>().status).toEqual({ user: {}, error: 'token has been invalidated' });
  });

  it('authenticates bootstrap tokens', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      data: {
        'token-id': b64('abcdef'),
        'token-secret': b64('0123456789abcdef'),
        'usage-bootstrap-authentication': b64('true'),
        'auth-extra-groups': b64('system:bootstrappers:kubeadm:default-node-token'),
        expiration: b64('2099-01-01T00:00:00Z'),
      },
    };
    const c = await adminIn(JSON.stringify(secret), 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    const w = await withToken('abcdef.0123456789abcdef', 'auth', 'whoami', '-o', 'json');
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout).status.userInfo).toEqual({
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
    });
  });

  it('answers a bogus bearer token with 401, never as anonymous', async () => {
    for (const path of ['/api/v1/namespaces', '/healthz']) {
      const r = await raw('GET', path, { Authorization: 'Bearer bogus-token' });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const anon = await raw('GET', '/healthz', {});
    expect(anon.status).toBe(200);
    const w = await withToken('bogus-token', 'auth', 'whoami');
    expect(w.code).not.toBe(0);
    expect(w.stderr).toContain('Unauthorized');
  });

  it('stops accepting a service-account token once its service account is deleted', async () => {
    expect((await admin('delete', 'sa', 'bot')).code).toBe(0);
    // successful authentications are cached for 10 s, as upstream's token cache
    let status = 0;
    for (let i = 0; i < 30 && status !== 401; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      status = (await raw('GET', '/api/v1/namespaces/default/pods', { Authorization: `Bearer ${saToken}` })).status;
    }
    expect(status).toBe(401);
  }, 30_000);

  it('accepts tokens issued by another replica sharing the cert dir (one signing key)', async () => {
    const sa = await server.request('POST', '/api/v1/namespaces/default/serviceaccounts', { body: JSON.stringify({ metadata: { name: 'shared' } }) });
    expect(sa.status).toBe(201);
    const tr = await server.request('POST', '/api/v1/namespaces/default/serviceaccounts/shared/token', {
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }),
    });
    expect(tr.status).toBe(201);
    const body = tr.json<{ spec: { audiences: string[]; expirationSeconds: number }; status: { token: string; expirationTimestamp: string } }>();
    expect(body.spec).toEqual({ audiences: [ISSUER], expirationSeconds: 3600 });
    const replica = await startApiserver({ etcd: server.etcd, certDir: server.certDir });
    try {
      const r = await replica.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
        anonymous: true,
        headers: { Authorization: `Bearer ${body.status.token}` },
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      });
      expect(r.status).toBe(201);
      expect(r.json<{ status: { userInfo: { username: string } } }>().status.userInfo.username).toBe('system:serviceaccount:default:shared');
    } finally {
      await replica.stop();
    }
  }, 60_000);
});
