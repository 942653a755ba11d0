/**
 * SPDY/3.1 terminated in the API server (libs/spdy, handlers/spdy-bridge.ts), with the same
 * processes as tunnel.test.ts: etcd, an API replica whose `cluster` egress goes through a
 * konnectivity server + agent, and kubelet-sim. kubectl 1.32 port-forward (SPDY inside the
 * SPDY/3.1+portforward.k8s.io WebSocket), kubectl 1.27 port-forward and exec (plain SPDY/3.1
 * upgrades), bridged to the kubelet's WebSocket protocols.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, KUBECTL_DIR, kubectl, startApiserver } from '../harness/apiserver';
import { waitFor } from '../harness/konnectivity';
import { freePort } from '../harness/ports';
import { KubeletSimInstance, startKubeletSim } from '../harness/kubelet-sim';
import { LoopbackTunnel, startLoopbackTunnel } from '../harness/loopback-tunnel';

let tunnel: LoopbackTunnel;
let api: ApiserverInstance;
let sim: KubeletSimInstance;
let dir: string;

function kubectlBg(version: string, args: string[], timeoutMs = 60_000): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const env = { ...process.env, HOME: tmpdir(), KUBECACHEDIR: join(tmpdir(), `kubernest-kubecache-${process.pid}`) };
  const child = spawn(join(KUBECTL_DIR, `kubectl.${version}`), [`--kubeconfig=${api.kubeconfig}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<number | null>((r) => child.once('exit', (code) => (clearTimeout(t), r(code))));
  return { child, out: () => out, done };
}

function httpText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Start `kubectl port-forward pod/p LOCAL:remote` and wait until it listens. */
async function portForward(version: string, remote: number): Promise<{ port: number; stop: () => Promise<void>; out: () => string }> {
  const port = await freePort();
  const pf = kubectlBg(version, ['port-forward', '-v=4', 'pod/p', `${port}:${remote}`], 120_000);
  await waitFor(() => /Forwarding from 127\.0\.0\.1/.test(pf.out()) || pf.child.exitCode !== null, 15_000, 'kubectl port-forward');
  if (pf.child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${pf.out()}`);
  return {
    port,
    out: pf.out,
    stop: async () => {
      pf.child.kill('SIGTERM');
      await pf.done;
    },
  };
}

/** Send `total` random bytes to the echo port through the forward; hash what goes and what comes back. */
function echoTransfer(port: number, total: number): Promise<{ sent: string; received: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const sock = connect(port, '127.0.0.1');
    const hs = createHash('sha256');
    const hr = createHash('sha256');
    let sent = 0;
    let got = 0;
    const chunk = 256 * 1024;
    const pump = () => {
      while (sent < total) {
        const b = randomBytes(Math.min(chunk, total - sent));
        hs.update(b);
        sent += b.length;
        if (!sock.write(b)) return void sock.once('drain', pump);
      }
    };
    sock.on('connect', pump);
    sock.on('data', (d: Buffer) => {
      hr.update(d);
      got += d.length;
      if (got >= total) {
        sock.destroy();
        resolve({ sent: hs.digest('hex'), received: hr.digest('hex'), ms: Date.now() - start });
      }
    });
    sock.on('error', reject);
    sock.on('close', () => {
      if (got < total) reject(new Error(`connection closed after ${got} of ${total} bytes`));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-spdy-test-'));
  tunnel = await startLoopbackTunnel(dir);
  api = await startApiserver({ extraArgs: [tunnel.egressArg] });
  sim = await startKubeletSim(api.kubeconfig, { nodes: 1, sandboxDir: dir });
  const run = await kubectl('1.32', api.kubeconfig, ['run', 'p', '--image=nginx', '--port=80', `--overrides={"spec":{"nodeName":"sim-0"}}`]);
  expect(run.stderr).toBe('');
  await waitFor(async () => /\bRunning\b/.test((await kubectl('1.32', api.kubeconfig, ['get', 'pod', 'p'])).stdout), 15_000, 'pod p Running');
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
  await tunnel?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('SPDY/3.1 through the API server', () => {
  it('kubectl 1.32 port-forward (SPDY over WebSocket): HTTP GETs through the forward', async () => {
    const pf = await portForward('1.32', 80);
    try {
      for (const path of ['/one', '/two']) {
        const r = await httpText(`http://127.0.0.1:${pf.port}${path}`);
        expect(r.status).toBe(200);
        expect(r.body).toMatch(new RegExp(`Hello from default/p .*GET ${path}`));
      }
      // two connections at once
      const both = await Promise.all([httpText(`http://127.0.0.1:${pf.port}/a`), httpText(`http://127.0.0.1:${pf.port}/b`)]);
      expect(both.map((r) => r.body.match(/GET (\/\w)/)?.[1])).toEqual(['/a', '/b']);
      // the SPDY/3.1+portforward.k8s.io WebSocket was accepted: no fallback to a plain SPDY upgrade
      expect(pf.out()).not.toMatch(/fallback to secondary dialer/);
      expect(pf.out()).not.toMatch(/error|unable/i);
    } finally {
      await pf.stop();
    }
  });

  it('kubectl 1.32 port-forward: 100 MiB through the pod echo port arrives intact', async () => {
    const pf = await portForward('1.32', 9000);
    try {
      const total = 100 * 1024 * 1024;
      const r = await echoTransfer(pf.port, total);
      expect(r.received).toBe(r.sent);
      console.log(`spdy port-forward echo: ${total / 1024 / 1024} MiB each way in ${r.ms} ms (${((total / 1024 / 1024) / (r.ms / 1000)).toFixed(1)} MiB/s)`);
      expect(r.ms).toBeLessThan(60_000);
      expect(pf.out()).not.toMatch(/fallback to secondary dialer/);
    } finally {
      await pf.stop();
    }
  }, 90_000);

  it('kubectl 1.27 port-forward (plain SPDY/3.1 upgrade)', async () => {
    const pf = await portForward('1.27', 80);
    try {
      const r = await httpText(`http://127.0.0.1:${pf.port}/old`);
      expect(r.body).toMatch(/Hello from default\/p .*GET \/old/);
    } finally {
      await pf.stop();
    }
  });

  it('kubectl 1.27 port-forward: 16 MiB through the echo port', async () => {
    const pf = await portForward('1.27', 9000);
    try {
      const r = await echoTransfer(pf.port, 16 * 1024 * 1024);
      expect(r.received).toBe(r.sent);
    } finally {
      await pf.stop();
    }
  });

  it('kubectl 1.27 exec over SPDY: output and exit code', async () => {
    const r = await kubectl('1.27', api.kubeconfig, ['exec', 'p', '--', 'sh', '-c', 'echo hi; echo err >&2; exit 3']);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toMatch(/^err\n/);
    expect(r.code).toBe(3);
    const ok = await kubectl('1.27', api.kubeconfig, ['exec', 'p', '--', 'echo', 'fine']);
    expect(ok).toMatchObject({ code: 0, stdout: 'fine\n' });
  });

  it('kubectl 1.27 exec -i passes stdin over SPDY', async () => {
    const r = await kubectl('1.27', api.kubeconfig, ['exec', '-i', 'p', '--', 'cat'], 'hello over spdy\n');
    expect(r.stdout).toBe('hello over spdy\n');
    expect(r.code).toBe(0);
  });

  it('kubectl 1.27 exec of a missing container fails cleanly', async () => {
    const r = await kubectl('1.27', api.kubeconfig, ['exec', 'p', '-c', 'nope', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/container nope is not valid for pod p/);
  });
});
