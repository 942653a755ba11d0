/**
 * kubectl's SPDY/3.1 streaming protocols, terminated in the API server and bridged to the kubelet's
 * WebSocket protocols (the kubelet side stays the v4/v5.channel.k8s.io WebSockets of connect.ts):
 *
 *   port-forward (portforward.k8s.io; plain `Upgrade: SPDY/3.1`, or SPDY inside the
 *   `SPDY/3.1+portforward.k8s.io` WebSocket of kubectl ≥ 1.30): the client opens an `error` and a
 *   `data` stream per connection (headers `streamtype`, `port`, `requestid`); each pair gets its own
 *   kubelet port-forward WebSocket for that port, bytes pumped both ways with backpressure. As the
 *   kubelet's httpstream handler: the pair must complete within 30 s; errors are written as text on
 *   the error stream; when the pod side ends, both streams are FINed.
 *
 *   exec/attach (v4.channel.k8s.io, v3, v2, channel.k8s.io): streams `error`, `stdin`, `stdout`,
 *   `stderr`, `resize` are mapped to kubelet channels 0–4. v4 gets the kubelet's Status JSON on the
 *   error stream (so kubectl exits with the command's code); v2/v3 get the failure message as text.
 *   Once the command ends every stream is FINed and the session closed (GOAWAY), as upstream.
 */
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { GoAwayStatus, RstStatus } from '../../../../libs/spdy/src/frames';
import { SpdySession, SpdyStream } from '../../../../libs/spdy/src/session';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_WS_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
/** Exec/attach stream protocols we speak over SPDY, best first. */
export const EXEC_SPDY_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** upstream httpstream.negotiateProtocol: the first client protocol the server supports. */
export function negotiateProtocol(client: string[], server: string[]): string | undefined {
  return client.find((p) => server.includes(p));
}

// port-forward --------------------------------------------------------------------------------

interface PfPair {
  requestId: string;
  port?: number;
  portText?: string;
  error?: SpdyStream;
  data?: SpdyStream;
  timer?: NodeJS.Timeout;
  started: boolean;
}

/** Serve a port-forward SPDY session until it closes. `dial(port)` gives a byte stream to the pod port. */
export function servePortForward(session: SpdySession, podDesc: string, dial: (port: number) => Promise<Duplex>): Promise<void> {
  const pairs = new Map<string, PfPair>();
  session.on('stream', (s: SpdyStream) => {
    s.on('error', () => undefined);
    const type = s.headers['streamtype'];
    if (type !== 'error' && type !== 'data') {
      s.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    s.reply();
    let requestId = s.headers['requestid'];
    // clients older than requestid: the error stream precedes its data stream
    if (requestId === undefined || requestId === '') requestId = String(type === 'error' ? s.id : s.id - 2);
    let p = pairs.get(requestId);
    if (!p) {
      p = { requestId, started: false };
      pairs.set(requestId, p);
      const pp = p;
      p.timer = setTimeout(() => {
        if (pp.started) return;
        pairs.delete(requestId);
        if (pp.error) pp.error.end(`timed out waiting for streams for request ${requestId}`);
        pp.data?.reset();
      }, STREAM_CREATION_TIMEOUT_MS);
    }
    if (type === 'error') {
      if (p.error) return s.reset(RstStatus.PROTOCOL_ERROR);
      p.error = s;
      // the client never writes to the error stream; drain it
      s.resume();
    } else {
      if (p.data) return s.reset(RstStatus.PROTOCOL_ERROR);
      p.data = s;
    }
    if (p.portText === undefined) p.portText = s.headers['port'];
    if (p.error && p.data) {
      clearTimeout(p.timer);
      p.started = true;
      pairs.delete(requestId);
      void forwardPair(p, podDesc, dial);
    }
  });
  return new Promise<void>((resolve) => {
    session.once('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      resolve();
    });
  });
}

async function forwardPair(p: PfPair, podDesc: string, dial: (port: number) => Promise<Duplex>): Promise<void> {
  const error = p.error!;
  const data = p.data!;
  const fail = (msg: string) => {
    if (!error.destroyed && !error.writableEnded) error.end(msg);
    if (!data.destroyed && !data.writableEnded) data.end();
  };
  const port = Number(p.portText);
  if (!p.portText || !/^\d+$/.test(p.portText) || port < 1 || port > 65535) {
    fail(`invalid port header ${JSON.stringify(p.portText ?? '')}`);
    return;
  }
  let pod: Duplex;
  try {
    pod = await dial(port);
  } catch (e) {
    fail(`error forwarding port ${port} to pod ${podDesc}: ${(e as Error).message}`);
    return;
  }
  if (data.destroyed) {
    pod.destroy();
    return;
  }
  let ended = false;
  pod.on('error', (e: Error) => {
    if (ended) return;
    ended = true;
    fail(`error forwarding port ${port} to pod ${podDesc}: ${e.message}`);
  });
  pod.on('end', () => {
    ended = true;
    if (!error.destroyed && !error.writableEnded) error.end();
  });
  // client → pod (client FIN ends the pod connection), pod → client (pod EOF FINs the data stream)
  data.pipe(pod);
  pod.pipe(data);
  data.on('close', () => {
    if (!pod.destroyed) pod.destroy();
  });
  // Once the pod side is gone (it ended, or its tunnel/kubelet connection failed), keep reading and
  // discarding what the client still sends on the data stream. An unread stream makes the session
  // stop reading its transport (SpdySession maxBuffered); kubectl (moby/spdystream) then blocks in
  // a data write holding its connection's write lock, so its RST_STREAM for this stream never goes
  // out and it never gets to read our error: the port-forward would hang instead of ending.
  pod.on('close', () => {
    data.unpipe(pod);
    if (!data.destroyed && !data.readableEnded) {
      data.on('data', () => undefined);
      data.resume();
    }
  });
}

// exec / attach -------------------------------------------------------------------------------

export interface ExecStreamsWanted {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export function truthy(v: string | null): boolean {
  return v !== null && /^(1|t|true)$/i.test(v);
}

interface KStatus {
  status?: string;
  message?: string;
}

/**
 * Bridge an exec/attach SPDY session to an open kubelet WebSocket (v5 or v4.channel.k8s.io).
 * Kubelet messages that arrive before the client's streams are queued.
 */
export function serveExec(session: SpdySession, protocol: string, want: ExecStreamsWanted, kubelet: WebSocket): Promise<void> {
  const version = protocol === 'v4.channel.k8s.io' ? 4 : protocol === 'v3.channel.k8s.io' ? 3 : 2;
  const streams: Partial<Record<'error' | 'stdin' | 'stdout' | 'stderr' | 'resize', SpdyStream>> = {};
  const expected = ['error', ...(want.stdin ? ['stdin'] : []), ...(want.stdout ? ['stdout'] : []), ...(want.stderr && !want.tty ? ['stderr'] : []), ...(want.tty && version >= 3 ? ['resize'] : [])];
  const queue: Buffer[] = [];
  let ready = false;
  let statusText = '';
  let finished = false;
  const v5 = kubelet.protocol === 'v5.channel.k8s.io';

  const finish = (errText?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    let body = '';
    if (errText !== undefined) {
      body = version >= 4 ? JSON.stringify({ metadata: {}, status: 'Failure', message: errText, reason: 'InternalError', code: 500 }) : errText;
    } else if (statusText) {
      if (version >= 4) body = statusText;
      else {
        try {
          const st = JSON.parse(statusText) as KStatus;
          if (st.status !== 'Success') body = st.message ?? statusText;
        } catch {
          body = statusText;
        }
      }
    }
    for (const k of ['stdout', 'stderr', 'resize', 'stdin'] as const) {
      const s = streams[k];
      if (s && !s.destroyed && !s.writableEnded) s.end();
    }
    const err = streams.error;
    if (err && !err.destroyed && !err.writableEnded) err.end(body || undefined);
    session.goAway(GoAwayStatus.OK, true);
    if (kubelet.readyState === WebSocket.OPEN || kubelet.readyState === WebSocket.CONNECTING) kubelet.close(1000);
  };

  const deliver = (msg: Buffer) => {
    const ch = msg[0];
    const body = msg.subarray(1);
    if (ch === 3) {
      statusText += body.toString('utf8');
      return;
    }
    if (!body.length) return;
    const target = ch === 1 ? streams.stdout : ch === 2 ? (streams.stderr ?? (want.tty ? streams.stdout : undefined)) : undefined;
    if (target && !target.destroyed && !target.writableEnded) {
      if (!target.write(body)) {
        kubelet.pause();
        target.once('drain', () => kubelet.resume());
      }
    }
  };

  kubelet.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!msg.length) return;
    if (ready) deliver(msg);
    else queue.push(msg);
  });
  kubelet.on('close', () => {
    if (!ready) {
      // the command ended before the client's streams arrived: deliver once they do
      closedEarly = true;
      return;
    }
    finish();
  });
  kubelet.on('error', () => undefined);
  let closedEarly = false;

  const sendKubelet = (ch: number, data: Buffer) => {
    if (kubelet.readyState === WebSocket.OPEN) kubelet.send(Buffer.concat([Buffer.from([ch]), data]));
  };

  const start = () => {
    ready = true;
    clearTimeout(timer);
    for (const m of queue.splice(0)) deliver(m);
    const stdin = streams.stdin;
    if (stdin) {
      stdin.on('data', (c: Buffer) => {
        sendKubelet(0, c);
        if (kubelet.bufferedAmount > 1 << 20) {
          stdin.pause();
          const t = setInterval(() => {
            if (kubelet.bufferedAmount < 1 << 18 || kubelet.readyState !== WebSocket.OPEN) {
              clearInterval(t);
              stdin.resume();
            }
          }, 5);
        }
      });
      stdin.on('end', () => {
        if (v5) sendKubelet(255, Buffer.from([0]));
      });
    }
    streams.resize?.on('data', (c: Buffer) => sendKubelet(4, c));
    if (closedEarly) finish();
  };

  const timer = setTimeout(() => finish(`timed out waiting for client to create streams`), STREAM_CREATION_TIMEOUT_MS);

  session.on('stream', (s: SpdyStream) => {
    s.on('error', () => undefined);
    const type = s.headers['streamtype'] as keyof typeof streams;
    if (!expected.includes(type) || streams[type]) {
      s.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    s.reply();
    streams[type] = s;
    if (type === 'error' || type === 'stdout' || type === 'stderr') s.resume(); // the client does not write on these
    if (expected.every((k) => streams[k as keyof typeof streams])) start();
  });

  return new Promise<void>((resolve) => {
    session.once('close', () => {
      clearTimeout(timer);
      if (kubelet.readyState !== WebSocket.CLOSED) kubelet.terminate();
      resolve();
    });
  });
}
