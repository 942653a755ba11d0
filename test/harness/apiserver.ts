/**
 * Starts a real Kubernest API replica (the compiled `bin/kubernest apiserver`) against a real
 * etcd, on free loopback ports in a temp dir, for end-to-end tests; and runs real kubectl
 * binaries against it.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EtcdInstance, startEtcd } from './etcd';
import { freePort } from './ports';

/** The repository root: the nearest folder above this file holding bin/kubernest. */
export const REPO_ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'bin', 'kubernest')) && dir !== resolve(dir, '..')) dir = resolve(dir, '..');
  return dir;
})();
export const KUBERNEST_BIN = join(REPO_ROOT, 'bin', 'kubernest');
export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

export interface ApiserverInstance {
  url: string;
  port: number;
  certDir: string;
  kubeconfig: string;
  etcd: EtcdInstance;
  process: ChildProcess;
  logs(): string;
  /** an HTTPS request with the admin client certificate (or none with anonymous: true) */
  request(method: string, path: string, opts?: RawRequestOptions): Promise<RawResponse>;
  stop(): Promise<void>;
}

export interface RawRequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
  anonymous?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface StartApiserverOptions {
  /** share an etcd (not stopped with the server); default: a fresh one */
  etcd?: EtcdInstance;
  extraArgs?: string[];
  /** extra environment for the server process (e.g. KUBERNEST_TEST_PANIC_PATH) */
  env?: Record<string, string>;
  /** loopback address to bind and advertise (default 127.0.0.1; replicas of one cluster use 127.0.0.N) */
  host?: string;
  /** secure port (default: a free one) */
  port?: number;
  /** reuse a cert dir (e.g. one CA for several replicas); not removed on stop */
  certDir?: string;
}

export async function startApiserver(opts: StartApiserverOptions = {}): Promise<ApiserverInstance> {
  const etcd = opts.etcd ?? (await startEtcd());
  const certDir = opts.certDir ?? (await mkdtemp(join(tmpdir(), 'kubernest-apiserver-')));
  const port = opts.port ?? (await freePort());
  const host = opts.host ?? '127.0.0.1';
  const args = [
    'apiserver',
    `--etcd-servers=${etcd.endpoint}`,
    `--secure-port=${port}`,
    `--bind-address=${host}`,
    `--advertise-address=${host}`,
    `--cert-dir=${certDir}`,
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, [KUBERNEST_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-20000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-20000)));
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `https://${host}:${port}`;
  const kubeconfig = join(certDir, 'admin.kubeconfig');

  let creds: { ca: string; cert: string; key: string } | undefined;
  const loadCreds = () => {
    const kc = parseYaml(readFileSync(kubeconfig, 'utf8')) as {
      clusters: { cluster: { 'certificate-authority-data': string } }[];
      users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
    };
    const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
    return {
      ca: b(kc.clusters[0].cluster['certificate-authority-data']),
      cert: b(kc.users[0].user['client-certificate-data']),
      key: b(kc.users[0].user['client-key-data']),
    };
  };

  const doRequest = (method: string, path: string, o: RawRequestOptions = {}): Promise<RawResponse> =>
    new Promise((resolveReq, reject) => {
      creds ??= loadCreds();
      const req = request(
        url + path,
        {
          method,
          ca: creds.ca,
          cert: o.anonymous ? undefined : creds.cert,
          key: o.anonymous ? undefined : creds.key,
          headers: { Accept: 'application/json', ...(o.body ? { 'Content-Type': 'application/json' } : {}), ...(o.headers ?? {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            resolveReq({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (o.body) req.write(o.body);
      req.end();
    });

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`apiserver exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const r = await doRequest('GET', '/readyz');
      if (r.status === 200) break;
    } catch {
      creds = undefined;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`apiserver not ready in 60s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    certDir,
    kubeconfig,
    etcd,
    process: child,
    logs: () => output,
    request: doRequest,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await new Promise<void>((r) => {
            const t = setTimeout(() => {
              child.kill('SIGKILL');
              r();
            }, 5000);
            child.once('exit', () => {
              clearTimeout(t);
              r();
            });
          });
        }
        if (!opts.etcd) await etcd.stop();
        if (!opts.certDir) await rm(certDir, { recursive: true, force: true });
      })()),
  };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real kubectl binary (1.NN) against the server. */
export function kubectl(version: string, kubeconfig: string, args: string[], input?: string): Promise<KubectlResult> {
  const bin = join(KUBECTL_DIR, `kubectl.${version}`);
  return new Promise((resolveRun) => {
    const child = execFile(
      bin,
      [`--kubeconfig=${kubeconfig}`, ...args],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HOME: tmpdir(), KUBECACHEDIR: join(tmpdir(), `kubernest-kubecache-${process.pid}`) } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
        resolveRun({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (input !== undefined) {
      child.stdin?.end(input);
    }
  });
}
