/**
 * The scrape loop: every --metric-resolution list Nodes and Pods from the API server, fetch each
 * node's kubelet `/stats/summary` through the API server's node proxy
 * (`/api/v1/nodes/{node}/proxy/stats/summary`, so the kubelets are reached through the same path
 * (and tunnel) the API server uses), decode and store. The Node and Pod lists are kept for the API
 * (labels, phase, existence).
 */
import type { KObject } from '../../kubelet-sim/src/kube-client';
import type { MetricsBatch, MetricsStorage } from './storage';
import { decodeSummary } from './summary';

export interface ApiGetter {
  get<T = KObject>(path: string): Promise<T>;
}

export interface ScraperOptions {
  resolutionMs: number;
  /** per-node summary timeout */
  timeoutMs?: number;
  log?: (msg: string) => void;
}

export class Scraper {
  nodes = new Map<string, KObject>();
  /** "ns/name" → Pod */
  pods = new Map<string, KObject>();
  lastScrape = 0;
  lastError = '';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly client: ApiGetter,
    private readonly storage: MetricsStorage,
    private readonly opts: ScraperOptions,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.scrapeOnce()
        .catch((e) => {
          this.lastError = (e as Error).message;
          this.opts.log?.(`metrics-server: scrape failed: ${this.lastError}`);
        })
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.resolutionMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    const ms = this.opts.timeoutMs ?? Math.max(1000, Math.min(10_000, this.opts.resolutionMs));
    let t: NodeJS.Timeout;
    return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms}ms`)), ms)))]).finally(() => clearTimeout(t));
  }

  async scrapeOnce(): Promise<void> {
    const [nodeList, podList] = await Promise.all([this.client.get('/api/v1/nodes'), this.client.get('/api/v1/pods')]);
    const nodes = new Map<string, KObject>();
    for (const n of (nodeList.items ?? []) as KObject[]) nodes.set(n.metadata.name, n);
    const pods = new Map<string, KObject>();
    for (const p of (podList.items ?? []) as KObject[]) pods.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
    this.nodes = nodes;
    this.pods = pods;
    const batch: MetricsBatch = { nodes: new Map(), pods: [] };
    const errors: string[] = [];
    await Promise.all(
      [...nodes.keys()].map(async (name) => {
        try {
          const summary = await this.withTimeout(this.client.get(`/api/v1/nodes/${encodeURIComponent(name)}/proxy/stats/summary`), `node ${name}`);
          const decoded = decodeSummary(summary);
          if (decoded.node) batch.nodes.set(name, decoded.node);
          batch.pods.push(...decoded.pods);
        } catch (e) {
          errors.push(`unable to fully scrape metrics from node ${name}: ${(e as Error).message}`);
        }
      }),
    );
    this.storage.store(batch);
    this.lastScrape = Date.now();
    this.lastError = errors.join('; ');
    if (errors.length > 0) this.opts.log?.(`metrics-server: ${this.lastError}`);
  }
}
