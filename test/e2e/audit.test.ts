/**
 * Audit end to end: a policy with Metadata for Secrets and RequestResponse for ConfigMaps, written
 * to --audit-log-path as JSON lines; and the webhook backend through a bullmq queue on a real
 * redis-server with the receiver down for 30 s and the replica killed (SIGKILL): once the receiver is up and
 * the replica is back, every event has arrived exactly once.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { startRedis, type RedisInstance } from '../harness/redis';

interface Ev {
  kind: string;
  apiVersion: string;
  level: string;
  auditID: string;
  stage: string;
  verb: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiVersion?: string };
  responseStatus?: { code: number };
  requestObject?: { data?: Record<string, string> };
  responseObject?: { metadata?: { uid?: string } };
}

const dir = mkdtempSync(join(tmpdir(), 'kubernest-audit-'));
const policyFile = join(dir, 'policy.yaml');
writeFileSync(
  policyFile,
  `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets"]
  - level: RequestResponse
    resources:
      - group: ""
        resources: ["configmaps"]
`,
);

let etcd: EtcdInstance;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

describe('audit log', () => {
  let server: ApiserverInstance;
  const logPath = join(dir, 'log', 'audit.log');
  beforeAll(async () => {
    server = await startApiserver({ etcd, extraArgs: [`--audit-policy-file=${policyFile}`, `--audit-log-path=${logPath}`, '--audit-log-maxsize=10', '--audit-log-maxbackup=2'] });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const events = (): Ev[] =>
    readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Ev);

  it('secrets at Metadata, configmaps at RequestResponse, nothing else', async () => {
    let r = await kubectl('1.32', server.kubeconfig, ['create', 'secret', 'generic', 's1', '--from-literal=password=hunter2']);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl('1.32', server.kubeconfig, ['create', 'configmap', 'c1', '--from-literal=k=v']);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl('1.32', server.kubeconfig, ['get', 'pods']);
    expect(r.code, r.stderr).toBe(0);
    const got = await server.request('GET', '/api/v1/namespaces/default/configmaps/c1');
    expect(got.status).toBe(200);
    const auditId = got.headers['audit-id'] as string;

    const evs = events();
    for (const e of evs) expect([e.kind, e.apiVersion]).toEqual(['Event', 'audit.k8s.io/v1']);
    expect(evs.filter((e) => e.objectRef?.resource !== 'secrets' && e.objectRef?.resource !== 'configmaps')).toEqual([]);

    const secret = evs.filter((e) => e.objectRef?.resource === 'secrets' && e.verb === 'create');
    expect(secret.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(secret[1]).toMatchObject({ level: 'Metadata', objectRef: { resource: 'secrets', namespace: 'default', apiVersion: 'v1' }, responseStatus: { code: 201 } });
    expect(secret[1].user.groups).toContain('system:masters');
    expect(secret[1].requestObject).toBeUndefined();
    expect(JSON.stringify(secret)).not.toContain('hunter2');

    const cm = evs.filter((e) => e.objectRef?.resource === 'configmaps' && e.verb === 'create' && e.stage === 'ResponseComplete');
    expect(cm).toHaveLength(1);
    expect(cm[0]).toMatchObject({ level: 'RequestResponse', requestObject: { data: { k: 'v' } }, responseStatus: { code: 201 } });
    expect(cm[0].responseObject?.metadata?.uid).toBeTruthy();

    const get = evs.filter((e) => e.auditID === auditId);
    expect(get.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(get[1]).toMatchObject({ verb: 'get', objectRef: { name: 'c1' }, responseObject: { metadata: { uid: cm[0].responseObject?.metadata?.uid } } });
  });

  it('a 404 is recorded with its Status', async () => {
    const r = await server.request('GET', '/api/v1/namespaces/default/secrets/missing');
    expect(r.status).toBe(404);
    const ev = events().find((e) => e.auditID === r.headers['audit-id'] && e.stage === 'ResponseComplete');
    expect(ev?.responseStatus).toMatchObject({ code: 404, status: 'Failure', reason: 'NotFound' });
  });
});

describe('audit webhook through bullmq on redis', () => {
  let redis: RedisInstance;
  let receiverServer: Server | undefined;
  let receiverPort: number;
  const received: Ev[] = [];
  const kubeconfig = join(dir, 'webhook.kubeconfig');

  const receiverUp = async () => {
    receiverServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const list = JSON.parse(Buffer.concat(chunks).toString()) as { kind: string; items: Ev[] };
        if (list.kind === 'EventList') received.push(...list.items);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiverServer!.listen(receiverPort, '127.0.0.1', r));
  };

  beforeAll(async () => {
    redis = await startRedis();
    receiverPort = await freePort();
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- name: audit-sink
  cluster:
    server: http://127.0.0.1:${receiverPort}/events
contexts:
- name: default
  context: {cluster: audit-sink, user: apiserver}
current-context: default
users:
- name: apiserver
  user: {}
`,
    );
  });
  afterAll(async () => {
    receiverServer?.close();
    await redis?.stop();
  });

  it('webhook down and replica killed: every event arrives once when both are back', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'kubernest-audit-certs-'));
    const args = [`--audit-policy-file=${policyFile}`, `--audit-webhook-config-file=${kubeconfig}`, `--redis-url=${redis.url}`, '--audit-webhook-initial-backoff=200ms', '--audit-webhook-batch-max-size=5'];
    const env = { KUBERNEST_REPLICA_ID: 'audit-e2e-1' };
    const ids: string[] = [];
    const create = async (s: ApiserverInstance, i: number) => {
      const r = await s.request('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w${i}` } }) });
      expect(r.status).toBe(201);
      ids.push(r.headers['audit-id'] as string);
    };
    const downSince = Date.now(); // the receiver is down from the start
    let s = await startApiserver({ etcd, certDir, env, extraArgs: args });
    for (let i = 0; i < 12; i++) await create(s, i);
    await sleep(1500); // batches reach Redis within the flush interval
    s.process.kill('SIGKILL');
    await new Promise((r) => s.process.once('exit', r));
    await s.stop();
    // the webhook backend stays down for 30 s in all (the outage)
    await sleep(Math.max(0, 30_000 - (Date.now() - downSince)));

    await receiverUp();
    await sleep(500);
    expect(received).toEqual([]); // nobody sends for the dead replica
    s = await startApiserver({ etcd, certDir, env, extraArgs: args });
    for (let i = 12; i < 15; i++) await create(s, i);
    const deadline = Date.now() + 30_000;
    const complete = () => received.filter((e) => e.stage === 'ResponseComplete' && ids.includes(e.auditID));
    while (complete().length < ids.length && Date.now() < deadline) await sleep(200);
    await sleep(500);
    const counts = new Map<string, number>();
    for (const e of complete()) counts.set(e.auditID, (counts.get(e.auditID) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // in order per replica: the first replica's events before the second's
    const order = complete().map((e) => ids.indexOf(e.auditID));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    await s.stop();
  }, 120_000);
});
