import { afterEach, describe, expect, it, vi } from 'vitest';
import { errors } from '../../../../libs/apimachinery/src/status';
import { fakeContext, okHandler } from './fake-context';
import { withPanicRecovery } from './panic-recovery';

afterEach(() => vi.restoreAllMocks());

describe('withPanicRecovery', () => {
  it('passes normal requests through', async () => {
    const { ctx, res } = fakeContext();
    await withPanicRecovery()(okHandler)(ctx);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('ok');
  });

  it('turns an unexpected error into a 500 InternalError Status and logs it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { ctx, res } = fakeContext({ url: '/api/v1/pods' });
    await withPanicRecovery()(async () => {
      throw new Error('boom');
    })(ctx);
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: boom',
      reason: 'InternalError',
      details: { causes: [{ message: 'boom' }] },
      code: 500,
    });
    expect(log).toHaveBeenCalled();
  });

  it('writes thrown StatusErrors as themselves', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/namespaces/a/pods/x' });
    await withPanicRecovery()(async () => {
      throw errors.notFound({ group: '', resource: 'pods' }, 'x');
    })(ctx);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ reason: 'NotFound', message: 'pods "x" not found' });
  });

  it('cuts the connection when the response had already started', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { ctx, res } = fakeContext();
    await withPanicRecovery()(async (c) => {
      c.res.writeHead(200);
      c.res.write('partial');
      throw new Error('late');
    })(ctx);
    expect(res.destroyed).toBe(true);
    expect(res.body).toBe('partial');
  });
});
