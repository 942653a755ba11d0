/**
 * Graceful shutdown of a replica on SIGTERM (issue: operations, lifecycle): /readyz fails at once
 * while requests are still served for --shutdown-delay-duration, then open watches end with a
 * clean close (every event before it delivered), and the process exits on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver({ extraArgs: ['--shutdown-delay-duration=2s'] });
});

afterAll(async () => {
  await server?.stop();
});

describe('SIGTERM', () => {
  it('fails /readyz, keeps serving for the delay, ends watches cleanly and exits', async () => {
    const base = '/api/v1/namespaces/default/configmaps';
    const created = await server.request('POST', base, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before' } }) });
    expect(created.status).toBe(201);
    const rv = (created.json().metadata as { resourceVersion: string }).resourceVersion;
    const watch = server.request('GET', `${base}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=false`);
    await new Promise((r) => setTimeout(r, 300));

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      server.process.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const t0 = Date.now();
    server.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    const ready = await server.request('GET', '/readyz?verbose');
    expect(ready.status).toBe(500);
    expect(ready.body).toContain('[-]shutdown failed');
    expect((await server.request('GET', '/livez')).status).toBe(200);
    // still serving normally during --shutdown-delay-duration
    const during = await server.request('POST', base, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'during' } }) });
    expect(during.status).toBe(201);

    const w = await watch;
    const elapsed = Date.now() - t0;
    expect(w.status).toBe(200);
    const names = w.body
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { type: string; object: { metadata: { name: string } } }))
      .map((e) => `${e.type} ${e.object.metadata.name}`)
      .filter((e) => e !== 'ADDED kube-root-ca.crt'); // the namespace controller's ConfigMap (ServiceAccount admission)
    // the write acknowledged during the delay reached the watcher before the clean close
    expect(names).toEqual(['ADDED during']);
    expect(elapsed).toBeGreaterThanOrEqual(1900);

    const exit = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(exit).not.toBe('timeout');
    if (exit !== 'timeout') expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
  });
});
