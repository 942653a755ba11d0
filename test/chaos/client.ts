/**
 * A small HTTPS client for the chaos load: the admin identity from a kubeconfig, a timeout on
 * every request, and a streaming watch. Each request opens its own connection (agent: false) so
 * a killed replica costs the requests in flight, not a pool of dead keep-alive sockets.
 */
import { readFileSync } from 'node:fs';
import { request, RequestOptions } from 'node:https';
import { parse as parseYaml } from 'yaml';

export interface Creds {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

export function credsFrom(kubeconfig: string): Creds {
  const kc = parseYaml(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    server: kc.clusters[0].cluster.server,
    ca: b(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b(kc.users[0].user['client-certificate-data']),
    key: b(kc.users[0].user['client-key-data']),
  };
}

export interface Resp {
  status: number;
  body: string;
}

function options(c: Creds, method: string, path: string, headers: Record<string, string>): RequestOptions & { href: string } {
  return { href: c.server + path, method, ca: c.ca, cert: c.cert, key: c.key, agent: false, headers: { Accept: 'application/json', ...headers } };
}

export function call(c: Creds, method: string, path: string, body?: unknown, timeoutMs = 10_000, contentType = 'application/json'): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const o = options(c, method, path, body !== undefined ? { 'Content-Type': contentType } : {});
    const req = request(o.href, o, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

export interface WatchEvent {
  type: string;
  object: { kind?: string; code?: number; metadata?: { name?: string; resourceVersion?: string } };
}

/** A watch stream: `onEvent` per line; resolves when the stream ends (cleanly or not). */
export function watchStream(c: Creds, path: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<{ status: number; clean: boolean }> {
  return new Promise((resolve) => {
    const o = options(c, 'GET', path, {});
    const req = request(o.href, o, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, clean: false }));
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) onEvent(JSON.parse(line) as WatchEvent);
        }
      });
      res.on('end', () => resolve({ status: 200, clean: true }));
      res.on('error', () => resolve({ status: 200, clean: false }));
      res.on('aborted', () => resolve({ status: 200, clean: false }));
    });
    req.on('error', () => resolve({ status: 0, clean: false }));
    signal.addEventListener('abort', () => req.destroy(), { once: true });
    req.end();
  });
}
