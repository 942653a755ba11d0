/**
 * The webhook backend against a real redis-server and a local HTTP receiver: the receiver is down
 * for a few seconds, then up; a backend is stopped ("crash") with batches still queued and a new
 * one with the same replica id sends them. Every event arrives exactly once, in order.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/harness/ports';
import { startRedis, type RedisInstance } from '../../../../test/harness/redis';
import type { AuditEvent } from './event';
import { WebhookBackend } from './webhook-backend';

const ev = (i: number): AuditEvent => ({
  level: 'Metadata',
  auditID: `id-${i}`,
  stage: 'ResponseComplete',
  requestURI: '/api',
  verb: 'get',
  sourceIPs: [],
  requestReceivedTimestamp: new Date().toISOString(),
  stageTimestamp: new Date().toISOString(),
});

class Receiver {
  ids: string[] = [];
  posts = 0;
  private server?: Server;
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const list = JSON.parse(Buffer.concat(chunks).toString()) as { kind: string; apiVersion: string; items: AuditEvent[] };
        expect(list.kind).toBe('EventList');
        expect(list.apiVersion).toBe('audit.k8s.io/v1');
        this.posts++;
        for (const e of list.items) this.ids.push(e.auditID);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }
  async down(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
    this.server = undefined;
  }
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('WebhookBackend', () => {
  let redis: RedisInstance;
  let receiver: Receiver;
  let kubeconfig: string;
  beforeAll(async () => {
    redis = await startRedis();
    receiver = new Receiver(await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'audit-webhook-'));
    kubeconfig = join(dir, 'webhook.kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: sink\n  cluster: {server: "http://127.0.0.1:${receiver.port}/audit"}\nusers:\n- name: api\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: sink, user: api}\ncurrent-context: c\n`,
    );
  });
  afterAll(async () => {
    await receiver.down();
    await redis.stop();
  });

  it('redis queue: survives a webhook outage and a replica stop, every event once and in order', async () => {
    const opts = { configFile: kubeconfig, redisUrl: redis.url, replicaId: 'r1', flushMs: 20, batchMaxSize: 7, initialBackoffMs: 100, maxBackoffMs: 500, log: () => undefined };
    let b = new WebhookBackend(opts);
    // webhook down: 40 events are accepted and queued
    for (let i = 0; i < 40; i++) b.processEvent(ev(i));
    await b.flush();
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.ids).toEqual([]);
    // this replica stops with everything still queued in Redis
    await b.close();
    await receiver.up();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.ids).toEqual([]);
    // the replica comes back (same id): the queue drains
    b = new WebhookBackend(opts);
    for (let i = 40; i < 60; i++) b.processEvent(ev(i));
    await until(() => receiver.ids.length >= 60);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.ids).toEqual(Array.from({ length: 60 }, (_, i) => `id-${i}`));
    expect(receiver.posts).toBeGreaterThanOrEqual(60 / 7);
    await b.close();
  }, 60_000);

  it('without redis: in-memory queue, retried until the webhook is back', async () => {
    await receiver.down();
    receiver.ids = [];
    const b = new WebhookBackend({ configFile: kubeconfig, replicaId: 'mem', flushMs: 10, initialBackoffMs: 100, maxBackoffMs: 300, log: () => undefined });
    for (let i = 0; i < 10; i++) b.processEvent(ev(i));
    await new Promise((r) => setTimeout(r, 800));
    await receiver.up();
    await until(() => receiver.ids.length >= 10);
    expect(receiver.ids).toEqual(Array.from({ length: 10 }, (_, i) => `id-${i}`));
    await b.close();
  });
});
