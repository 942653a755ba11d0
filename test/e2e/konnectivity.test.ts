/**
 * Konnectivity tunnel end to end: real konnectivity-server and konnectivity-agent processes on
 * loopback, an echo server reachable through the agent, and the TunnelDialer (the API server's
 * side) or a plain HTTP CONNECT client.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelDialer } from '../../libs/konnectivity/src/tunnel-dialer';
import {
  EchoServer,
  KonnectivityAgentInstance,
  KonnectivityServerInstance,
  startEchoServer,
  startKonnectivityAgent,
  startKonnectivityServer,
  startTcpBalancer,
  waitFor,
} from '../harness/konnectivity';

const READY = 'konnectivity_network_proxy_server_ready_backend_connections';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** write `data`, read back as many bytes (the echo), return them */
function roundTrip(sock: Duplex, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let n = 0;
    sock.on('data', (b: Buffer) => {
      got.push(b);
      n += b.length;
      if (n >= data.length) resolve(Buffer.concat(got));
    });
    sock.once('error', reject);
    sock.once('close', () => n < data.length && reject(new Error(`closed after ${n} of ${data.length} bytes`)));
    sock.write(data);
  });
}

async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

describe('konnectivity: gRPC mode through one agent', () => {
  let echo: EchoServer;
  let server: KonnectivityServerInstance;
  let agent: KonnectivityAgentInstance;
  let dialer: TunnelDialer;

  beforeAll(async () => {
    echo = await startEchoServer();
    server = await startKonnectivityServer(['--server-id=s1']);
    agent = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=node1', '--agent-identifiers=host=node1&ipv4=127.0.0.1', `--allow=127.0.0.1:${echo.port}`]);
    await waitFor(async () => (await server.get('/readyz')).status === 200, 15_000, 'the agent to register');
    dialer = new TunnelDialer({ address: `127.0.0.1:${server.serverPort}` });
  });

  afterAll(async () => {
    dialer?.close();
    await agent?.stop();
    await server?.stop();
    await echo?.close();
  });

  it('serves /healthz, /readyz and upstream-named /metrics', async () => {
    expect((await server.get('/healthz')).status).toBe(200);
    expect((await server.get('/readyz')).status).toBe(200);
    expect(await server.metric(READY)).toBe(1);
    const { body } = await server.get('/metrics');
    for (const n of ['server_dial_duration_seconds', 'server_dial_failure_count', 'server_pending_backend_dials', 'server_established_connections', 'server_grpc_connections']) {
      expect(body).toContain(`konnectivity_network_proxy_${n}`);
    }
  });

  it('transfers 10 MiB intact', async () => {
    const data = randomBytes(10 << 20);
    const sock = await dialer.dial('127.0.0.1', echo.port);
    const back = await roundTrip(sock, data);
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
    sock.end();
    await waitFor(async () => (await server.metric('konnectivity_network_proxy_server_established_connections')) === 0, 10_000, 'the connection to close');
  });

  it('refuses a destination outside the agent allowlist', async () => {
    const port = await unusedPort();
    await expect(dialer.dial('127.0.0.1', port)).rejects.toThrow(/allowlist/);
  });

  it('reports a refused endpoint as a dial error', async () => {
    const d = new TunnelDialer({ address: `127.0.0.1:${server.serverPort}` });
    try {
      await expect(d.dial('no-such-host.invalid', 80)).rejects.toThrow(/dial .*failed/);
    } finally {
      d.close();
    }
  });

  it('multiplexes 200 concurrent connections over one agent', async () => {
    const socks = await Promise.all(Array.from({ length: 200 }, () => dialer.dial('127.0.0.1', echo.port)));
    expect(new Set(socks.map((s) => s.connectID)).size).toBe(200);
    await Promise.all(
      socks.map(async (s) => {
        const data = randomBytes(64 * 1024);
        const back = await roundTrip(s, data);
        expect(sha(back)).toBe(sha(data));
        s.destroy();
      }),
    );
  });

  it('a reader that never reads does not slow a parallel transfer', async () => {
    const slow = await dialer.dial('127.0.0.1', echo.port);
    slow.write(randomBytes(8 << 20)); // echoed back, never read
    await new Promise((r) => setTimeout(r, 500));
    const fast = await dialer.dial('127.0.0.1', echo.port);
    const data = randomBytes(10 << 20);
    const t0 = Date.now();
    const back = await roundTrip(fast, data);
    const ms = Date.now() - t0;
    expect(sha(back)).toBe(sha(data));
    expect(ms).toBeLessThan(20_000);
    // the slow connection is still open (paused, not dropped) and buffers at most about a window
    expect(slow.destroyed).toBe(false);
    expect(slow.readableLength).toBeLessThan(2 << 20);
    fast.destroy();
    slow.destroy();
  });
});

describe('konnectivity: agent death during a dial', () => {
  let echo: EchoServer;
  let server: KonnectivityServerInstance;
  const agents: KonnectivityAgentInstance[] = [];
  let dialer: TunnelDialer;
  const slowDial = { KUBERNEST_KONNECTIVITY_TEST_DIAL_DELAY_MS: '60000' };

  beforeAll(async () => {
    echo = await startEchoServer();
    server = await startKonnectivityServer(['--server-id=s-death', '--proxy-strategies=destHost,default']);
    dialer = new TunnelDialer({ address: `127.0.0.1:${server.serverPort}` });
  });
  afterAll(async () => {
    dialer?.close();
    for (const a of agents) await a.kill();
    await server?.stop();
    await echo?.close();
  });

  it('fails the dial fast with a clear error when the only agent dies', async () => {
    const a = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=nodeA', '--agent-identifiers=ipv4=127.0.0.1'], slowDial);
    agents.push(a);
    await waitFor(async () => (await server.metric(READY)) === 1, 15_000, 'agent A');
    const dial = dialer.dial('127.0.0.1', echo.port);
    dial.catch(() => {});
    await waitFor(async () => (await server.metric('konnectivity_network_proxy_server_pending_backend_dials')) === 1, 5000, 'the pending dial');
    const t0 = Date.now();
    await a.kill();
    await expect(dial).rejects.toThrow(/agent nodeA disconnected while dialing 127\.0\.0\.1:\d+, and no other agent is available/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('retries the dial on another eligible agent', async () => {
    const a2 = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=nodeA2', '--agent-identifiers=ipv4=127.0.0.1'], slowDial);
    const b = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=nodeB', '--agent-identifiers=host=other']);
    agents.push(a2, b);
    await waitFor(async () => (await server.metric(READY)) === 2, 15_000, 'agents A2 and B');
    const dial = dialer.dial('127.0.0.1', echo.port); // destHost picks A2 (the slow one)
    dial.catch(() => {});
    await waitFor(async () => (await server.metric('konnectivity_network_proxy_server_pending_backend_dials')) === 1, 5000, 'the pending dial');
    await a2.kill();
    const sock = await dial; // retried on B (strategy default)
    const data = randomBytes(100_000);
    expect(sha(await roundTrip(sock, data))).toBe(sha(data));
    sock.destroy();
  });
});

describe('konnectivity: HA and DRAIN', () => {
  it('an agent behind one address connects to servercount=2 servers, and DRAINs on SIGTERM', async () => {
    const s1 = await startKonnectivityServer(['--server-id=ha-1', '--server-count=2']);
    const s2 = await startKonnectivityServer(['--server-id=ha-2', '--server-count=2']);
    const lb = await startTcpBalancer([s1.agentPort, s2.agentPort]);
    const agent = await startKonnectivityAgent('127.0.0.1', lb.port, ['--agent-id=ha-node']);
    try {
      await waitFor(async () => (await s1.metric(READY)) === 1 && (await s2.metric(READY)) === 1, 20_000, 'the agent on both servers');
      expect(agent.logs()).toMatch(/connected to proxy server ha-\d \(2\/2\)/);
      await agent.stop(); // SIGTERM: DRAIN, then close
      expect(agent.process.exitCode).toBe(0);
      expect(s1.logs()).toMatch(/agent ha-node \(\S+\) is draining/);
      await waitFor(async () => (await s1.metric(READY)) === 0 && (await s2.metric(READY)) === 0, 10_000, 'the agent to leave');
    } finally {
      await agent.kill();
      await lb.close();
      await s1.stop();
      await s2.stop();
    }
  });
});

describe('konnectivity: HTTP CONNECT mode', () => {
  let echo: EchoServer;
  let server: KonnectivityServerInstance;
  let agent: KonnectivityAgentInstance;

  beforeAll(async () => {
    echo = await startEchoServer();
    server = await startKonnectivityServer(['--mode=http-connect']);
    agent = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=hc-node', `--allow=127.0.0.1:*`]);
    await waitFor(async () => (await server.get('/readyz')).status === 200, 15_000, 'the agent to register');
  });
  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await echo?.close();
  });

  function connectVia(target: string): Promise<{ head: string; sock: import('node:net').Socket; rest: Buffer }> {
    return new Promise((resolve, reject) => {
      const sock = connect(server.serverPort, '127.0.0.1');
      let buf = Buffer.alloc(0);
      const onData = (b: Buffer) => {
        buf = Buffer.concat([buf, b]);
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        sock.off('data', onData);
        resolve({ head: buf.subarray(0, i).toString(), sock, rest: buf.subarray(i + 4) });
      };
      sock.on('data', onData);
      sock.on('error', reject);
      sock.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    });
  }

  it('tunnels a plain CONNECT request', async () => {
    const { head, sock } = await connectVia(`127.0.0.1:${echo.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 200 Connection Established/);
    const data = randomBytes(2 << 20);
    expect(sha(await roundTrip(sock, data))).toBe(sha(data));
    sock.destroy();
  });

  it('answers 502 when the endpoint refuses', async () => {
    const { head, sock } = await connectVia(`127.0.0.1:${await unusedPort()}`);
    expect(head).toMatch(/^HTTP\/1\.1 502 /);
    sock.destroy();
  });
});
