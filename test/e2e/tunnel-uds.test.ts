/**
 * The API server reaches the tunnel over a Unix socket, as the usual upstream deployment does
 * (konnectivity-server --uds-name next to kube-apiserver; EgressSelectorConfiguration `cluster` with
 * `transport.uds.udsName`): real processes (etcd, an API replica, konnectivity-server with no TCP
 * front end, one agent, kubelet-sim); kubectl 1.32 logs and exec go through the socket.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { KonnectivityAgentInstance, KonnectivityServerInstance, startKonnectivityAgent, startKonnectivityServer, waitFor } from '../harness/konnectivity';
import { KubeletSimInstance, startKubeletSim } from '../harness/kubelet-sim';

const K = '1.32';
let dir: string;
let sock: string;
let server: KonnectivityServerInstance;
let agent: KonnectivityAgentInstance;
let api: ApiserverInstance;
let sim: KubeletSimInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-tunnel-uds-'));
  sock = join(dir, 'konnectivity-server.socket');
  server = await startKonnectivityServer(['--server-id=uds-1', `--uds-name=${sock}`]);
  agent = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=uds-agent', '--agent-identifiers=ipv4=127.0.0.1', '--allow=127.0.0.1:*']);
  await waitFor(async () => (await server.get('/readyz')).status === 200, 15_000, 'the agent to connect');
  const egress = join(dir, 'egress.yaml');
  writeFileSync(
    egress,
    [
      'apiVersion: apiserver.k8s.io/v1beta1',
      'kind: EgressSelectorConfiguration',
      'egressSelections:',
      '- name: cluster',
      '  connection:',
      '    proxyProtocol: GRPC',
      '    transport:',
      '      uds:',
      `        udsName: ${sock}`,
      '- name: controlplane',
      '  connection:',
      '    proxyProtocol: Direct',
      '',
    ].join('\n'),
  );
  api = await startApiserver({ extraArgs: [`--egress-selector-config-file=${egress}`] });
  sim = await startKubeletSim(api.kubeconfig, { nodes: 1, sandboxDir: dir });
  const run = await kubectl(K, api.kubeconfig, ['run', 'p', '--image=nginx', `--overrides={"spec":{"nodeName":"sim-0"}}`]);
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

describe('API server egress over a Unix socket (--uds-name)', () => {
  it('the front end is the socket only', () => {
    expect(statSync(sock).isSocket()).toBe(true);
    expect(server.serverPort).toBe(0);
    expect(server.logs()).toContain(`front end (grpc) on unix socket ${sock}`);
  });

  it('kubectl logs goes through the socket', async () => {
    const before = await server.metric('konnectivity_network_proxy_server_dial_duration_seconds_count');
    const r = await kubectl(K, api.kubeconfig, ['logs', 'p']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/container p is running/);
    expect(await server.metric('konnectivity_network_proxy_server_dial_duration_seconds_count')).toBeGreaterThan(before);
    expect(await server.metric('konnectivity_network_proxy_server_grpc_connections', 'service_method="ProxyService/Proxy"')).toBeGreaterThanOrEqual(1);
  });

  it('kubectl exec: output, stdin and exit code', async () => {
    const r = await kubectl(K, api.kubeconfig, ['exec', 'p', '--', 'sh', '-c', 'echo over the socket; exit 3']);
    expect(r.stdout).toBe('over the socket\n');
    expect(r.code).toBe(3);
    const i = await kubectl(K, api.kubeconfig, ['exec', '-i', 'p', '--', 'cat'], 'stdin through the unix socket\n');
    expect(i.stderr).toBe('');
    expect(i.stdout).toBe('stdin through the unix socket\n');
    expect(i.code).toBe(0);
  });
});
