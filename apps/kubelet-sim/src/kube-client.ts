/**
 * A minimal Kubernetes API client over node:https, configured from a kubeconfig (current
 * context; client certificate, bearer token, CA or insecure-skip-tls-verify): JSON requests and
 * streaming watches (one JSON event per line).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export type KObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`API server answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'ApiError';
  }
  get reason(): string | undefined {
    try {
      return (JSON.parse(this.body) as { reason?: string }).reason;
    } catch {
      return undefined;
    }
  }
}

export interface ClientConfig {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecure?: boolean;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: Record<string, string | boolean> }[];
  users?: { name: string; user: Record<string, string> }[];
}

export function loadKubeconfig(path: string): ClientConfig {
  const kc = parseYaml(readFileSync(path, 'utf8')) as KubeconfigFile;
  const ctxName = kc['current-context'] ?? kc.contexts?.[0]?.name;
  const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context;
  const cluster = (ctx ? kc.clusters?.find((c) => c.name === ctx.cluster) : kc.clusters?.[0])?.cluster;
  const user = (ctx ? kc.users?.find((u) => u.name === ctx.user) : kc.users?.[0])?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string') throw new Error(`kubeconfig ${path}: no cluster server for context ${ctxName ?? '<none>'}`);
  const base = dirname(path);
  const data = (inline: unknown, file: unknown): string | undefined => {
    if (typeof inline === 'string' && inline) return Buffer.from(inline, 'base64').toString('utf8');
    if (typeof file === 'string' && file) return readFileSync(isAbsolute(file) ? file : join(base, file), 'utf8');
    return undefined;
  };
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ca: data(cluster['certificate-authority-data'], cluster['certificate-authority']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    cert: data(user['client-certificate-data'], user['client-certificate']),
    key: data(user['client-key-data'], user['client-key']),
    token: user.token || (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined),
  };
}

export interface WatchHandle {
  stop(): void;
  /** resolves when the stream ends (server closed it, error, or stop()) */
  done: Promise<void>;
}

export class KubeClient {
  private readonly agent: Agent;

  constructor(readonly config: ClientConfig) {
    this.agent = new Agent({
      keepAlive: true,
      ca: config.ca,
      cert: config.cert,
      key: config.key,
      rejectUnauthorized: !config.insecure,
    });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Accept: 'application/json',
      'User-Agent': 'kubelet/v1.32.0 (linux/amd64) kubernest-kubelet-sim',
      ...(this.config.token ? { Authorization: `Bearer ${this.config.token}` } : {}),
      ...extra,
    };
  }

  async request<T = KObject>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = request(
        this.config.server + path,
        { method, agent: this.agent, headers: this.headers(payload ? { 'Content-Type': contentType, 'Content-Length': String(payload.length) } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) return reject(new ApiError(status, text));
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get<T = KObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** A watch stream: calls onEvent per event until the server ends it or stop() is called. */
  watch(path: string, onEvent: (ev: { type: string; object: KObject }) => void): WatchHandle {
    let stopFn: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      const req = request(this.config.server + path, { method: 'GET', agent: this.agent, headers: this.headers() }, (res) => {
        if ((res.statusCode ?? 0) !== 200) {
          res.resume();
          res.on('end', resolve);
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            try {
              onEvent(JSON.parse(line));
            } catch {
              /* a torn line: ignore */
            }
          }
        });
        res.on('end', resolve);
        res.on('error', () => resolve());
        res.on('close', resolve);
      });
      req.on('error', () => resolve());
      req.end();
      stopFn = () => {
        req.destroy();
        resolve();
      };
    });
    return { stop: () => stopFn(), done };
  }

  close(): void {
    this.agent.destroy();
  }
}
