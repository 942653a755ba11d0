/**
 * The audit webhook backend (--audit-webhook-config-file, a kubeconfig naming the receiver): events
 * are POSTed as audit.k8s.io/v1 EventList batches. Between the request path and the receiver sits
 * a queue:
 *
 * - with --redis-url, a bullmq queue `kubernest-audit-webhook-<replica id>`: events are buffered in
 *   memory for at most `flushMs` (or `batchMaxSize` events), then added as ONE job (a batch) to
 *   Redis, so an accepted batch survives a crash of this replica (it is sent when a replica with
 *   the same id starts again). One worker with concurrency 1 sends the jobs in FIFO order and keeps
 *   retrying the head job with exponential backoff (initial --audit-webhook-initial-backoff, capped
 *   at 30 s) while the webhook is down, so batches arrive in order and once (a crash between the
 *   receiver's 2xx and the job's completion would resend that one batch: at-least-once).
 * - without Redis, the same batching and retry loop on an in-memory queue (lost on a crash; a
 *   warning says so at start).
 *
 * Mode `batch` returns at once; `blocking`/`blocking-strict` wait until the event's batch is in the
 * queue (Redis) before the request completes.
 */
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { loadKubeconfig, type ClientConfig } from '../../../kubelet-sim/src/kube-client';
import { wireEvent, type AuditEvent } from './event';
import { runTracedJob, SpanKind, TracedJobData, withSpan, withTraceContext } from '../../../../libs/tracing/src';

export interface WebhookBackendOptions {
  /** the kubeconfig file */
  configFile: string;
  mode?: 'batch' | 'blocking' | 'blocking-strict';
  batchMaxSize?: number;
  /** longest an event waits in memory before its batch is enqueued (default min(batchMaxWait, 200ms)) */
  flushMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** '' / undefined = in-memory */
  redisUrl?: string;
  /** in-memory mode: events held at most (upstream's --audit-webhook-batch-buffer-size, 10000); more are dropped */
  bufferSize?: number;
  /** this replica's queue (default hostname-pid-independent id given by the caller) */
  replicaId: string;
  log?: (msg: string) => void;
}

const QUEUE_PREFIX = 'kubernest-audit-webhook';

/** POST one EventList; resolves on 2xx, rejects otherwise. */
export function postEventList(cfg: ClientConfig, agent: Agent | undefined, events: AuditEvent[], timeoutMs = 30_000): Promise<void> {
  const body = Buffer.from(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: events.map(wireEvent) }));
  const url = new URL(cfg.server);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': String(body.length) };
  if (cfg.token) headers.Authorization = `Bearer ${cfg.token}`;
  return new Promise<void>((resolve, reject) => {
    const opts = { method: 'POST', headers, timeout: timeoutMs, ...(url.protocol === 'https:' ? { agent } : {}) };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, opts, (res) => {
      res.resume();
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve();
        else reject(new Error(`audit webhook answered ${code}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('audit webhook request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

interface Batch {
  events: AuditEvent[];
}

export class WebhookBackend {
  private readonly cfg: ClientConfig;
  private readonly agent: Agent | undefined;
  private readonly maxSize: number;
  private readonly flushMs: number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly log: (msg: string) => void;
  private buffer: AuditEvent[] = [];
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  // in-memory mode
  private readonly memory: Batch[] = [];
  private memoryEvents = 0;
  private pumping = false;
  /** retry waits, woken by close() */
  private readonly sleepers = new Set<() => void>();
  // redis mode
  private queue: import('bullmq').Queue | undefined;
  private worker: import('bullmq').Worker | undefined;
  private connections: import('ioredis').default[] = [];
  private enqueueChain: Promise<void> = Promise.resolve();
  /** batches delivered (tests, metrics) */
  delivered = 0;

  constructor(private readonly opts: WebhookBackendOptions) {
    this.cfg = loadKubeconfig(opts.configFile);
    this.agent = this.cfg.server.startsWith('https:')
      ? new Agent({ keepAlive: true, ca: this.cfg.ca, cert: this.cfg.cert, key: this.cfg.key, rejectUnauthorized: !this.cfg.insecure })
      : undefined;
    this.maxSize = opts.batchMaxSize ?? 400;
    this.flushMs = opts.flushMs ?? 200;
    this.initialBackoff = opts.initialBackoffMs ?? 10_000;
    this.maxBackoff = opts.maxBackoffMs ?? 30_000;
    this.log = opts.log ?? ((m) => console.warn(`[apiserver] audit webhook: ${m}`));
    if (opts.redisUrl) this.startRedis(opts.redisUrl);
    else this.log('no --redis-url: audit events wait for the webhook in memory and are lost if this replica stops');
  }

  get queueName(): string {
    return `${QUEUE_PREFIX}-${this.opts.replicaId}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  }

  private startRedis(url: string): void {
    // loaded only when Redis is configured (bullmq and ioredis take ~150 ms to load)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Queue, Worker, WaitingError } = require('bullmq') as typeof import('bullmq');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Redis = require('ioredis') as typeof import('ioredis');
    const conn = () => {
      const c = new Redis.default(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(200 * times, 2000) });
      c.on('error', () => undefined);
      this.connections.push(c);
      return c;
    };
    const name = this.queueName;
    this.queue = new Queue(name, { connection: conn() });
    this.queue.on('error', () => undefined);
    this.worker = new Worker(
      name,
      async (job, token) => {
        try {
          const data = job.data as Batch & TracedJobData;
          await runTracedJob('audit.webhook.Send', data, () => this.sendWithRetry(data.events));
        } catch (e) {
          if (!this.closed) throw e;
          // stopping: the batch goes back to the head of the queue for the next start
          await job.moveToWait(token);
          throw new WaitingError();
        }
      },
      {
        connection: conn(),
        concurrency: 1,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 1000 },
        lockDuration: 30_000,
        maxStalledCount: 1_000_000,
        autorun: false,
      },
    );
    this.worker.on('error', () => undefined);
    this.worker.on('completed', () => this.delivered++);
    const worker = this.worker;
    const queue = this.queue;
    void (async () => {
      // this queue is ours alone: a job still active was being sent when this replica died; it
      // goes back to the head of the queue so it is sent first, before anything newer
      for (;;) {
        try {
          for (const job of await queue.getActive()) await job.moveToWait('0');
          break;
        } catch {
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      if (!this.closed) await worker.run().catch((e: unknown) => this.log(`worker stopped: ${(e as Error).message}`));
    })();
  }

  private dropped = 0;

  processEvent(ev: AuditEvent): Promise<void> | void {
    if (this.closed) return;
    if (!this.queue && this.memoryEvents + this.buffer.length >= (this.opts.bufferSize ?? 10_000)) {
      if (this.dropped++ % 1000 === 0) this.log(`audit buffer full (webhook unreachable?): dropping events (${this.dropped} so far)`);
      return;
    }
    this.buffer.push(ev);
    const blocking = this.opts.mode === 'blocking' || this.opts.mode === 'blocking-strict';
    const done = blocking ? new Promise<void>((r) => this.waiters.push(r)) : undefined;
    if (this.buffer.length >= this.maxSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    return done;
  }

  /** Move the buffered events into the queue as one batch. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return this.enqueueChain;
    const batch: Batch = { events: this.buffer };
    const waiters = this.waiters;
    this.buffer = [];
    this.waiters = [];
    if (this.queue) {
      const q = this.queue;
      // chained: batches reach Redis in the order they were formed
      this.enqueueChain = this.enqueueChain
        .then(() => withSpan('audit.webhook.Enqueue', { 'audit.events': batch.events.length }, () => q.add('batch', withTraceContext(batch), { removeOnComplete: true }), SpanKind.PRODUCER))
        .then(
          () => undefined,
          (e: unknown) => this.log(`could not enqueue ${batch.events.length} events: ${(e as Error).message}`),
        )
        .finally(() => waiters.forEach((w) => w()));
      return this.enqueueChain;
    }
    this.memory.push(batch);
    this.memoryEvents += batch.events.length;
    waiters.forEach((w) => w());
    void this.pump();
    return Promise.resolve();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.memory.length > 0 && !this.closed) {
        await this.sendWithRetry(this.memory[0].events);
        this.memoryEvents -= this.memory.shift()!.events.length;
        this.delivered++;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Keep trying one batch until the webhook takes it (or the backend closes). */
  private async sendWithRetry(events: AuditEvent[]): Promise<void> {
    let backoff = this.initialBackoff;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new Error('audit webhook backend closed');
      try {
        await postEventList(this.cfg, this.agent, events);
        return;
      } catch (e) {
        if (this.closed) throw e;
        if (attempt === 1 || attempt % 10 === 0) this.log(`sending ${events.length} events failed (attempt ${attempt}), retrying in ${backoff}ms: ${(e as Error).message}`);
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            this.sleepers.delete(wake);
            r();
          }, backoff);
          const wake = () => {
            clearTimeout(t);
            r();
          };
          this.sleepers.add(wake);
        });
        backoff = Math.min(backoff * 2, this.maxBackoff);
      }
    }
  }

  /** Enqueue what is buffered, stop the worker (jobs left in Redis are sent after a restart). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    await this.worker?.close().catch(() => undefined);
    await this.queue?.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
    this.agent?.destroy();
  }
}
