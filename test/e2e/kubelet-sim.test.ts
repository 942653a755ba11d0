/**
 * kubelet-sim end to end: a real API server, `bin/kubernest kubelet-sim --nodes 2`, real kubectl
 * for nodes and pods, and the simulated kubelet's own HTTPS port (pods, logs, exec and
 * port-forward over WebSocket) reached directly, not through the API server yet.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiserverInstance, KUBERNEST_BIN, kubectl, startApiserver } from '../harness/apiserver';

let api: ApiserverInstance;
let sim: ChildProcess;
let simOut = '';
let sandbox: string;
let ca: string;
const ports: Record<string, number> = {};

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last ?? '')}\nsim output:\n${simOut}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function kget(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Frame {
  ch: number;
  data: Buffer;
}

function openWs(port: number, path: string, protocols: string[]): Promise<{ ws: WebSocket; frames: Frame[]; closed: Promise<void>; protocol: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, protocols, { ca });
    const frames: Frame[] = [];
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    ws.on('message', (raw: Buffer) => frames.push({ ch: raw[0], data: raw.subarray(1) }));
    ws.on('open', () => resolve({ ws, frames, closed, protocol: ws.protocol }));
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
}

const text = (frames: Frame[], ch: number) =>
  Buffer.concat(frames.filter((f) => f.ch === ch).map((f) => f.data)).toString('utf8');

beforeAll(async () => {
  api = await startApiserver();
  sandbox = mkdtempSync(join(tmpdir(), 'kubernest-kubelet-sim-test-'));
  sim = spawn(process.execPath, [KUBERNEST_BIN, 'kubelet-sim', `--kubeconfig=${api.kubeconfig}`, '--nodes=2', '--base-port=0', `--sandbox-dir=${sandbox}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  sim.stdout?.on('data', (d) => (simOut = (simOut + d).slice(-20000)));
  sim.stderr?.on('data', (d) => (simOut = (simOut + d).slice(-20000)));
  process.once('exit', () => sim.kill('SIGKILL'));
  await eventually(async () => (/running 2 node/.test(simOut) ? true : sim.exitCode !== null ? Promise.reject(new Error('sim exited')) : undefined), 30_000, 'kubelet-sim start');
  ca = readFileSync(join(sandbox, 'kubelet-ca.crt'), 'utf8');
  for (const m of simOut.matchAll(/(sim-\d+)=https:\/\/127\.0\.0\.1:(\d+)/g)) ports[m[1]] = Number(m[2]);
});

afterAll(async () => {
  if (sim && sim.exitCode === null) {
    sim.kill('SIGTERM');
    await new Promise<void>((r) => {
      const t = setTimeout(() => {
        sim.kill('SIGKILL');
        r();
      }, 5000);
      sim.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
  await api?.stop();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

describe('kubelet-sim', () => {
  it('registers both nodes Ready with addresses, capacity, nodeInfo and kubelet port, and holds their leases', async () => {
    const out = await eventually(async () => {
      const r = await kubectl('1.32', api.kubeconfig, ['get', 'nodes']);
      return /sim-0\s+Ready/.test(r.stdout) && /sim-1\s+Ready/.test(r.stdout) ? r.stdout : undefined;
    }, 20_000, 'nodes Ready');
    expect(out).toMatch(/v1\.32\.0/);
    const node = JSON.parse((await kubectl('1.32', api.kubeconfig, ['get', 'node', 'sim-1', '-o', 'json'])).stdout);
    expect(node.status.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'sim-1' },
    ]);
    expect(node.status.nodeInfo.kubeletVersion).toBe('v1.32.0');
    expect(node.status.allocatable).toMatchObject({ cpu: '8', pods: '110' });
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(ports['sim-1']);
    const lease = JSON.parse((await kubectl('1.32', api.kubeconfig, ['get', 'lease', '-n', 'kube-node-lease', 'sim-0', '-o', 'json'])).stdout);
    expect(lease.spec.holderIdentity).toBe('sim-0');
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(lease.metadata.ownerReferences[0]).toMatchObject({ kind: 'Node', name: 'sim-0', uid: expect.any(String) });
  });

  it('runs a pod bound to sim-0: Running with a pod IP within 10 s', async () => {
    const run = await kubectl('1.32', api.kubeconfig, ['run', 'p', '--image=nginx', '--port=80', `--overrides={"spec":{"nodeName":"sim-0"}}`]);
    expect(run.stderr).toBe('');
    const started = Date.now();
    const line = await eventually(async () => {
      const r = await kubectl('1.32', api.kubeconfig, ['get', 'pod', 'p', '-o', 'wide']);
      return /\bRunning\b/.test(r.stdout) && /10\.244\.0\.\d+/.test(r.stdout) ? r.stdout : undefined;
    }, 10_000, 'pod p Running');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(line).toMatch(/p\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.0\.\d+\s+sim-0/);
    const pod = JSON.parse((await kubectl('1.32', api.kubeconfig, ['get', 'pod', 'p', '-o', 'json'])).stdout);
    expect(pod.status.hostIP).toBe('127.0.0.1');
    expect(pod.status.startTime).toBeTruthy();
    expect(pod.status.conditions.map((c: { type: string }) => c.type)).toEqual(expect.arrayContaining(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']));
    const cs = pod.status.containerStatuses[0];
    expect(cs).toMatchObject({ name: 'p', ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:latest' });
    expect(cs.state.running.startedAt).toBeTruthy();
    expect(cs.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
  });

  it('serves /pods, /runningpods/, /healthz, /stats/summary, /metrics, /configz and /spec/ on the kubelet port', async () => {
    const port = ports['sim-0'];
    const pods = JSON.parse((await kget(port, '/pods')).body);
    expect(pods.kind).toBe('PodList');
    expect(pods.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['p']);
    expect(pods.items[0].status.phase).toBe('Running');
    expect(JSON.parse((await kget(ports['sim-1'], '/pods')).body).items).toEqual([]);
    expect(JSON.parse((await kget(port, '/runningpods/')).body).items[0].metadata.name).toBe('p');
    expect(await kget(port, '/healthz')).toEqual({ status: 200, body: 'ok' });
    const summary = JSON.parse((await kget(port, '/stats/summary')).body);
    expect(summary.node.nodeName).toBe('sim-0');
    expect(summary.pods[0].podRef.name).toBe('p');
    expect(summary.pods[0].containers[0].memory.workingSetBytes).toBeGreaterThan(0);
    expect((await kget(port, '/metrics')).body).toMatch(/^kubelet_running_pods 1$/m);
    expect((await kget(port, '/metrics/resource')).body).toMatch(/^container_cpu_usage_seconds_total\{container="p",namespace="default",pod="p"\} /m);
    expect(JSON.parse((await kget(port, '/configz')).body).kubeletconfig.kind).toBe('KubeletConfiguration');
    expect(JSON.parse((await kget(port, '/spec/')).body).num_cores).toBe(8);
  });

  it('serves container logs with tailLines, timestamps, limitBytes, follow and previous', async () => {
    const port = ports['sim-0'];
    const all = await kget(port, '/containerLogs/default/p/p');
    expect(all.status).toBe(200);
    expect(all.body.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(3);
    expect(all.body).toMatch(/container p is running/);
    const tail = (await kget(port, '/containerLogs/default/p/p?tailLines=1&timestamps=true')).body;
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z kubelet-sim: container p is running\n$/);
    expect((await kget(port, '/containerLogs/default/p/p?limitBytes=5')).body).toBe('kubel');
    expect((await kget(port, '/containerLogs/default/p/p?previous=true')).status).toBe(400);
    expect((await kget(port, '/containerLogs/default/p/nope')).status).toBe(404);
    // follow: a tick every second while someone follows; limitBytes ends the stream
    const followed = await kget(port, `/containerLogs/default/p/p?follow=true&tailLines=0&limitBytes=${'tick 1 from default/p/p\n'.length}`);
    expect(followed.body).toBe('tick 1 from default/p/p\n');
  });

  it('execs over WebSocket (v5.channel.k8s.io): stdout on channel 1, exit code 3 as a NonZeroExitCode Status on channel 3', async () => {
    const q = new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'echo hi; exit 3'], ['stdout', '1'], ['stderr', '1']]);
    const { frames, closed, protocol } = await openWs(ports['sim-0'], `/exec/default/p/p?${q}`, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(protocol).toBe('v5.channel.k8s.io');
    await closed;
    expect(frames[0]).toEqual({ ch: 1, data: Buffer.alloc(0) }); // the "streams are up" message
    expect(text(frames, 1)).toBe('hi\n');
    const status = JSON.parse(text(frames, 3));
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });

  it('execs with stdin, a restricted environment and the sandbox as working directory (v4.channel.k8s.io)', async () => {
    const q = new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'read x; echo "got $x"; pwd; echo "HOME=$HOME PATH=$PATH"; env | wc -l'], ['stdin', '1'], ['stdout', '1']]);
    const { ws, frames, closed } = await openWs(ports['sim-0'], `/exec/default/p/p?${q}`, ['v4.channel.k8s.io']);
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello\n')]));
    await closed;
    const out = text(frames, 1).split('\n');
    expect(out[0]).toBe('got hello');
    expect(out[1]).toMatch(new RegExp(`^${sandbox}/default_p_`));
    expect(out[2]).toBe(`HOME=${out[1]} PATH=/usr/bin:/bin`);
    expect(Number(out[3])).toBeLessThanOrEqual(6);
    expect(JSON.parse(text(frames, 3))).toEqual({ metadata: {}, status: 'Success' });
  });

  it('port-forwards over WebSocket: port preamble on the data and error channels, bytes round-trip through the echo server, HTTP on port 80', async () => {
    const { ws, frames, closed } = await openWs(ports['sim-0'], '/portForward/default/p?port=9000&port=80', ['v4.channel.k8s.io']);
    await eventually(async () => (frames.length >= 4 ? true : undefined), 5000, 'port preambles');
    const le = (p: number) => Buffer.from([p & 0xff, p >> 8]);
    expect(frames.slice(0, 4)).toEqual([
      { ch: 0, data: le(9000) },
      { ch: 1, data: le(9000) },
      { ch: 2, data: le(80) },
      { ch: 3, data: le(80) },
    ]);
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping 1234')]));
    ws.send(Buffer.concat([Buffer.from([2]), Buffer.from('GET /hello HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n')]));
    await eventually(async () => (text(frames.slice(4), 0) === 'ping 1234' && /Hello from default\/p/.test(text(frames.slice(4), 2)) ? true : undefined), 5000, 'echo and HTTP replies');
    expect(text(frames.slice(4), 2)).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*GET \/hello\n$/);
    ws.close();
    await closed;
  });

  it('finalizes a gracefully deleted pod (delete with gracePeriodSeconds=0)', async () => {
    const started = Date.now();
    const del = await kubectl('1.32', api.kubeconfig, ['delete', 'pod', 'p', '--timeout=20s']);
    expect(del.stdout).toMatch(/pod "p" deleted/);
    expect(Date.now() - started).toBeLessThan(15_000);
    const get = await kubectl('1.32', api.kubeconfig, ['get', 'pod', 'p']);
    expect(get.stderr).toMatch(/NotFound|not found/);
    await eventually(async () => (JSON.parse((await kget(ports['sim-0'], '/pods')).body).items.length === 0 ? true : undefined), 5000, 'pod gone from /pods');
  });
});
