/**
 * Tunnel agent authentication and identity binding, end to end with real processes: etcd, an API
 * replica whose `cluster` egress goes to a konnectivity-server that authenticates agents with
 * service-account tokens (TokenReview against that API server, as upstream), kubelet-sim with 2
 * nodes, and agents with good and bad tokens; then a second konnectivity-server with mutual TLS
 * whose agents present node certificates (CN system:node:<name>).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, type CertificateAuthority } from '../../libs/pki/src/certificate-authority';
import { issueCert } from '../../libs/pki/src/issue';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { getText, KonnectivityAgentInstance, KonnectivityServerInstance, startKonnectivityAgent, startKonnectivityServer, waitFor } from '../harness/konnectivity';
import { KubeletSimInstance, startKubeletSim, writeTunnelEgressConfig } from '../harness/kubelet-sim';
import { freePort } from '../harness/ports';

const K = '1.32';
const NS = 'konnectivity';
const AUD = 'system:konnectivity-server';
let dir: string;
let api: ApiserverInstance;
let server: KonnectivityServerInstance;
let sim: KubeletSimInstance;
const procs: { stop(): Promise<void> }[] = [];

async function token(sa: string, extra: string[] = []): Promise<string> {
  const r = await kubectl(K, api.kubeconfig, ['create', 'token', sa, '-n', NS, ...extra]);
  expect(r.stderr).toBe('');
  const file = join(dir, `token-${sa}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, r.stdout.trim());
  return file;
}

async function agent(port: number, args: string[]): Promise<KonnectivityAgentInstance> {
  const a = await startKonnectivityAgent('127.0.0.1', port, ['--allow=127.0.0.1:*', ...args]);
  procs.push(a);
  return a;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-tunnel-auth-'));
  // the API server dials its cluster egress through the tunnel server's front end, and the tunnel
  // server reviews agent tokens with the API server: fix the front-end port first
  const frontPort = await freePort();
  api = await startApiserver({ extraArgs: [`--egress-selector-config-file=${writeTunnelEgressConfig(dir, frontPort)}`] });
  server = await startKonnectivityServer([
    `--server-port=${frontPort}`,
    '--server-id=auth-1',
    `--agent-namespace=${NS}`,
    '--agent-service-account=konnectivity-agent',
    `--authentication-audience=${AUD}`,
    `--kubeconfig=${api.kubeconfig}`,
  ]);
  procs.push(server);
  sim = await startKubeletSim(api.kubeconfig, { nodes: 2, sandboxDir: dir });
  for (const args of [
    ['create', 'namespace', NS],
    ['create', 'serviceaccount', 'konnectivity-agent', '-n', NS],
    ['create', 'serviceaccount', 'intruder', '-n', NS],
    ['run', 'p', '--image=nginx', `--overrides={"spec":{"nodeName":"sim-0"}}`],
  ]) {
    const r = await kubectl(K, api.kubeconfig, args);
    expect(r.stderr, args.join(' ')).toBe('');
  }
  await waitFor(async () => /\bRunning\b/.test((await kubectl(K, api.kubeconfig, ['get', 'pod', 'p'])).stdout), 15_000, 'pod p Running');
}, 120_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.stop();
  await sim?.stop();
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('agents authenticate with service-account tokens (TokenReview)', () => {
  it('a bad token, another service account or another audience is refused, and serves nothing', async () => {
    const junk = join(dir, 'junk-token');
    writeFileSync(junk, 'not-a-jwt');
    const intruder = await token('intruder', [`--audience=${AUD}`]);
    const otherAudience = await token('konnectivity-agent');
    const bad = await agent(server.agentPort, ['--agent-id=bad', `--service-account-token-path=${junk}`]);
    const wrongSA = await agent(server.agentPort, ['--agent-id=intruder', `--service-account-token-path=${intruder}`]);
    const wrongAud = await agent(server.agentPort, ['--agent-id=aud', `--service-account-token-path=${otherAudience}`]);
    await waitFor(
      () => /agent aud refused/.test(server.logs()) && /agent intruder refused/.test(server.logs()) && /agent bad refused/.test(server.logs()),
      20_000,
      'three refusals',
    );
    const logs = server.logs();
    expect(logs).toMatch(/agent bad refused \(client authentication failed\): Failed to validate authentication token, err:lookup failed: /);
    expect(logs).toMatch(/agent intruder refused \(client authentication failed\): Failed to validate authentication token, err:lookup failed: incoming request from "intruder" service account\. Expected "konnectivity-agent"/);
    expect(logs).toMatch(/agent aud refused \(client authentication failed\): Failed to validate authentication token, err:lookup failed: .*audience/);
    // the agent sees upstream's status: UNKNOWN with the same text
    await waitFor(() => /failed: 2 UNKNOWN: Failed to validate authentication token, err:lookup failed: incoming request from "intruder"/.test(wrongSA.logs()), 10_000, 'the agent to see UNKNOWN');
    expect(await server.metric('konnectivity_network_proxy_server_agent_rejected_total', 'reason="authentication_failed"')).toBeGreaterThanOrEqual(3);
    expect((await server.get('/readyz')).status).toBe(500);
    expect((await getText(bad.healthPort, '/readyz')).status).toBe(503);
    // no node access through them
    const r = await kubectl(K, api.kubeconfig, ['logs', 'p']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    for (const a of [bad, wrongSA, wrongAud]) await a.stop();
  }, 60_000);

  it('an agent with a valid node-bound token connects and serves kubectl logs', async () => {
    const good = await token('konnectivity-agent', [`--audience=${AUD}`, '--bound-object-kind=Node', '--bound-object-name=sim-0']);
    const a = await agent(server.agentPort, ['--agent-id=sim-0', '--agent-identifiers=host=sim-0&ipv4=127.0.0.1', `--service-account-token-path=${good}`]);
    await waitFor(async () => (await server.get('/readyz')).status === 200, 15_000, 'the agent to connect');
    expect(server.logs()).toMatch(/agent sim-0 connected \(.*authenticated as system:serviceaccount:konnectivity:konnectivity-agent\)/);
    expect(await getText(a.healthPort, '/readyz')).toEqual({ status: 200, body: 'ok' });
    const r = await kubectl(K, api.kubeconfig, ['logs', 'p']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/container p is running/);
    const m = await getText(a.adminPort, '/metrics');
    expect(m.body).toMatch(/^konnectivity_network_proxy_agent_open_server_connections 1$/m);
    expect(m.body).toMatch(/^konnectivity_network_proxy_agent_dial_duration_seconds_count [1-9]/m);
  }, 60_000);

  it("a token bound to node sim-0 may not claim sim-1's identifiers", async () => {
    const good = await token('konnectivity-agent', [`--audience=${AUD}`, '--bound-object-kind=Node', '--bound-object-name=sim-0']);
    const a = await agent(server.agentPort, ['--agent-id=sim-1', '--agent-identifiers=host=sim-1', `--service-account-token-path=${good}`]);
    await waitFor(() => /agent sim-1 refused/.test(server.logs()), 15_000, 'the refusal');
    expect(server.logs()).toMatch(/agent sim-1 refused \(identity binding\): agent identity mismatch: the agent may not claim agentid "sim-1", host=sim-1 \(its credentials: token of system:serviceaccount:konnectivity:konnectivity-agent: node "sim-0"/);
    await waitFor(() => /failed: 7 PERMISSION_DENIED: agent identity mismatch/.test(a.logs()), 10_000, 'the agent to see PERMISSION_DENIED');
    expect(await server.metric('konnectivity_network_proxy_server_agent_rejected_total', 'reason="identity_mismatch"')).toBeGreaterThanOrEqual(1);
    await a.stop();
  }, 30_000);
});

describe('agents authenticate with node certificates (mutual TLS)', () => {
  let ca: CertificateAuthority;
  const pem = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('the certificate of node sim-0 claiming host=sim-1 is refused; claiming sim-0 it connects', async () => {
    ca = await createCA({ commonName: 'tunnel-auth-ca' });
    const caFile = pem('ca.crt', ca.certPem);
    const srv = await issueCert(ca, { commonName: 'konnectivity-server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
    const node0 = await issueCert(ca, { commonName: 'system:node:sim-0', organizations: ['system:nodes'], ipAddresses: ['127.0.0.1'], usage: 'client' });
    const mtls = await startKonnectivityServer([
      '--server-id=mtls-1',
      `--cluster-cert=${pem('srv.crt', srv.certPem)}`,
      `--cluster-key=${pem('srv.key', srv.keyPem)}`,
      `--cluster-ca-cert=${caFile}`,
    ]);
    procs.push(mtls);
    const tls = [`--ca-cert=${caFile}`, `--agent-cert=${pem('node0.crt', node0.certPem)}`, `--agent-key=${pem('node0.key', node0.keyPem)}`];
    const impostor = await agent(mtls.agentPort, ['--agent-id=sim-0', '--agent-identifiers=host=sim-1', ...tls]);
    await waitFor(() => /agent sim-0 refused/.test(mtls.logs()), 15_000, 'the refusal');
    expect(mtls.logs()).toMatch(/agent sim-0 refused \(identity binding\): agent identity mismatch: the agent may not claim host=sim-1 \(its credentials: certificate CN="system:node:sim-0": node "sim-0", hosts \[sim-0\], IPs \[127\.0\.0\.1\]\)/);
    await waitFor(() => /7 PERMISSION_DENIED: agent identity mismatch/.test(impostor.logs()), 10_000, 'the agent to see PERMISSION_DENIED');
    expect(await mtls.metric('konnectivity_network_proxy_server_agent_rejected_total', 'reason="identity_mismatch"')).toBe(1);
    expect((await mtls.get('/readyz')).status).toBe(500);
    await impostor.stop();
    const honest = await agent(mtls.agentPort, ['--agent-id=sim-0', '--agent-identifiers=host=sim-0&ipv4=127.0.0.1', ...tls]);
    await waitFor(async () => (await mtls.get('/readyz')).status === 200, 15_000, 'the honest agent to connect');
    expect(mtls.logs()).toMatch(/agent sim-0 connected \(.*authenticated as system:node:sim-0\)/);
    await honest.stop();
  }, 60_000);
});
