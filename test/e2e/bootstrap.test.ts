/**
 * The bootstrap controller (`kubernest bootstrap-controller`) next to a replica sharing its etcd:
 * kubectl sees Service kubernetes with the first IP of the range, the replica's own endpoint
 * (its lease reconciler), the EndpointSlice, and the system namespaces.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, KUBERNEST_BIN, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';

const version = '1.32';

let etcd: EtcdInstance;
let server: ApiserverInstance;
let controller: ChildProcess;
let controllerLogs = '';

beforeAll(async () => {
  etcd = await startEtcd();
  server = await startApiserver({ etcd });
  controller = spawn(
    process.execPath,
    [KUBERNEST_BIN, 'bootstrap-controller', `--etcd-servers=${etcd.endpoint}`, `--secure-port=${server.port}`, '--repair-interval=1m'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  controller.stdout?.on('data', (d) => (controllerLogs += d));
  controller.stderr?.on('data', (d) => (controllerLogs += d));
  process.once('exit', () => controller.kill('SIGKILL'));
});

afterAll(async () => {
  if (controller && controller.exitCode === null) {
    controller.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => r(controller.kill('SIGKILL')), 5000);
      controller.once('exit', () => r(clearTimeout(t)));
    });
  }
  await server?.stop();
  await etcd?.stop();
});

async function eventually(args: string[], test: (out: string) => boolean, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    const r = await kubectl(version, server.kubeconfig, args);
    last = r.stdout + r.stderr;
    if (r.code === 0 && test(r.stdout)) return r.stdout;
    if (Date.now() > deadline) throw new Error(`kubectl ${args.join(' ')}: ${last}\ncontroller:\n${controllerLogs}\nserver:\n${server.logs()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('bootstrap controller e2e', () => {
  it('kubectl get svc kubernetes: ClusterIP 10.0.0.1, 443/TCP', async () => {
    const out = await eventually(['get', 'svc', 'kubernetes'], (o) => o.includes('kubernetes'));
    expect(out).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
    expect(out).toMatch(/^kubernetes {3}ClusterIP {3}10\.0\.0\.1 {5}<none> {8}443\/TCP {3}\d+s\n$/m);
    const yaml = (await kubectl(version, server.kubeconfig, ['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.ports[0].targetPort}'])).stdout;
    expect(yaml).toBe(String(server.port));
  });

  it('kubectl get endpoints kubernetes lists the replica', async () => {
    const out = await eventually(['get', 'endpoints', 'kubernetes'], (o) => o.includes('127.0.0.1'));
    expect(out).toMatch(new RegExp(`^kubernetes\\s+127\\.0\\.0\\.1:${server.port}\\s+\\d+s$`, 'm'));
    const slices = await eventually(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=kubernetes'], (o) => o.includes('kubernetes'));
    expect(slices).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/);
    expect(slices).toMatch(new RegExp(`^kubernetes\\s+IPv4\\s+${server.port}\\s+127\\.0\\.0\\.1\\s+\\d+s$`, 'm'));
  });

  it('system namespaces exist', async () => {
    const out = await eventually(['get', 'ns', '-o', 'name'], (o) => o.includes('kube-node-lease'));
    expect(out.trim().split('\n').sort()).toEqual(['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
  });
});
