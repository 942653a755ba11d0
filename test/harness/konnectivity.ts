/**
 * Konnectivity end-to-end helpers: real `bin/kubernest konnectivity-server` / `konnectivity-agent`
 * processes on loopback, an echo TCP server, and a round-robin TCP load balancer (one address in
 * front of several servers, as agents expect in HA).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer, connect, Server, Socket } from 'node:net';
import { KUBERNEST_BIN } from './apiserver';

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Proc {
  process: ChildProcess;
  logs(): string;
  /** SIGKILL */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s */
  stop(): Promise<void>;
}

function proc(child: ChildProcess, output: () => string): Proc {
  return {
    process: child,
    logs: output,
    kill: async () => {
      child.kill('SIGKILL');
      await waitExit(child, 5000);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit(child, 10_000);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
      }
    },
  };
}

export interface KonnectivityServerInstance extends Proc {
  serverId: string;
  agentPort: number;
  serverPort: number;
  healthPort: number;
  /** GET on the health port */
  get(path: string): Promise<{ status: number; body: string }>;
  /** the value of one metric sample (first line matching name and optional label text), or 0 */
  metric(name: string, labels?: string): Promise<number>;
}

/** GET http://127.0.0.1:<port><path>: status and body text */
export function getText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function startKonnectivityServer(extraArgs: string[] = []): Promise<KonnectivityServerInstance> {
  const child = spawn(
    process.execPath,
    [
      KUBERNEST_BIN,
      'konnectivity-server',
      '--agent-port=0',
      '--server-port=0',
      '--health-port=0',
      '--agent-bind-address=127.0.0.1',
      '--server-bind-address=127.0.0.1',
      '--health-bind-address=127.0.0.1',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  child.stderr?.on('data', (d) => (output = (output + d).slice(-50_000)));
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`konnectivity-server did not start in 30s:\n${output}`)), 30_000);
    child.stdout?.on('data', (d) => {
      output = (output + d).slice(-50_000);
      const m = /konnectivity-server (\S+) .*agents on port (\d+), front end \([^)]*\) on (?:port (\d+)|unix socket \S+), health on port (\d+)/.exec(output);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`konnectivity-server exited with ${code}:\n${output}`));
    });
  });
  const healthPort = Number(m[4]);
  const get = (path: string) => getText(healthPort, path);
  return {
    ...proc(child, () => output),
    serverId: m[1],
    agentPort: Number(m[2]),
    serverPort: Number(m[3] ?? 0),
    healthPort,
    get,
    metric: async (name, labels) => {
      const { body } = await get('/metrics');
      for (const line of body.split('\n')) {
        if (!line.startsWith(name)) continue;
        const rest = line.slice(name.length);
        if (labels ? rest.startsWith(`{`) && rest.includes(labels) : rest.startsWith(' ')) return Number(line.split(' ').pop());
      }
      return 0;
    },
  };
}

export interface KonnectivityAgentInstance extends Proc {
  /** the agent's health (/healthz, /readyz, /metrics) and admin (/metrics) ports (0: not bound) */
  healthPort: number;
  adminPort: number;
}

export async function startKonnectivityAgent(host: string, port: number, args: string[] = [], env: Record<string, string> = {}): Promise<KonnectivityAgentInstance> {
  // free health/admin ports unless the test picks them (the defaults 8093/8094 would collide)
  const ports = ['--health-server-port=0', '--admin-server-port=0'].filter((f) => !args.some((a) => a.startsWith(f.split('=')[0])));
  const child = spawn(process.execPath, [KUBERNEST_BIN, 'konnectivity-agent', `--proxy-server-host=${host}`, `--proxy-server-port=${port}`, ...ports, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-50_000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-50_000)));
  await waitFor(() => /connecting to/.test(output) || child.exitCode !== null, 30_000, 'the agent to start');
  if (child.exitCode !== null) throw new Error(`konnectivity-agent exited with ${child.exitCode}:\n${output}`);
  const hp = /connecting to \S+, health on port (\d+), admin on port (\d+)/.exec(output);
  return { ...proc(child, () => output), healthPort: Number(hp?.[1] ?? 0), adminPort: Number(hp?.[2] ?? 0) };
}

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

/** A TCP server that writes back everything it reads. */
export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

export interface Balancer {
  port: number;
  close(): Promise<void>;
}

/** One address, round-robin over `targets` (each new TCP connection goes to the next). */
export async function startTcpBalancer(targets: number[]): Promise<Balancer> {
  let i = 0;
  const sockets = new Set<Socket>();
  const srv: Server = createServer((s) => {
    const target = targets[i++ % targets.length];
    const up = connect(target, '127.0.0.1');
    for (const x of [s, up]) {
      sockets.add(x);
      x.on('close', () => sockets.delete(x));
      x.on('error', () => {
        s.destroy();
        up.destroy();
      });
    }
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
