/**
 * A focused micro-bench of the bare Konnectivity tunnel (not run by CI, not part of `npm run
 * bench:tunnel`): a ProxyServer, a KonnectivityAgent and a TCP echo server, each in a process of
 * its own (this same file, started with a role argument), and a TunnelDialer in the main process.
 * Measures, in one run: a direct loopback echo, the same echo through one tunnelled connection
 * (dialer → server → agent → echo server), and sequential dial latency. With
 * TUNNEL_PROFILE_DIR=<dir>, every process writes a V8 CPU profile there (`--cpu-prof`) to open in
 * Chrome DevTools or summarise with `node bench/cpuprofile-top.js`.
 *
 *   node dist/bench/tunnel-profile.js            # after npm run build
 *
 * Environment: TUNNEL_PROFILE_MIB (100), TUNNEL_PROFILE_DIALS (300), TUNNEL_PROFILE_DIR (unset).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { KonnectivityAgent } from '../libs/konnectivity/src/agent';
import { Allowlist } from '../libs/konnectivity/src/identifiers';
import { ProxyServer } from '../libs/konnectivity/src/server';
import { TunnelDialer } from '../libs/konnectivity/src/tunnel-dialer';

const MiB = 1024 * 1024;
const TOTAL_MIB = Number(process.env.TUNNEL_PROFILE_MIB ?? 100);
const DIALS = Number(process.env.TUNNEL_PROFILE_DIALS ?? 300);
const PROFILE_DIR = process.env.TUNNEL_PROFILE_DIR;
/** per-connection window of every hop (default: the library's) */
const WINDOW = process.env.TUNNEL_PROFILE_WINDOW ? Number(process.env.TUNNEL_PROFILE_WINDOW) : undefined;

function announce(v: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

/** exit cleanly on SIGTERM (so --cpu-prof writes its profile) */
function exitOnTerm(): void {
  process.on('SIGTERM', () => process.exit(0));
}

async function roleEcho(): Promise<void> {
  const srv = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  announce({ port: (srv.address() as { port: number }).port });
}

async function roleServer(): Promise<void> {
  const server = new ProxyServer({
    serverId: 'profile',
    serverCount: 1,
    mode: 'grpc',
    strategies: ['default'],
    agentPort: 0,
    agentBindAddress: '127.0.0.1',
    serverPort: 0,
    serverBindAddress: '127.0.0.1',
    healthPort: 0,
    healthBindAddress: '127.0.0.1',
    dialTimeoutMs: 10_000,
    window: WINDOW,
  });
  await server.start();
  announce({ agentPort: server.ports.agent, serverPort: server.ports.server });
  // packets through the server by segment and type: deterministic, unlike the timings
  process.on('message', () => {
    void server.metrics.streamPackets.get().then((m) => process.send!(m.values.map((v) => `${String(v.labels.segment)}/${String(v.labels.packet_type)} ${v.value}`)));
  });
}

function roleAgent(port: number): void {
  const agent = new KonnectivityAgent({
    proxyServerHost: '127.0.0.1',
    proxyServerPort: port,
    agentId: 'profile-agent',
    agentIdentifiers: 'ipv4=127.0.0.1',
    allowlist: new Allowlist([]),
    window: WINDOW,
  });
  agent.start();
  const t = setInterval(() => {
    if (agent.servers().length > 0) {
      clearInterval(t);
      announce({ connected: true });
    }
  }, 20);
}

function child(args: string[]): Promise<{ proc: ChildProcess; info: Record<string, unknown> }> {
  const node = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${args[0]}.cpuprofile`] : [];
  // extra node/V8 flags for the children, e.g. TUNNEL_PROFILE_NODE_ARGS=--trace-gc
  node.push(...(process.env.TUNNEL_PROFILE_NODE_ARGS ?? '').split(' ').filter(Boolean));
  const proc = spawn(process.execPath, [...node, __filename, ...args], { stdio: ['ignore', 'pipe', process.env.TUNNEL_PROFILE_NODE_ARGS ? 'pipe' : 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    let announced = false;
    proc.stdout!.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!announced && line.startsWith('{')) {
          announced = true;
          resolve({ proc, info: JSON.parse(line) as Record<string, unknown> });
        } else process.stderr.write(`[${args[0]}] ${line}\n`);
      }
    });
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

/** echo `total` bytes (a repeating random block) through `sock`, check them, resolve with the ms */
function echo(sock: Duplex, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const block = randomBytes(MiB);
    const t0 = performance.now();
    let sent = 0;
    let got = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(256 * 1024, total - sent);
        const off = sent % MiB;
        const b = block.subarray(off, Math.min(off + n, MiB));
        sent += b.length;
        if (!sock.write(b)) return void sock.once('drain', pump);
      }
    };
    pump();
    sock.on('data', (d: Buffer) => {
      let i = 0;
      while (i < d.length) {
        const off = (got + i) % MiB;
        const n = Math.min(d.length - i, MiB - off);
        if (!d.subarray(i, i + n).equals(block.subarray(off, off + n))) return reject(new Error(`mismatch after ${got + i} bytes`));
        i += n;
      }
      got += d.length;
      if (got >= total) {
        sock.destroy();
        resolve(performance.now() - t0);
      }
    });
    sock.on('error', reject);
  });
}

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** CPU time (user + system, ms) of a process so far, from /proc (Linux) */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** run `f` and report the CPU ms per MiB each process spent meanwhile (load-independent, unlike MiB/s) */
async function withCpu<T>(procs: Record<string, number>, mib: number, f: () => Promise<T>): Promise<{ result: T; cpu: string }> {
  const before = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuMs(pid)]));
  const result = await f();
  const parts = Object.entries(procs).map(([k, pid]) => `${k} ${((cpuMs(pid) - before[k]) / mib).toFixed(1)}`);
  return { result, cpu: `CPU ms/MiB: ${parts.join(', ')}` };
}

const pct = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];

async function main(): Promise<void> {
  const procs: ChildProcess[] = [];
  try {
    const e = await child(['echo']);
    procs.push(e.proc);
    const s = await child(['server']);
    procs.push(s.proc);
    const a = await child(['agent', String(s.info.agentPort)]);
    procs.push(a.proc);
    const echoPort = Number(e.info.port);
    const dialer = new TunnelDialer({ address: `127.0.0.1:${String(s.info.serverPort)}`, window: WINDOW });
    const total = TOTAL_MIB * MiB;
    await echo(await tcp(echoPort), 8 * MiB);
    const pids = { main: process.pid, server: s.proc.pid!, agent: a.proc.pid!, echo: e.proc.pid! };
    const direct = await withCpu(pids, TOTAL_MIB, async () => echo(await tcp(echoPort), total));
    await echo(await dialer.dial('127.0.0.1', echoPort), 8 * MiB);
    const tunnel = await withCpu(pids, TOTAL_MIB, async () => echo(await dialer.dial('127.0.0.1', echoPort), total));
    const rate = (ms: number) => (TOTAL_MIB / (ms / 1000)).toFixed(1);
    console.log(`direct ${rate(direct.result)} MiB/s (${direct.cpu})`);
    console.log(`tunnel ${rate(tunnel.result)} MiB/s (${tunnel.cpu})`);
    console.log(`tunnel / direct ${((direct.result / tunnel.result) * 100).toFixed(1)} %, ${TOTAL_MIB} MiB each way`);
    s.proc.send('counts');
    const counts = await new Promise<string[]>((resolve) => s.proc.once('message', (m) => resolve(m as string[])));
    console.log(`server packets (warm-up included): ${counts.filter((c) => /DATA|WINDOW/.test(c)).join(', ')}`);
    for (let i = 0; i < 20; i++) (await dialer.dial('127.0.0.1', echoPort)).destroy();
    const ms: number[] = [];
    for (let i = 0; i < DIALS; i++) {
      const t0 = performance.now();
      const sock = await dialer.dial('127.0.0.1', echoPort);
      ms.push(performance.now() - t0);
      sock.destroy();
    }
    ms.sort((x, y) => x - y);
    console.log(`${DIALS} dials: p50 ${pct(ms, 50).toFixed(2)} ms, p99 ${pct(ms, 99).toFixed(2)} ms, max ${ms[ms.length - 1].toFixed(2)} ms`);
    dialer.close();
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
  }
}

const [role, arg] = process.argv.slice(2);
if (role) exitOnTerm();
if (role === 'echo') void roleEcho();
else if (role === 'server') void roleServer();
else if (role === 'agent') roleAgent(Number(arg));
else
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
