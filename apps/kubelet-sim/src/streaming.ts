/**
 * exec, attach and port-forward over WebSocket, as the kubelet's streaming server does with
 * wsstream: remotecommand channels 0 stdin, 1 stdout, 2 stderr, 3 error (a v1 Status in v4/v5),
 * 4 resize; port-forward channels 2i data and 2i+1 error per requested port, each opened with the
 * port as two little-endian bytes.
 */
import { spawn } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { WebSocket } from 'ws';
import { AdaptiveReader } from '../../../libs/konnectivity/src/socket-reader';
import { ChannelConn } from './channels';
import type { SimContainer, SimPod } from './sim-pod';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
}

const truthy = (v: string | null) => v === '1' || v === 'true' || v === 'True';

/** remotecommand.NewOptions: flags from the query; tty drops stderr; at least one stream */
export function parseStreamOptions(q: URLSearchParams): StreamOptions | string {
  const o: StreamOptions = {
    stdin: truthy(q.get('stdin') ?? q.get('input')),
    stdout: truthy(q.get('stdout') ?? q.get('output')),
    stderr: truthy(q.get('stderr') ?? q.get('error')),
    tty: truthy(q.get('tty')),
    command: q.getAll('command'),
  };
  if (o.tty && o.stderr) o.stderr = false;
  if (!o.stdin && !o.stdout && !o.stderr) return 'you must specify at least 1 of stdin, stdout, stderr';
  return o;
}

function successStatus(): string {
  return JSON.stringify({ metadata: {}, status: 'Success' });
}

function exitStatus(code: number, command: string[]): string {
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  });
}

function errorStatus(message: string): string {
  return JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });
}

/** the empty message on the lowest writable channel telling the client the streams are up */
function announce(conn: ChannelConn, o: StreamOptions): void {
  conn.write(o.stdout ? STDOUT : o.stderr ? STDERR : ERROR, Buffer.alloc(0));
}

function finish(conn: ChannelConn, status: { ok: true } | { code: number; command: string[] } | { error: string }): void {
  if ('ok' in status) {
    if (conn.v4plus) conn.write(ERROR, successStatus());
  } else if ('code' in status) {
    conn.write(ERROR, conn.v4plus ? exitStatus(status.code, status.command) : `command terminated with non-zero exit code: exit status ${status.code}`);
  } else {
    conn.write(ERROR, conn.v4plus ? errorStatus(status.error) : status.error);
  }
  conn.close(1000);
}

/** exec: the command runs in the pod's sandbox directory with a restricted environment */
export function serveExec(ws: WebSocket, protocol: string, pod: SimPod, container: SimContainer, o: StreamOptions): void {
  const conn = new ChannelConn(ws, protocol);
  announce(conn, o);
  const [cmd, ...args] = o.command;
  const child = spawn(cmd, args, {
    cwd: pod.sandboxDir,
    env: pod.execEnv(container.name, o.tty),
    stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so that killing it takes its children along
  });
  let done = false;
  const killTree = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const onPodStopped = killTree;
  pod.once('stopped', onPodStopped);
  child.stdout?.on('data', (d: Buffer) => o.stdout && conn.write(STDOUT, d));
  // with a tty the streams are one (no pty is allocated; stderr goes to stdout)
  child.stderr?.on('data', (d: Buffer) => (o.tty ? o.stdout && conn.write(STDOUT, d) : o.stderr && conn.write(STDERR, d)));
  if (o.stdin && child.stdin) {
    child.stdin.on('error', () => undefined);
    conn.onData(STDIN, (d) => child.stdin?.write(d));
    conn.onRemoteClose(STDIN, () => child.stdin?.end());
  }
  conn.onData(RESIZE, () => undefined); // terminal size: no pty to resize
  ws.on('close', () => {
    if (!done) killTree();
  });
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (done) return;
    done = true;
    pod.off('stopped', onPodStopped);
    const msg =
      err.code === 'ENOENT'
        ? `OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(cmd)}: executable file not found in $PATH: unknown`
        : `OCI runtime exec failed: ${err.message}`;
    finish(conn, { error: msg });
  });
  child.on('close', (code, signal) => {
    if (done) return;
    done = true;
    pod.off('stopped', onPodStopped);
    const rc = code ?? (signal ? 128 + (signalNumber(signal) ?? 9) : 1);
    finish(conn, rc === 0 ? { ok: true } : { code: rc, command: o.command });
  });
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  return osConstants.signals[sig];
}

/**
 * attach: the simulated main process prints a line every second while attached (like logs -f)
 * and echoes stdin back on stdout (and into the container log). Ends when the client goes away
 * or the pod stops.
 */
export function serveAttach(ws: WebSocket, protocol: string, pod: SimPod, container: SimContainer, o: StreamOptions): void {
  const conn = new ChannelConn(ws, protocol);
  announce(conn, o);
  const onLine = (l: { text: string }) => o.stdout && conn.write(STDOUT, l.text + '\n');
  container.on('line', onLine);
  const release = container.follow();
  if (o.stdin) {
    conn.onData(STDIN, (d) => {
      if (o.stdout) conn.write(STDOUT, d);
      for (const line of d.toString('utf8').split(/\r?\n/)) if (line) container.logs.push({ time: new Date(), text: line });
    });
  }
  conn.onData(RESIZE, () => undefined);
  const end = () => {
    container.off('line', onLine);
    release();
  };
  const onStopped = () => {
    end();
    finish(conn, { ok: true });
  };
  container.once('stopped', onStopped);
  ws.on('close', () => {
    container.off('stopped', onStopped);
    end();
  });
}

/** the ports of a port-forward request: `port` query values, each possibly comma-separated */
export function parsePorts(q: URLSearchParams): number[] | string {
  const raw = q.getAll('port');
  if (raw.length === 0) return 'query parameter "port" is required';
  const ports: number[] = [];
  for (const s of raw) {
    if (!s) return 'query parameter "port" cannot be empty';
    for (const p of s.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!Number.isInteger(n) || n > 65535) return `unable to parse "${s}" as a port: invalid syntax`;
      if (n < 1) return `port "${s}" must be > 0`;
      ports.push(n);
    }
  }
  return ports;
}

const PF_HIGH_WATER = 1024 * 1024;
const PF_LOW_WATER = 256 * 1024;

/** port-forward: per port a data channel (2i) and an error channel (2i+1), both first carrying the port (uint16 LE) */
export function servePortForward(ws: WebSocket, protocol: string, pod: SimPod, ports: number[]): void {
  const conn = new ChannelConn(ws, protocol);
  const sockets: Socket[] = [];
  let remaining = ports.length;
  const portDone = () => {
    if (--remaining === 0) conn.close(1000);
  };
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    conn.write(2 * i, portBytes);
    conn.write(2 * i + 1, portBytes);
    // reads of up to 256 KiB while data is backed up (fewer WebSocket messages and tunnel packets)
    const reader = new AdaptiveReader();
    const sock = connect({ port: pod.targetPort(port), host: '127.0.0.1', onread: reader.onread });
    sockets.push(sock);
    const pending: Buffer[] = [];
    let connected = false;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      portDone();
    };
    sock.on('connect', () => {
      connected = true;
      for (const b of pending.splice(0)) sock.write(b);
    });
    // backpressure both ways: the pod socket pauses while over 1 MiB is queued on the WebSocket,
    // the WebSocket pauses while the pod socket's write buffer is full
    let queued = 0;
    reader.attach((d: Buffer) => {
      queued += d.length;
      conn.write(2 * i, d, () => {
        queued -= d.length;
        if (queued <= PF_LOW_WATER && sock.isPaused()) sock.resume();
      });
      if (queued > PF_HIGH_WATER) sock.pause();
    });
    sock.on('drain', () => ws.isPaused && ws.resume());
    sock.on('error', (err) => {
      conn.write(2 * i + 1, `error forwarding port ${port} to pod ${pod.namespace}/${pod.name}, uid ${pod.uid}: ${err.message}`);
      done();
    });
    sock.on('close', done);
    conn.onData(2 * i, (d) => {
      if (!connected) return void pending.push(d);
      if (!sock.write(d)) ws.pause();
    });
  });
  const onStopped = () => conn.close(1000);
  pod.once('stopped', onStopped);
  ws.on('close', () => {
    pod.off('stopped', onStopped);
    for (const s of sockets) s.destroy();
  });
}
