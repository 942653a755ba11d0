/**
 * Watches through a replica that serves from the watch-cache service (--watch-cache-servers), on
 * real etcd, counted against the writes made:
 * - 410 Gone after etcd compaction, although the caches' windows still hold the events (as the
 *   etcd backend answers);
 * - a client disconnected across a compaction gets 410 on resume, relists and continues: its final
 *   state equals the writes;
 * - a client watching through a replica that is SIGKILLed and started again (same etcd, same watch
 *   cache) resumes from its last resourceVersion and sees every write of the outage once, in order.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { Etcd3 } from 'etcd3';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { startWatchCache, WatchCacheInstance } from '../harness/watch-cache';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let etcd: EtcdInstance;
let cache: WatchCacheInstance;
let cacheMetricsPort = 0;
let server: ApiserverInstance;
/** a second replica (no watch cache) that keeps taking writes while `server` is down */
let writer: ApiserverInstance | undefined;
const ns = 'default';
const base = `/api/v1/namespaces/${ns}/configmaps`;
const wcArgs = () => [`--watch-cache-servers=${cache.address}`];

beforeAll(async () => {
  etcd = await startEtcd();
  cacheMetricsPort = await freePort();
  cache = await startWatchCache(etcd, [`--metrics-port=${cacheMetricsPort}`]);
  server = await startApiserver({ etcd, extraArgs: wcArgs() });
});

afterAll(async () => {
  await server?.stop();
  await writer?.stop();
  await cache?.stop();
  await etcd?.stop();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const mergePatch = { 'Content-Type': 'application/merge-patch+json' };

interface Obj {
  kind: string;
  metadata: { name?: string; resourceVersion?: string };
  data?: Record<string, string>;
  code?: number;
  reason?: string;
  message?: string;
}
interface Event {
  type: string;
  object: Obj;
}

function events(body: string): Event[] {
  return body
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);
}

async function listRv(s: ApiserverInstance = server): Promise<string> {
  const r = await s.request('GET', base);
  return (r.json().metadata as { resourceVersion: string }).resourceVersion;
}

async function compactAtHead(): Promise<number> {
  const c = new Etcd3({ hosts: etcd.endpoint });
  try {
    const head = await c.get('/registry/none').exec();
    const rev = Number(head.header.revision);
    await c.kv.compact({ revision: rev, physical: true });
    return rev;
  } finally {
    c.close();
  }
}

/** A streaming watch over HTTPS: events as they arrive; `ended` resolves when the stream ends or breaks. */
function streamWatch(s: ApiserverInstance, path: string): { events: Event[]; ended: Promise<string>; stop(): void } {
  const kc = parseYaml(readFileSync(s.kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b = (x: string) => Buffer.from(x, 'base64').toString('utf8');
  const out: Event[] = [];
  let stop = () => undefined as void;
  const ended = new Promise<string>((resolve) => {
    const req = request(
      s.url + path,
      {
        method: 'GET',
        ca: b(kc.clusters[0].cluster['certificate-authority-data']),
        cert: b(kc.users[0].user['client-certificate-data']),
        key: b(kc.users[0].user['client-key-data']),
        headers: { Accept: 'application/json' },
      },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) out.push(JSON.parse(line) as Event);
          }
        });
        res.on('end', () => resolve('end'));
        res.on('error', () => resolve('error'));
        res.on('aborted', () => resolve('aborted'));
        res.on('close', () => resolve('close'));
      },
    );
    req.on('error', () => resolve('error'));
    req.end();
    stop = () => {
      req.destroy();
      resolve('stopped');
    };
  });
  return { events: out, ended, stop: () => stop() };
}

async function waitUntil(cond: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const changeOf = (e: Event) => `${e.type} ${e.object.metadata.name} ${JSON.stringify(e.object.data ?? {})}`;

describe('watch cache and etcd compaction', () => {
  it('answers 410 Gone after compaction: an ERROR event for a watch, a Status for a list continue', async () => {
    expect((await server.request('POST', base, { body: cm('first') })).status).toBe(201);
    expect((await server.request('POST', base, { body: cm('second') })).status).toBe(201);
    const paged = await server.request('GET', `${base}?limit=1`);
    const token = (paged.json().metadata as { continue: string }).continue;
    expect(token).toBeTruthy();
    const oldRv = await listRv();
    await server.request('POST', base, { body: cm('after-1') });
    await server.request('POST', base, { body: cm('after-2') });
    // the windows hold the events: a watch from oldRv is served before compaction
    const before = await server.request('GET', `${base}?watch=1&resourceVersion=${oldRv}&timeoutSeconds=1`);
    expect(events(before.body).filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED after-1',
      'ADDED after-2',
    ]);
    const compacted = await compactAtHead();
    const w = await server.request('GET', `${base}?watch=1&resourceVersion=${oldRv}&timeoutSeconds=2`);
    const evs = events(w.body);
    expect(evs).toHaveLength(1);
    expect(evs[0].type).toBe('ERROR');
    expect(evs[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(evs[0].object.message).toBe(`too old resource version: ${oldRv} (${compacted})`);
    const cont = await server.request('GET', `${base}?limit=1&continue=${encodeURIComponent(token)}`);
    expect(cont.status).toBe(410);
    expect(cont.json()).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    // a watch from the compaction point's predecessor is still served
    const ok = await server.request('GET', `${base}?watch=1&resourceVersion=${compacted - 1}&timeoutSeconds=1`);
    expect(events(ok.body).filter((e) => e.type === 'ERROR')).toHaveLength(0);
  });

  it('filters a watch by label selector on the one resource stream, MODIFIED out of the selection becomes DELETED', async () => {
    const rv = await listRv();
    await server.request('POST', base, { body: cm('sel-1') });
    await server.request('PATCH', `${base}/sel-1`, { body: '{"metadata":{"labels":{"team":"x"}}}', headers: mergePatch });
    await server.request('POST', base, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sel-2', labels: { team: 'y' } } }) });
    await server.request('PATCH', `${base}/sel-1`, { body: '{"metadata":{"labels":{"team":"z"}}}', headers: mergePatch });
    const streams = async () => {
      const text = await (await fetch(`http://127.0.0.1:${cacheMetricsPort}/metrics`)).text();
      return Number(/^kubernest_watch_cache_streams\{resource="configmaps"\} ([0-9]+)$/m.exec(text)?.[1] ?? NaN);
    };
    const before = await streams();
    const live = streamWatch(server, `${base}?watch=1&resourceVersion=${rv}&labelSelector=team%3Dx`);
    await waitUntil(() => live.events.length >= 2, 10_000, 'the selected events');
    // the replica holds one stream per resource: the selector is applied replica-side
    expect(await streams()).toBe(before);
    live.stop();
    expect(live.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED sel-1', 'DELETED sel-1']);
    const w = await server.request('GET', `${base}?watch=1&resourceVersion=${rv}&timeoutSeconds=1&labelSelector=team%3Dx`);
    expect(events(w.body).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED sel-1', 'DELETED sel-1']);
  });

  it('a client disconnected across a compaction gets 410 on resume, relists and ends with the state written', async () => {
    const prefix = 'relist-';
    const want = new Map<string, Record<string, string>>();
    // the client: list + watch, keeping its own state
    const state = new Map<string, Record<string, string>>();
    const list = async () => {
      const r = await server.request('GET', base);
      state.clear();
      for (const o of (r.json() as unknown as { items: Obj[] }).items) if (o.metadata.name?.startsWith(prefix)) state.set(o.metadata.name, o.data ?? {});
      return (r.json().metadata as { resourceVersion: string }).resourceVersion;
    };
    const apply = (e: Event) => {
      const name = e.object.metadata.name ?? '';
      if (!name.startsWith(prefix)) return;
      if (e.type === 'DELETED') state.delete(name);
      else if (e.type === 'ADDED' || e.type === 'MODIFIED') state.set(name, e.object.data ?? {});
    };
    let step = 0;
    const write = async () => {
      const i = step++;
      const name = `${prefix}${i % 7}`;
      if (!want.has(name)) {
        want.set(name, { i: String(i) });
        expect((await server.request('POST', base, { body: cm(name, { i: String(i) }) })).status).toBe(201);
      } else if (i % 5 === 0) {
        want.delete(name);
        expect((await server.request('DELETE', `${base}/${name}`)).status).toBe(200);
      } else {
        want.set(name, { i: String(i) });
        expect((await server.request('PATCH', `${base}/${name}`, { body: JSON.stringify({ data: { i: String(i) } }), headers: mergePatch })).status).toBe(200);
      }
    };

    let rv = await list();
    let w = streamWatch(server, `${base}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    for (let k = 0; k < 20; k++) await write();
    await waitUntil(() => w.events.filter((e) => e.type !== 'BOOKMARK' && e.object.metadata.name?.startsWith(prefix)).length === 20, 20_000, '20 events');
    w.stop();
    for (const e of w.events) apply(e);
    expect(state).toEqual(want);
    const last = w.events.filter((e) => e.type !== 'ERROR').pop() as Event;
    rv = last.object.metadata.resourceVersion as string;

    // disconnected: more writes, then etcd is compacted
    for (let k = 0; k < 15; k++) await write();
    await compactAtHead();
    w = streamWatch(server, `${base}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    await waitUntil(() => w.events.length > 0, 10_000, 'the resumed watch to answer');
    expect(['end', 'close']).toContain(await w.ended);
    expect(w.events.map((e) => e.type)).toEqual(['ERROR']);
    expect(w.events[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });

    // relist and continue
    rv = await list();
    expect(state).toEqual(want);
    w = streamWatch(server, `${base}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    for (let k = 0; k < 15; k++) await write();
    await waitUntil(() => w.events.filter((e) => e.type !== 'BOOKMARK' && e.object.metadata.name?.startsWith(prefix)).length === 15, 20_000, '15 events');
    w.stop();
    for (const e of w.events) apply(e);
    expect(state).toEqual(want);
  });

  it('a client watching through a replica that is SIGKILLed and restarted resumes and sees every write of the outage once, in order', async () => {
    writer = await startApiserver({ etcd }); // writes during the outage go through another replica
    const name = 'restart-cm';
    expect((await writer.request('POST', base, { body: cm(name, { i: '0' }) })).status).toBe(201);
    const rv0 = await listRv(writer);
    const seen: Event[] = [];
    let w = streamWatch(server, `${base}?watch=1&resourceVersion=${rv0}`);
    const total = 100;
    let written = 0;
    const revs: string[] = [];
    const writes = (async () => {
      for (let i = 1; i <= total; i++) {
        const r = await writer!.request('PATCH', `${base}/${name}`, { body: JSON.stringify({ data: { i: String(i) } }), headers: mergePatch });
        expect(r.status).toBe(200);
        revs.push((r.json().metadata as { resourceVersion: string }).resourceVersion);
        written++;
        await sleep(30);
      }
    })();
    const mine = () => w.events.filter((e) => e.type !== 'BOOKMARK' && e.object.metadata.name === name);
    await waitUntil(() => mine().length >= 10, 20_000, 'the first events');
    // crash the replica mid-stream
    server.process.kill('SIGKILL');
    const why = await w.ended;
    expect(why).not.toBe('stopped');
    seen.push(...mine());
    expect(seen.every((e) => e.type === 'MODIFIED')).toBe(true);
    const last = seen[seen.length - 1].object.metadata.resourceVersion as string;
    const writtenAtCrash = written;
    // the same replica comes back on the same port and cert dir, same etcd and watch cache
    server = await startApiserver({ etcd, port: server.port, certDir: server.certDir, extraArgs: wcArgs() });
    expect(written).toBeGreaterThan(writtenAtCrash); // writes went on during the outage
    w = streamWatch(server, `${base}?watch=1&resourceVersion=${last}`);
    await writes;
    await waitUntil(() => seen.length + mine().length >= total, 20_000, `${total} events`);
    await sleep(300);
    w.stop();
    seen.push(...mine());
    expect(seen.map((e) => e.object.data?.i)).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
    expect(seen.map((e) => e.object.metadata.resourceVersion)).toEqual(revs);
    expect(seen.map(changeOf).every((c) => c.startsWith('MODIFIED'))).toBe(true);
  });
});
