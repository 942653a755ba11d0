/**
 * The API server's `cluster` egress through Konnectivity, end to end with real processes: etcd, an
 * API replica with --egress-selector-config-file (GRPC) pointing at a konnectivity-server, one
 * konnectivity-agent, and kubelet-sim with 2 nodes. kubectl 1.32 reaches the simulated kubelets only
 * through the API server: logs, logs -f, exec (WebSocket v5), exec -i, nodes/proxy, pods/proxy via
 * kubectl proxy, and WebSocket port-forward. SPDY (kubectl port-forward, kubectl 1.27) is in spdy.test.ts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse as parseYaml } from 'yaml';
import { ApiserverInstance, KUBECTL_DIR, KUBERNEST_BIN, kubectl, startApiserver } from '../harness/apiserver';
import { KonnectivityAgentInstance, KonnectivityServerInstance, startKonnectivityAgent, startKonnectivityServer, waitFor } from '../harness/konnectivity';
import { freePort } from '../harness/ports';
import { KubeletSimInstance, startKubeletSim, writeTunnelEgressConfig } from '../harness/kubelet-sim';

let server: KonnectivityServerInstance;
let agent: KonnectivityAgentInstance;
let api: ApiserverInstance;
let sim: KubeletSimInstance;
let dir: string;
const K = '1.32';

function kubectlEnv(): NodeJS.ProcessEnv {
  return { ...process.env, HOME: tmpdir(), KUBECACHEDIR: join(tmpdir(), `kubernest-kubecache-${process.pid}`) };
}

/** A long-running kubectl; collects output, killed by the caller (or after timeoutMs). */
function kubectlBg(args: string[], timeoutMs = 30_000): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const child = spawn(join(KUBECTL_DIR, `kubectl.${K}`), [`--kubeconfig=${api.kubeconfig}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: kubectlEnv() });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<number | null>((r) => child.once('exit', (code) => (clearTimeout(t), r(code))));
  return { child, out: () => out, done };
}

function httpText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-tunnel-test-'));
  server = await startKonnectivityServer(['--server-id=s1']);
  agent = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=node-agent', '--agent-identifiers=ipv4=127.0.0.1', '--allow=127.0.0.1:*']);
  await waitFor(async () => (await server.get('/readyz')).status === 200, 15_000, 'an agent to connect');
  const egress = writeTunnelEgressConfig(dir, server.serverPort);
  api = await startApiserver({ extraArgs: [`--egress-selector-config-file=${egress}`] });
  sim = await startKubeletSim(api.kubeconfig, { nodes: 2, sandboxDir: dir });
  const run = await kubectl(K, api.kubeconfig, ['run', 'p', '--image=nginx', '--port=80', `--overrides={"spec":{"nodeName":"sim-0"}}`]);
  expect(run.stderr).toBe('');
  await waitFor(async () => /\bRunning\b/.test((await kubectl(K, api.kubeconfig, ['get', 'pod', 'p'])).stdout), 15_000, 'pod p Running');
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  await api?.stop();
  await agent?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('API server egress through konnectivity', () => {
  it('rejects an invalid egress selector configuration at start', async () => {
    const bad = join(dir, 'bad-egress.yaml');
    writeFileSync(bad, 'apiVersion: apiserver.k8s.io/v1\nkind: EgressSelectorConfiguration\negressSelections:\n- name: cluster\n  connection:\n    proxyProtocol: Carrier\n');
    const child = spawn(process.execPath, [KUBERNEST_BIN, 'apiserver', '--etcd-servers=http://127.0.0.1:1', `--egress-selector-config-file=${bad}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => {
      const t = setTimeout(() => (child.kill('SIGKILL'), r(null)), 20_000);
      child.once('exit', (c) => (clearTimeout(t), r(c)));
    });
    expect(code).toBe(1);
    expect(out).toMatch(/proxyProtocol: Unsupported value: "Carrier"/);
  });

  it('kubectl logs goes through the tunnel', async () => {
    const before = await server.metric('konnectivity_network_proxy_server_dial_duration_seconds_count');
    const r = await kubectl(K, api.kubeconfig, ['logs', 'p']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/container p is running/);
    expect(await server.metric('konnectivity_network_proxy_server_dial_duration_seconds_count')).toBeGreaterThan(before);
    const tail = await kubectl(K, api.kubeconfig, ['logs', 'p', '--tail=1', '--timestamps']);
    expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z kubelet-sim: container p is running\n$/);
    const bad = await kubectl(K, api.kubeconfig, ['logs', 'p', '-c', 'nope']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/container nope is not valid for pod p/);
  });

  it('kubectl logs -f streams until killed', async () => {
    const f = kubectlBg(['logs', '-f', 'p', '--tail=0'], 20_000);
    await waitFor(() => /tick 2 from default\/p\/p/.test(f.out()), 15_000, 'two ticks');
    f.child.kill('SIGTERM');
    await f.done;
    expect(f.out()).toMatch(/tick 1 from default\/p\/p\ntick 2 from default\/p\/p/);
  });

  it('kubectl exec over WebSocket: output and exit code', async () => {
    const r = await kubectl(K, api.kubeconfig, ['exec', 'p', '--', 'sh', '-c', 'echo hi; exit 3']);
    expect(r.stdout).toBe('hi\n');
    expect(r.code).toBe(3);
  });

  it('kubectl exec -i passes stdin', async () => {
    const r = await kubectl(K, api.kubeconfig, ['exec', '-i', 'p', '--', 'cat'], 'hello through the tunnel\n');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello through the tunnel\n');
    expect(r.code).toBe(0);
  });

  it('kubectl get --raw nodes/<n>/proxy/pods reaches the kubelet', async () => {
    const r = await kubectl(K, api.kubeconfig, ['get', '--raw', '/api/v1/nodes/sim-0/proxy/pods']);
    expect(r.stderr).toBe('');
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['p']);
    const h = await kubectl(K, api.kubeconfig, ['get', '--raw', '/api/v1/nodes/sim-1/proxy/healthz']);
    expect(h.stdout).toBe('ok');
  });

  it('port-forward over the v4.channel.k8s.io WebSocket protocol', async () => {
    const kc = parseYaml(readFileSync(api.kubeconfig, 'utf8')) as {
      clusters: { cluster: { 'certificate-authority-data': string } }[];
      users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
    };
    const b = (s: string) => Buffer.from(s, 'base64');
    const ws = new WebSocket(`${api.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/p/portforward?ports=80`, ['v4.channel.k8s.io'], {
      ca: b(kc.clusters[0].cluster['certificate-authority-data']),
      cert: b(kc.users[0].user['client-certificate-data']),
      key: b(kc.users[0].user['client-key-data']),
    });
    const frames: Buffer[] = [];
    ws.on('message', (m: Buffer) => frames.push(m));
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
      ws.on('unexpected-response', (_q, res) => reject(new Error(`unexpected ${res.statusCode}`)));
    });
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /hello HTTP/1.0\r\n\r\n')]));
    await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
    ws.terminate();
    const data = Buffer.concat(frames.filter((f) => f[0] === 0).map((f, i) => (i === 0 ? f.subarray(3) : f.subarray(1)))).toString('utf8');
    expect(data).toMatch(/Hello from default\/p .*GET \/hello/);
  });

  it('kubectl proxy then a pod proxy request', async () => {
    const port = await freePort();
    const p = kubectlBg(['proxy', `--port=${port}`], 30_000);
    try {
      await waitFor(() => /Starting to serve/.test(p.out()), 15_000, 'kubectl proxy');
      const r = await httpText(`http://127.0.0.1:${port}/api/v1/namespaces/default/pods/p/proxy/hi`);
      expect(r.status).toBe(200);
      expect(r.body).toMatch(/Hello from default\/p .*GET \/hi/);
      const legacy = await httpText(`http://127.0.0.1:${port}/api/v1/proxy/namespaces/default/pods/p:80/x`);
      expect(legacy.body).toMatch(/GET \/x/);
    } finally {
      p.child.kill('SIGTERM');
      await p.done;
    }
  });
});
