/**
 * Agent authentication and identity binding (agent-auth.ts), in-process: upstream's token error
 * texts, the certificate/token identity rules, a real ProxyServer refusing agents (status, log,
 * metric), and the agent's health/admin servers (readiness, promtool-clean /metrics).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCA, type CertificateAuthority } from '../../pki/src/certificate-authority';
import { issueCert } from '../../pki/src/issue';
import { KonnectivityAgent } from './agent';
import { AgentTokenAuthOptions, authenticateAgentToken, certificateIdentity, checkIdentityBinding, TokenReviewStatus } from './agent-auth';
import { AgentHealthServers } from './agent-health';
import { Allowlist, parseIdentifiers } from './identifiers';
import { ProxyServer, ProxyServerOptions } from './server';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const havePromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;

let dir: string;
let ca: CertificateAuthority;
let caFile: string;
let serverCert: { certFile: string; keyFile: string };
const cleanups: (() => unknown)[] = [];

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function startServer(o: Partial<ProxyServerOptions>): Promise<ProxyServer> {
  const s = new ProxyServer({
    serverId: 's1',
    serverCount: 1,
    mode: 'grpc',
    strategies: ['default'],
    agentPort: 0,
    agentBindAddress: '127.0.0.1',
    serverPort: 0,
    serverBindAddress: '127.0.0.1',
    healthPort: 0,
    healthBindAddress: '127.0.0.1',
    dialTimeoutMs: 5000,
    ...o,
  });
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

async function clientCert(name: string, cn: string, ips: string[] = [], dns: string[] = []): Promise<{ certFile: string; keyFile: string }> {
  const c = await issueCert(ca, { commonName: cn, organizations: ['system:nodes'], ipAddresses: ips, dnsNames: dns, usage: 'client' });
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, c.certPem);
  writeFileSync(keyFile, c.keyPem);
  return { certFile, keyFile };
}

function startAgent(port: number, agentId: string, agentIdentifiers: string, extra: { tls?: { certFile: string; keyFile: string }; token?: string }): { agent: KonnectivityAgent; logs: string[] } {
  const logs: string[] = [];
  const agent = new KonnectivityAgent({
    proxyServerHost: '127.0.0.1',
    proxyServerPort: port,
    agentId,
    agentIdentifiers,
    allowlist: new Allowlist([]),
    tls: extra.tls ? { caFile, ...extra.tls, serverName: 'localhost' } : undefined,
    bearerToken: extra.token,
    log: (m) => logs.push(m),
  });
  agent.start();
  cleanups.push(() => agent.stop());
  return { agent, logs };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-konn-auth-'));
  ca = await createCA({ commonName: 'konn-test-ca' });
  caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, ca.certPem);
  const s = await issueCert(ca, { commonName: 'konnectivity-server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
  serverCert = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  writeFileSync(serverCert.certFile, s.certPem);
  writeFileSync(serverCert.keyFile, s.keyPem);
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- token authentication (upstream texts) -----------------------------------------------------

const SA = 'system:serviceaccount:kube-system:konnectivity-agent';

function reviewer(answers: Record<string, TokenReviewStatus>, seen?: string[][]): AgentTokenAuthOptions {
  return {
    namespace: 'kube-system',
    serviceAccount: 'konnectivity-agent',
    audience: 'system:konnectivity-server',
    review: async (token, audiences) => {
      seen?.push(audiences);
      if (token === 'boom') throw new Error('tokenreviews.authentication.k8s.io is forbidden');
      return answers[token] ?? { error: '[invalid bearer token, square/go-jose: error in cryptographic primitive]' };
    },
    lookupNode: async (name) => (name === 'node-a' ? { hosts: ['node-a.example'], ips: ['10.0.0.5'], cidrs: ['10.244.1.0/24'] } : undefined),
  };
}

describe('token authentication', () => {
  const answers: Record<string, TokenReviewStatus> = {
    good: { authenticated: true, user: { username: SA } },
    bound: { authenticated: true, user: { username: SA, extra: { 'authentication.kubernetes.io/node-name': ['node-a'] } } },
    otherns: { authenticated: true, user: { username: 'system:serviceaccount:default:konnectivity-agent' } },
    othersa: { authenticated: true, user: { username: 'system:serviceaccount:kube-system:default' } },
    user: { authenticated: true, user: { username: 'system:node:x:y' } },
    odd: { authenticated: true, user: { username: 'alice' } },
    no: { authenticated: false },
  };
  const o = reviewer(answers);
  const err = async (md: string[]) => authenticateAgentToken(md, o).then(() => 'accepted', (e: Error) => e.message);

  it('answers as upstream authenticateAgentViaToken', async () => {
    expect(await err([])).toBe('Authentication context was not found in metadata');
    expect(await err(['Bearer a', 'Bearer b'])).toBe('too many (2) tokens are received');
    expect(await err(['good'])).toBe('received token does not have "Bearer " prefix');
    expect(await err(['Bearer boom'])).toBe('Failed to validate authentication token, err:Failed to authenticate request. err:tokenreviews.authentication.k8s.io is forbidden');
    expect(await err(['Bearer junk'])).toBe('Failed to validate authentication token, err:lookup failed: [invalid bearer token, square/go-jose: error in cryptographic primitive]');
    expect(await err(['Bearer no'])).toBe('Failed to validate authentication token, err:lookup failed: service account jwt not valid');
    expect(await err(['Bearer odd'])).toBe('Failed to validate authentication token, err:lookup failed: unexpected username format');
    expect(await err(['Bearer user'])).toBe('Failed to validate authentication token, err:lookup failed: username returned is not a service account');
    expect(await err(['Bearer otherns'])).toBe('Failed to validate authentication token, err:lookup failed: incoming request from "default" namespace. Expected "kube-system"');
    expect(await err(['Bearer othersa'])).toBe('Failed to validate authentication token, err:lookup failed: incoming request from "default" service account. Expected "konnectivity-agent"');
    expect(await err(['Bearer good'])).toBe('accepted');
  });

  it('a node-bound token names the node, its addresses and pod CIDRs', async () => {
    const seen: string[][] = [];
    const id = await authenticateAgentToken(['Bearer bound'], reviewer(answers, seen));
    expect(seen).toEqual([['system:konnectivity-server']]);
    expect(id).toEqual({ via: 'token', subject: SA, node: 'node-a', hosts: ['node-a', 'node-a.example'], ips: ['10.0.0.5'], cidrs: ['10.244.1.0/24'] });
    expect(() => checkIdentityBinding(id, 'node-a', parseIdentifiers('host=node-a&ipv4=10.0.0.5&cidr=10.244.1.128/25&default-route=true'))).not.toThrow();
    expect(() => checkIdentityBinding(id, 'node-a/agent-2', parseIdentifiers(''))).not.toThrow();
    expect(() => checkIdentityBinding(id, 'node-b', parseIdentifiers('host=node-b&ipv4=10.0.0.6&cidr=10.244.0.0/16'))).toThrow(
      /^agent identity mismatch: the agent may not claim agentid "node-b", host=node-b, ipv4=10.0.0.6, cidr=10.244.0.0\/16 \(its credentials: token of system:serviceaccount:kube-system:konnectivity-agent: node "node-a"/,
    );
    // a token bound to no node: any agentid, but no node identifiers
    const plain = await authenticateAgentToken(['Bearer good'], o);
    expect(() => checkIdentityBinding(plain, 'whatever', parseIdentifiers('default-route=true'))).not.toThrow();
    expect(() => checkIdentityBinding(plain, 'whatever', parseIdentifiers('ipv4=127.0.0.1'))).toThrow(/may not claim ipv4=127.0.0.1/);
  });
});

describe('certificate identity', () => {
  it('CN system:node:<name> and the SAN entries', () => {
    const cert = { subject: { CN: 'system:node:Node-A', O: 'system:nodes' }, subjectaltname: 'DNS:node-a.internal, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:1' } as unknown as PeerCertificate;
    const id = certificateIdentity(cert);
    expect(id).toEqual({ via: 'certificate', subject: 'system:node:Node-A', node: 'Node-A', hosts: ['node-a', 'node-a.internal'], ips: ['10.0.0.5', 'fd00::1'], cidrs: [] });
    expect(() => checkIdentityBinding(id, 'node-a', parseIdentifiers('host=node-a&host=node-a.internal&ipv4=10.0.0.5&ipv6=fd00::1&cidr=10.0.0.5/32'))).not.toThrow();
    expect(() => checkIdentityBinding(id, 'node-a', parseIdentifiers('cidr=10.0.0.0/24'))).toThrow(/may not claim cidr=10.0.0.0\/24/);
    // a shared certificate that names no node may claim no node identifiers
    const shared = certificateIdentity({ subject: { CN: 'system:konnectivity-agent' }, subjectaltname: undefined } as unknown as PeerCertificate);
    expect(() => checkIdentityBinding(shared, 'any-id', parseIdentifiers(''))).not.toThrow();
    expect(() => checkIdentityBinding(shared, 'any-id', parseIdentifiers('host=node-a'))).toThrow(/may not claim host=node-a \(its credentials: certificate CN="system:konnectivity-agent": no host, no IP\)/);
  });
});

// ---- the server refusing agents ------------------------------------------------------------------

describe('ProxyServer admission', () => {
  it('mutual TLS: the certificate of node A may claim node A, not node B', async () => {
    const logs: string[] = [];
    const server = await startServer({ agentTls: { ...serverCert, caFile }, log: (m) => logs.push(m) });
    const certA = await clientCert('node-a', 'system:node:node-a', ['127.0.0.1']);
    const good = startAgent(server.ports.agent, 'node-a', 'host=node-a&ipv4=127.0.0.1', { tls: certA });
    await until(() => good.agent.servers().length === 1, 10_000, 'node A to connect');
    const bad = startAgent(server.ports.agent, 'node-a', 'host=node-b', { tls: certA });
    await until(() => bad.logs.some((l) => /failed/.test(l)), 10_000, 'the impostor to be refused');
    expect(bad.logs.find((l) => /failed/.test(l))).toMatch(
      /7 PERMISSION_DENIED: agent identity mismatch: the agent may not claim host=node-b \(its credentials: certificate CN="system:node:node-a": node "node-a", hosts \[node-a\], IPs \[127.0.0.1\]\)/,
    );
    expect(bad.agent.servers()).toEqual([]);
    expect(logs.some((l) => /agent node-a refused \(identity binding\)/.test(l))).toBe(true);
    const m = await server.metrics.registry.getSingleMetricAsString('konnectivity_network_proxy_server_agent_rejected_total');
    expect(m).toMatch(/reason="identity_mismatch"} [1-9]/);
    bad.agent.stop();

    // --bind-agent-identity=false: upstream behaviour, claims are trusted
    const open = await startServer({ agentTls: { ...serverCert, caFile }, bindAgentIdentity: false });
    const trusted = startAgent(open.ports.agent, 'node-a', 'host=node-b', { tls: certA });
    await until(() => trusted.agent.servers().length === 1, 10_000, 'the unchecked agent to connect');
  });

  it('token authentication: a bad token is refused with upstream status and message', async () => {
    const logs: string[] = [];
    const answers: Record<string, TokenReviewStatus> = { good: { authenticated: true, user: { username: SA } } };
    const server = await startServer({ agentAuth: reviewer(answers), log: (m) => logs.push(m) });
    const bad = startAgent(server.ports.agent, 'x', '', { token: 'junk' });
    const none = startAgent(server.ports.agent, 'y', '', {});
    await until(() => bad.logs.some((l) => /failed/.test(l)) && none.logs.some((l) => /failed/.test(l)), 10_000, 'both to be refused');
    expect(bad.logs.find((l) => /failed/.test(l))).toMatch(/2 UNKNOWN: Failed to validate authentication token, err:lookup failed: \[invalid bearer token/);
    expect(none.logs.find((l) => /failed/.test(l))).toMatch(/2 UNKNOWN: Authentication context was not found in metadata/);
    expect(logs.some((l) => /agent x refused \(client authentication failed\)/.test(l))).toBe(true);
    expect(await server.metrics.registry.getSingleMetricAsString('konnectivity_network_proxy_server_agent_rejected_total')).toMatch(/reason="authentication_failed"} [2-9]/);
    const good = startAgent(server.ports.agent, 'z', '', { token: 'good' });
    await until(() => good.agent.servers().length === 1, 10_000, 'the agent with a good token to connect');
    expect(logs.some((l) => /agent z connected .*authenticated as system:serviceaccount:kube-system:konnectivity-agent/.test(l))).toBe(true);
  });
});

// ---- agent health / admin -----------------------------------------------------------------------

describe('agent health and admin servers', () => {
  it('/readyz follows the server connection; /metrics passes promtool', async () => {
    const server = await startServer({});
    const { agent } = startAgent(server.ports.agent + 0, 'h1', '', {});
    const health = new AgentHealthServers(agent, { healthPort: 0, healthHost: '127.0.0.1', adminPort: 0, adminHost: '127.0.0.1' });
    await health.start();
    cleanups.push(() => health.stop());
    expect((await httpGet(health.ports.health, '/healthz')).body).toBe('ok');
    await until(() => agent.servers().length === 1, 10_000, 'the agent to connect');
    expect(await httpGet(health.ports.health, '/readyz')).toEqual({ status: 200, body: 'ok' });
    expect((await httpGet(health.ports.health, '/readyz?verbose')).body).toBe('[+]ping ok\n[+]server-connected ok\ncheck passed\n');
    const m = await httpGet(health.ports.admin, '/metrics');
    expect(m.status).toBe(200);
    for (const name of ['dial_duration_seconds', 'endpoint_dial_failure_total', 'open_server_connections', 'known_server_count', 'open_endpoint_connections', 'stream_packets_total']) {
      expect(m.body).toContain(`# TYPE konnectivity_network_proxy_agent_${name} `);
    }
    expect(m.body).toMatch(/^konnectivity_network_proxy_agent_open_server_connections 1$/m);
    if (havePromtool) {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (out += d));
        c.on('close', (code) => resolve({ code, out }));
        c.stdin.end(m.body);
      });
      // the only finding allowed: upstream's own gauge name ends in _count (kept for compatibility); exit 3 = lint findings only
      const UPSTREAM_NAME = 'konnectivity_network_proxy_agent_known_server_count non-histogram and non-summary metrics should not have "_count" suffix';
      expect(r.out.split('\n').filter((l) => l && l !== UPSTREAM_NAME)).toEqual([]);
      expect([0, 3]).toContain(r.code);
    } else console.warn(`SKIPPED promtool check: ${PROMTOOL} not found`);
    await server.stop();
    await until(() => agent.servers().length === 0, 10_000, 'the agent to lose the server');
    const nr = await httpGet(health.ports.health, '/readyz');
    expect(nr).toEqual({ status: 503, body: '[+]ping ok\n[-]server-connected failed: no servers connected\n' });
    expect((await httpGet(health.ports.admin, '/nope')).status).toBe(404);
  });
});
