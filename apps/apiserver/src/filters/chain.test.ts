import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCA, type CertificateAuthority } from '../../../../libs/pki/src/certificate-authority';
import { issueClientCert, issueServingCert } from '../../../../libs/pki/src/issue';
import type { Handler, RequestContext, UserInfo } from '../http/context';
import { applyFilters, buildHandlerChain, chainFilters } from './chain';
import { fakeContext, okHandler } from './fake-context';
import { parseRequestInfo } from './request-info';
import type { AuditEvent, Authenticator, Authorizer, ChainConfig, ChainDeps } from './types';
import { X509Authenticator } from './x509-authenticator';

const config: ChainConfig = { maxRequestsInflight: 400, maxMutatingRequestsInflight: 200, requestTimeoutMs: 60_000, corsAllowedOrigins: [], anonymousAuth: true };
const noCreds: Authenticator = { authenticate: async () => null };
const asUser = (user: UserInfo): Authenticator => ({ authenticate: async () => user });

describe('chain order', () => {
  it('is one list in request order', () => {
    expect(chainFilters({ config, authenticator: noCreds }).map((f) => f.name)).toEqual([
      'request-info',
      'tracing',
      'panic-recovery',
      'retry-after',
      'wait-group',
      'timeout',
      'cors',
      'authentication',
      'audit',
      'impersonation',
      'max-in-flight',
      'authorization',
    ]);
  });

  it('applies the first filter outermost', async () => {
    const seen: string[] = [];
    const tag = (name: string) => ({ name, filter: (next: Handler): Handler => async (ctx) => {
      seen.push(name);
      await next(ctx);
    } });
    await applyFilters(async () => void seen.push('handler'), [tag('a'), tag('b'), tag('c')])(fakeContext().ctx);
    expect(seen).toEqual(['a', 'b', 'c', 'handler']);
  });

  it('calls authentication, audit, impersonation, authorization, handler in that order', async () => {
    const calls: string[] = [];
    const deps: ChainDeps = {
      config,
      authenticator: {
        authenticate: async () => {
          calls.push('authenticate');
          return { name: 'admin', groups: ['system:masters'] };
        },
      },
      authorizer: {
        authorize: async (user, attrs) => {
          calls.push(`authorize ${user.name} ${attrs.verb} ${attrs.resource}`);
          return { allowed: true };
        },
      },
      auditSink: {
        processEvent: (e: AuditEvent) => {
          if (e.stage === 'ResponseComplete') calls.push(`audit ${e.user?.username}->${e.impersonatedUser?.username} ${e.responseStatus?.code}`);
        },
      },
    };
    const { ctx, res } = fakeContext({ url: '/api/v1/namespaces/a/pods', headers: { 'Impersonate-User': 'bob' } });
    await buildHandlerChain(async (c) => {
      calls.push(`handler ${c.user?.name}`);
      await okHandler(c);
    }, deps)(ctx);
    expect(res.statusCode).toBe(200);
    expect(calls).toEqual([
      'authenticate',
      'authorize admin impersonate users',
      'authorize bob list pods',
      'handler bob',
      'audit admin->bob 200',
    ]);
  });
});

describe('chain behaviour', () => {
  it('parses the request info first (the fake ctx info is replaced)', async () => {
    const { ctx } = fakeContext({ url: '/api/v1/namespaces/a/pods/x' });
    ctx.info = parseRequestInfo('GET', '/', new URLSearchParams());
    let resource = '';
    await buildHandlerChain(async (c) => void (resource = c.info.resource), { config, authenticator: asUser({ name: 'u', groups: [] }) })(ctx);
    expect(resource).toBe('pods');
  });

  it('anonymous: public paths allowed, the rest 401; without anonymous auth 401 everywhere', async () => {
    const chain = buildHandlerChain(okHandler, { config, authenticator: noCreds });
    const health = fakeContext({ url: '/healthz' });
    await chain(health.ctx);
    expect(health.res.statusCode).toBe(200);
    const api = fakeContext({ url: '/api/v1/namespaces/default/pods' });
    await chain(api.ctx);
    expect(api.res.statusCode).toBe(401);
    expect(api.res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
    const strict = fakeContext({ url: '/healthz' });
    await buildHandlerChain(okHandler, { config: { ...config, anonymousAuth: false }, authenticator: noCreds })(strict.ctx);
    expect(strict.res.statusCode).toBe(401);
  });

  it('answers CORS preflights before authentication', async () => {
    const { ctx, res } = fakeContext({ method: 'OPTIONS', url: '/api/v1/pods', headers: { Origin: 'http://localhost:8001' } });
    await buildHandlerChain(okHandler, { config: { ...config, anonymousAuth: false, corsAllowedOrigins: ['//localhost(:|$)'] }, authenticator: noCreds })(ctx);
    expect(res.statusCode).toBe(204);
  });

  it('limits in-flight requests after authentication and impersonation (system:masters exempt)', async () => {
    const releases: Array<() => void> = [];
    const slow: Handler = async (c) => {
      await new Promise<void>((r) => releases.push(r));
      await okHandler(c);
    };
    const users: Record<string, UserInfo> = { u: { name: 'u', groups: [] }, root: { name: 'root', groups: ['system:masters'] } };
    const byHeader: Authenticator = { authenticate: async (c) => users[String(c.req.headers['x-user'])] ?? null };
    const allowAll = { authorize: async () => ({ allowed: true }) };
    const chain = buildHandlerChain(slow, { config: { ...config, maxRequestsInflight: 1 }, authenticator: byHeader, authorizer: allowAll });
    const first = fakeContext({ url: '/api/v1/pods', headers: { 'x-user': 'u' } });
    const p = chain(first.ctx);
    await new Promise((r) => setImmediate(r));
    const second = fakeContext({ url: '/api/v1/pods', headers: { 'x-user': 'u' } });
    await chain(second.ctx);
    expect(second.res.statusCode).toBe(429);
    // a member of system:masters is answered although the bucket is full
    const root = fakeContext({ url: '/api/v1/pods', headers: { 'x-user': 'root' } });
    const pr = chain(root.ctx);
    // ...but not when it impersonates a plain user: the limit applies to the impersonated user, as upstream
    const imp = fakeContext({ url: '/api/v1/pods', headers: { 'x-user': 'root', 'Impersonate-User': 'bob' } });
    await chain(imp.ctx);
    expect(imp.res.statusCode).toBe(429);
    // probes are exempt
    const probe = fakeContext({ url: '/livez', headers: { 'x-user': 'u' } });
    const pp = chain(probe.ctx);
    for (let i = 0; i < 20 && releases.length < 3; i++) await new Promise((r) => setImmediate(r));
    releases.splice(0).forEach((r) => r());
    await Promise.all([p, pr, pp]);
    expect(first.res.statusCode).toBe(200);
    expect(root.res.statusCode).toBe(200);
    expect(probe.res.statusCode).toBe(200);
  });

  it('limits in-flight requests (plain user)', async () => {
    let release!: () => void;
    const slow: Handler = async (c) => {
      await new Promise<void>((r) => (release = r));
      await okHandler(c);
    };
    const chain = buildHandlerChain(slow, { config: { ...config, maxRequestsInflight: 1 }, authenticator: asUser({ name: 'u', groups: [] }) });
    const first = fakeContext({ url: '/api/v1/pods' });
    const p = chain(first.ctx);
    await new Promise((r) => setImmediate(r));
    const second = fakeContext({ url: '/api/v1/pods' });
    await chain(second.ctx);
    expect(second.res.statusCode).toBe(429);
    release();
    await p;
    expect(first.res.statusCode).toBe(200);
  });

  it('recovers from handler errors and timeouts', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const boom = fakeContext({ url: '/api/v1/pods' });
    await buildHandlerChain(async () => {
      throw new Error('boom');
    }, { config, authenticator: asUser({ name: 'u', groups: [] }) })(boom.ctx);
    expect(boom.res.statusCode).toBe(500);
    const slow = fakeContext({ url: '/api/v1/pods?timeout=20ms' });
    await buildHandlerChain(() => new Promise((r) => setTimeout(r, 100)), { config, authenticator: asUser({ name: 'u', groups: [] }) })(slow.ctx);
    expect(slow.res.statusCode).toBe(504);
    vi.restoreAllMocks();
  });

  it('authorizes the impersonated user, not the requester', async () => {
    const onlyAdmin: Authorizer = { authorize: async (u, a) => ({ allowed: u.name === 'admin' || a.verb === 'impersonate' }) };
    const { ctx, res } = fakeContext({ url: '/api/v1/secrets', headers: { 'Impersonate-User': 'bob' } });
    await buildHandlerChain(okHandler, { config, authenticator: asUser({ name: 'admin', groups: [] }), authorizer: onlyAdmin })(ctx);
    expect(res.statusCode).toBe(403);
    expect((res.json() as { message: string }).message).toContain('User "bob" cannot list resource "secrets"');
  });
});

describe('chain over real TLS with client certificates', () => {
  let ca: CertificateAuthority;
  let server: Server;
  let port: number;

  function contextFor(req: IncomingMessage, res: ServerResponse): RequestContext {
    const u = new URL(req.url ?? '/', 'https://localhost');
    const abort = new AbortController();
    return {
      req,
      res,
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      info: parseRequestInfo('GET', '/', new URLSearchParams()),
      longRunning: false,
      signal: abort.signal,
      abort,
      receivedAt: Date.now(),
      warnings: [],
    };
  }

  beforeAll(async () => {
    ca = await createCA();
    const serving = await issueServingCert(ca, { advertiseAddress: '127.0.0.1' });
    const chain = buildHandlerChain(async (ctx) => {
      const body = JSON.stringify({ user: ctx.user });
      ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      ctx.res.end(body);
    }, { config, authenticator: new X509Authenticator() });
    server = createServer({ key: serving.keyPem, cert: serving.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      void chain(contextFor(req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  const get = (path: string, cert?: { certPem: string; keyPem: string }) =>
    new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, path, ca: ca.certPem, cert: cert?.certPem, key: cert?.keyPem, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      r.on('error', reject);
      r.end();
    });

  it('authenticates by certificate, falls back to anonymous without one', async () => {
    const admin = await issueClientCert(ca, { cn: 'admin', orgs: ['system:masters'] });
    const ok = await get('/api/v1/namespaces/default/pods', admin);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } });
    expect(ok.headers['audit-id']).toBeDefined();

    const anon = await get('/api/v1/namespaces/default/pods');
    expect(anon.status).toBe(401);
    const version = await get('/version');
    expect(version.status).toBe(200);
    expect(JSON.parse(version.body).user.name).toBe('system:anonymous');

    const stranger = await issueClientCert(await createCA(), { cn: 'admin', orgs: ['system:masters'] });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const rejected = await get('/version', stranger);
    vi.restoreAllMocks();
    expect(rejected.status).toBe(401);
    expect(rejected.body).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
  });
});
