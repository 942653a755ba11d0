/**
 * Watch over HTTP against a replica on real etcd: events in order from a resourceVersion,
 * selectors, initial events with the initial-events-end bookmark, timeoutSeconds ending the
 * stream, and 410 Gone (an ERROR event, or a 410 Status for a list) after etcd compaction.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
const ns = 'default';
const base = `/api/v1/namespaces/${ns}/configmaps`;

beforeAll(async () => {
  server = await startApiserver();
});

afterAll(async () => {
  await server?.stop();
});

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { a: '1' }) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

interface Event {
  type: string;
  object: { kind: string; metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; code?: number; reason?: string; message?: string };
}

function events(body: string): Event[] {
  return body
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);
}

async function listRv(): Promise<string> {
  const r = await server.request('GET', base);
  return (r.json().metadata as { resourceVersion: string }).resourceVersion;
}

describe('watch', () => {
  it('delivers every change after a resourceVersion, in order, and ends at timeoutSeconds', async () => {
    expect((await server.request('POST', base, { body: cm('w-a') })).status).toBe(201);
    const rv = await listRv();
    expect((await server.request('POST', base, { body: cm('w-b') })).status).toBe(201);
    expect((await server.request('PATCH', `${base}/w-a`, { body: '{"data":{"a":"2"}}', headers: { 'Content-Type': 'application/merge-patch+json' } })).status).toBe(200);
    expect((await server.request('DELETE', `${base}/w-b`)).status).toBe(200);
    const started = Date.now();
    const w = await server.request('GET', `${base}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    expect(w.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const evs = events(w.body).filter((e) => e.type !== 'BOOKMARK');
    expect(evs.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w-b', 'MODIFIED w-a', 'DELETED w-b']);
    const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  });

  it('filters by label selector, MODIFIED out of the selection becomes DELETED', async () => {
    const rv = await listRv();
    await server.request('POST', base, { body: cm('sel-1', { team: 'x' }) });
    await server.request('POST', base, { body: cm('sel-2', { team: 'y' }) });
    await server.request('PATCH', `${base}/sel-1`, {
      body: '{"metadata":{"labels":{"team":"z"}}}',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    const w = await server.request('GET', `${base}?watch=1&resourceVersion=${rv}&timeoutSeconds=1&labelSelector=team%3Dx`);
    expect(events(w.body).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED sel-1', 'DELETED sel-1']);
  });

  it('sends initial events and the initial-events-end bookmark', async () => {
    const w = await server.request(
      'GET',
      `${base}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1`,
    );
    const evs = events(w.body);
    const names = evs.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
    expect(names).toContain('w-a');
    const end = evs.find((e) => e.type === 'BOOKMARK');
    expect(end?.object.metadata.annotations?.['k8s.io/initial-events-end']).toBe('true');
    expect(evs.indexOf(end!)).toBeGreaterThanOrEqual(names.length);
  });

  it('answers 410 Gone after compaction: an ERROR event for a watch, a Status for a list continue', async () => {
    const first = await server.request('GET', `${base}?limit=1`);
    const token = (first.json().metadata as { continue: string }).continue;
    expect(token).toBeTruthy();
    const oldRv = await listRv();
    await server.request('POST', base, { body: cm('after-1') });
    await server.request('POST', base, { body: cm('after-2') });
    const etcd = new Etcd3({ hosts: server.etcd.endpoint });
    try {
      const head = await etcd.get('/registry/configmaps/default/after-2').exec();
      await etcd.kv.compact({ revision: head.header.revision, physical: true });
    } finally {
      etcd.close();
    }
    const w = await server.request('GET', `${base}?watch=1&resourceVersion=${oldRv}&timeoutSeconds=2`);
    const evs = events(w.body);
    expect(evs).toHaveLength(1);
    expect(evs[0].type).toBe('ERROR');
    expect(evs[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    const cont = await server.request('GET', `${base}?limit=1&continue=${encodeURIComponent(token)}`);
    expect(cont.status).toBe(410);
    expect(cont.json()).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });
});
