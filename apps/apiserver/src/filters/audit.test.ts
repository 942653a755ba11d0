import { describe, expect, it } from 'vitest';
import { withAudit } from './audit';
import { fakeContext, okHandler } from './fake-context';
import type { AuditEvent } from './types';

describe('withAudit', () => {
  it('sets an Audit-Id header (a new UUID, or the client-provided Audit-ID)', async () => {
    const a = fakeContext();
    await withAudit()(okHandler)(a.ctx);
    expect(a.res.getHeader('audit-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const b = fakeContext({ headers: { 'Audit-ID': 'given-id' } });
    await withAudit()(okHandler)(b.ctx);
    expect(b.res.getHeader('audit-id')).toBe('given-id');
  });

  it('hands one ResponseComplete event per request to the sink', async () => {
    const events: AuditEvent[] = [];
    const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
    const { ctx } = fakeContext({ method: 'DELETE', url: '/apis/apps/v1/namespaces/ns/deployments/web', user: admin, headers: { 'User-Agent': 'kubectl/v1.32' } });
    await withAudit({ processEvent: (e) => events.push(e) })(async (c) => {
      c.originalUser = c.user;
      c.user = { name: 'bob', groups: ['system:authenticated'] };
      c.res.writeHead(200);
      c.res.end();
    })(ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      stage: 'ResponseComplete',
      requestURI: '/apis/apps/v1/namespaces/ns/deployments/web',
      verb: 'delete',
      user: admin,
      impersonatedUser: { name: 'bob' },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'kubectl/v1.32',
      objectRef: { resource: 'deployments', namespace: 'ns', name: 'web', apiGroup: 'apps', apiVersion: 'v1' },
      responseStatus: { code: 200 },
    });
    expect(events[0].auditID).toBe(ctx.res.getHeader('audit-id'));
  });

  it('records 500 when the handler throws before responding, and rethrows', async () => {
    const events: AuditEvent[] = [];
    const { ctx } = fakeContext({ url: '/healthz' });
    await expect(
      withAudit({ processEvent: (e) => events.push(e) })(async () => {
        throw new Error('x');
      })(ctx),
    ).rejects.toThrow('x');
    expect(events[0]).toMatchObject({ verb: 'get', responseStatus: { code: 500 } });
    expect(events[0].objectRef).toBeUndefined();
  });
});
