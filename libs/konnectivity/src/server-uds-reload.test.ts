/**
 * In-process ProxyServer + KonnectivityAgent: the front end on a Unix socket (--uds-name, gRPC and
 * HTTP CONNECT), and the agent-facing TLS certificate replaced on disk while the server runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, connect, createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCA } from '../../pki/src/certificate-authority';
import { issueCert } from '../../pki/src/issue';
import { KonnectivityAgent } from './agent';
import { Allowlist } from './identifiers';
import { ProxyServer, ProxyServerOptions } from './server';
import { TunnelDialer } from './tunnel-dialer';

let dir: string;
let echo: Server;
let echoPort: number;
const cleanups: (() => unknown)[] = [];

function serverOpts(o: Partial<ProxyServerOptions>): ProxyServerOptions {
  return {
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
  };
}

async function startServer(o: Partial<ProxyServerOptions>): Promise<ProxyServer> {
  const s = new ProxyServer(serverOpts(o));
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

function startAgent(port: number, id: string, tls?: { caFile: string }, log?: (m: string) => void): KonnectivityAgent {
  const a = new KonnectivityAgent({ proxyServerHost: '127.0.0.1', proxyServerPort: port, agentId: id, agentIdentifiers: '', allowlist: new Allowlist([]), tls, log });
  a.start();
  cleanups.push(() => a.stop());
  return a;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** write `text` and read until `done` says the answer is complete (default: as long as text) */
function roundTrip(s: Duplex, text: string, done = (got: string) => got.length >= text.length): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (done(got)) resolve(got);
    });
    s.on('error', reject);
    s.write(text);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-konn-uds-'));
  echo = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(() => {
  echo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('front end on a Unix socket (--uds-name)', () => {
  it('gRPC: a TunnelDialer reaches an endpoint through unix:<path>', async () => {
    const sock = join(dir, 'grpc.sock');
    const server = await startServer({ udsName: sock });
    const agent = startAgent(server.ports.agent, 'a1');
    await until(() => agent.servers().length === 1, 10_000, 'the agent to connect');
    const dialer = new TunnelDialer({ address: `unix:${sock}` });
    cleanups.push(() => dialer.close());
    const s = await dialer.dial('127.0.0.1', echoPort);
    expect(await roundTrip(s, 'through the unix socket')).toBe('through the unix socket');
    s.destroy();
    expect(server.ports.server).toBe(0);
  });

  it('HTTP CONNECT over the socket', async () => {
    const sock = join(dir, 'connect.sock');
    const server = await startServer({ mode: 'http-connect', udsName: sock });
    const agent = startAgent(server.ports.agent, 'a2');
    await until(() => agent.servers().length === 1, 10_000, 'the agent to connect');
    const c = connect(sock);
    cleanups.push(() => c.destroy());
    const head = await roundTrip(c, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\n\r\n`, (g) => g.includes('\r\n\r\n'));
    expect(head).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\n/);
    c.removeAllListeners('data');
    expect(await roundTrip(c, 'ping')).toBe('ping');
  });
});

describe('agent-facing certificate reload', () => {
  it('new agent connections get the new certificate without a restart; open ones stay', async () => {
    const [ca1, ca2] = await Promise.all([createCA({ commonName: 'ca-one' }), createCA({ commonName: 'ca-two' })]);
    const [c1, c2] = await Promise.all([
      issueCert(ca1, { commonName: 'konnectivity', ipAddresses: ['127.0.0.1'], usage: 'server' }),
      issueCert(ca2, { commonName: 'konnectivity', ipAddresses: ['127.0.0.1'], usage: 'server' }),
    ]);
    const certFile = join(dir, 'cluster.crt');
    const keyFile = join(dir, 'cluster.key');
    const ca1File = join(dir, 'ca1.crt');
    const ca2File = join(dir, 'ca2.crt');
    writeFileSync(ca1File, ca1.certPem);
    writeFileSync(ca2File, ca2.certPem);
    writeFileSync(certFile, c1.certPem);
    writeFileSync(keyFile, c1.keyPem);
    const logs: string[] = [];
    const server = await startServer({ agentTls: { certFile, keyFile }, certReloadIntervalMs: 100, log: (m) => logs.push(m) });

    const old = startAgent(server.ports.agent, 'old', { caFile: ca1File });
    await until(() => old.servers().length === 1, 10_000, 'an agent trusting CA 1 to connect');

    // a new key pair: the certificate first, the key a moment later (a half-written pair is skipped)
    writeFileSync(certFile, c2.certPem);
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(keyFile, c2.keyPem);
    await until(() => logs.some((l) => /certificate reload: now serving/.test(l)), 5000, 'the reload');

    const fresh = startAgent(server.ports.agent, 'fresh', { caFile: ca2File });
    await until(() => fresh.servers().length === 1, 10_000, 'an agent trusting CA 2 to connect');
    const failures: string[] = [];
    const stale = startAgent(server.ports.agent, 'stale', { caFile: ca1File }, (m) => failures.push(m));
    await until(() => failures.some((m) => /failed/.test(m)), 10_000, 'an agent trusting only CA 1 to be refused');
    expect(stale.servers()).toEqual([]);
    // the connection made before the reload is still up
    expect(old.servers()).toEqual(['s1']);
  });
});
