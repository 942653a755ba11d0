import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../../libs/apimachinery/src/status';
import { addAuditAnnotation } from '../audit/annotations';
import { parseAuditPolicy } from '../audit/policy';
import { withAudit } from './audit';
import { fakeContext, okHandler } from './fake-context';
import type { AuditEvent, AuditSink } from './types';

function collect(policyYaml?: string): { sink: AuditSink; events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  const sink: AuditSink = { processEvent: (e) => void events.push(e) };
  if (policyYaml) sink.policy = parseAuditPolicy(policyYaml);
  return { sink, events };
}

describe('withAudit', () => {
  it('sets an Audit-Id header (a new UUID, or the client-provided Audit-ID)', async () => {
    const a = fakeContext();
    await withAudit()(okHandler)(a.ctx);
    expect(a.res.getHeader('audit-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const b = fakeContext({ headers: { 'Audit-ID': 'given-id' } });
    await withAudit()(okHandler)(b.ctx);
    expect(b.res.getHeader('audit-id')).toBe('given-id');
  });

  it('without a policy: RequestReceived then ResponseComplete at Metadata, users as UserInfo', async () => {
    const { sink, events } = collect();
    const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
    const { ctx } = fakeContext({ method: 'DELETE', url: '/apis/apps/v1/namespaces/ns/deployments/web', user: admin, headers: { 'User-Agent': 'kubectl/v1.32' } });
    await withAudit(sink)(async (c) => {
      c.originalUser = c.user;
      c.user = { name: 'bob', groups: ['system:authenticated'] };
      c.res.writeHead(200);
      c.res.end();
    })(ctx);
    expect(events.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(events[1]).toMatchObject({
      level: 'Metadata',
      stage: 'ResponseComplete',
      requestURI: '/apis/apps/v1/namespaces/ns/deployments/web',
      verb: 'delete',
      user: { username: 'admin', groups: admin.groups },
      impersonatedUser: { username: 'bob' },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'kubectl/v1.32',
      objectRef: { resource: 'deployments', namespace: 'ns', name: 'web', apiGroup: 'apps', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 200 },
    });
    expect(events[1].requestObject).toBeUndefined();
    expect(events[1].auditID).toBe(ctx.res.getHeader('audit-id'));
    expect(events[1].stageTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('annotations added during the request appear in the final event (first value wins)', async () => {
    const { sink, events } = collect();
    const { ctx } = fakeContext({ url: '/api/v1/pods' });
    await withAudit(sink)(async (c) => {
      addAuditAnnotation(c, 'authorization.k8s.io/decision', 'allow');
      addAuditAnnotation(c, 'authorization.k8s.io/decision', 'forbid');
      await okHandler(c);
    })(ctx);
    expect(events[0].annotations).toBeUndefined();
    expect(events[1].annotations).toEqual({ 'authorization.k8s.io/decision': 'allow' });
  });

  it('records Panic (500) when the handler throws a non-Status error, and rethrows', async () => {
    const { sink, events } = collect();
    const { ctx } = fakeContext({ url: '/healthz' });
    await expect(
      withAudit(sink)(async () => {
        throw new Error('x');
      })(ctx),
    ).rejects.toThrow('x');
    expect(events[1]).toMatchObject({ stage: 'Panic', verb: 'get', responseStatus: { code: 500, reason: 'InternalError', message: "APIServer panic'd: x" } });
    expect(events[1].objectRef).toBeUndefined();
  });

  it('a thrown StatusError is a ResponseComplete with its status', async () => {
    const { sink, events } = collect();
    const { ctx } = fakeContext({ url: '/api/v1/namespaces/a/secrets/s' });
    await expect(withAudit(sink)(async () => Promise.reject(new StatusError(404, 'NotFound', 'secrets "s" not found')))(ctx)).rejects.toThrow();
    expect(events[1]).toMatchObject({ stage: 'ResponseComplete', responseStatus: { metadata: {}, status: 'Failure', reason: 'NotFound', message: 'secrets "s" not found', code: 404 } });
  });

  it('levels: None emits nothing; Request keeps the request body; RequestResponse also the response', async () => {
    const { sink, events } = collect(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  resources: [{group: "", resources: [events]}]
- level: Request
  resources: [{group: "", resources: [secrets]}]
- level: RequestResponse
  omitManagedFields: true
`);
    const body = { kind: 'ConfigMap', metadata: { name: 'c', managedFields: [{ manager: 'x' }] } };
    const run = async (url: string) => {
      const { ctx } = fakeContext({ method: 'POST', url });
      const req = Object.assign(new EventEmitter(), ctx.req);
      ctx.req = req as unknown as typeof ctx.req;
      await withAudit(sink)(async (c) => {
        c.req.emit('data', Buffer.from(JSON.stringify(body)));
        c.res.writeHead(201, { 'Content-Type': 'application/json' });
        c.res.end(JSON.stringify({ ...body, metadata: { ...body.metadata, uid: 'u1' } }));
      })(ctx);
    };
    await run('/api/v1/namespaces/a/events');
    expect(events).toHaveLength(0);
    await run('/api/v1/namespaces/a/secrets');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ level: 'Request', stage: 'ResponseComplete', requestObject: body, responseStatus: { code: 201 } });
    expect(events[0].responseObject).toBeUndefined();
    await run('/api/v1/namespaces/a/configmaps');
    expect(events[1]).toMatchObject({ level: 'RequestResponse', requestObject: { metadata: { name: 'c' } }, responseObject: { metadata: { name: 'c', uid: 'u1' } } });
    expect((events[1].requestObject as { metadata: object }).metadata).not.toHaveProperty('managedFields');
  });

  it('long-running requests get ResponseStarted when the response starts, no response body', async () => {
    const { sink, events } = collect();
    const { ctx } = fakeContext({ url: '/api/v1/pods?watch=true' });
    await withAudit(sink)(async (c) => {
      expect(events.map((e) => e.stage)).toEqual(['RequestReceived']);
      c.res.writeHead(200);
      expect(events.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseStarted']);
      c.res.write('{"type":"ADDED"}');
      c.res.end();
    })(ctx);
    expect(events.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
    expect(events[2].responseObject).toBeUndefined();
  });
});
