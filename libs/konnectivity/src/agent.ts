/**
 * The Konnectivity agent: holds one AgentService/Connect stream per proxy server (learning the
 * servers' ids and count from the response headers `serverid` / `servercount`), dials what the
 * servers ask for (honouring an allowlist), and relays the bytes with per-connection flow control.
 *
 * HA: the agent dials one address (usually a load balancer in front of all servers). Each new
 * stream goes over a new TCP connection; a stream to a server already held is closed, and the
 * agent keeps dialing (backoff 1 s ×1.5 up to 10 s) until it holds `servercount` distinct
 * servers, then re-checks every 10 s (a lost server is replaced the same way).
 */
import { extractContext, runInContext, SpanKind, tracingEnabled, withSpan } from '../../tracing/src';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP, Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { creditBatch, DEFAULT_WINDOW, MAX_CHUNK, parseWindow, UNCONTROLLED_QUEUE_LIMIT } from './flow';
import { tunnelChannelOptions } from './grpc-tuning';
import { Allowlist, splitHostPort } from './identifiers';
import { AdaptiveReader } from './socket-reader';
import { AgentMetrics } from './metrics';
import { agentService, DialRequest, MD_AGENT_ID, MD_AGENT_IDENTIFIERS, MD_AUTHORIZATION, MD_FLOW_CONTROL, MD_SERVER_COUNT, MD_SERVER_ID, Packet, PacketType, packetTypeName, pkt } from './proto';

export interface AgentOptions {
  proxyServerHost: string;
  proxyServerPort: number;
  agentId: string;
  /** URL-query encoded, e.g. host=node1&ipv4=10.0.0.5 */
  agentIdentifiers: string;
  tls?: { caFile: string; certFile?: string; keyFile?: string; serverName?: string };
  /** the token sent as `authorization: Bearer` (a function is called for every new stream: rotated token files) */
  bearerToken?: string | (() => string);
  allowlist: Allowlist;
  /** upstream hard-codes 5 s */
  dialTimeoutMs?: number;
  /** how long SIGTERM waits for open connections after DRAIN */
  drainTimeoutMs?: number;
  window?: number;
  log?: (msg: string) => void;
}

/** test hook: delay every dial by this many ms (used to kill an agent mid-dial) */
export const TEST_DIAL_DELAY_ENV = 'KUBERNEST_KONNECTIVITY_TEST_DIAL_DELAY_MS';

interface EndpointConn {
  id: string;
  socket: Socket;
  sendCredit: number;
  /** bytes written to the socket and not yet returned as credit (batched: creditBatch) */
  owed: number;
  closing: boolean;
}

/** One stream to one proxy server. */
class ServerStream {
  serverId = '';
  serverCount = 0;
  private peerWindow = 0;
  private nextConnId = 0;
  /** return credit to the server in batches of this many bytes (a quarter of our window) */
  private readonly creditBatch: number;
  readonly conns = new Map<string, EndpointConn>();
  private readonly dials = new Map<string, { cancel(): void }>();
  closed = false;
  readonly call: grpc.ClientDuplexStream<Packet, Packet>;
  readonly headers: Promise<void>;

  constructor(
    private readonly agent: KonnectivityAgent,
    private readonly client: grpc.Client,
  ) {
    const o = agent.opts;
    this.creditBatch = creditBatch(agent.window);
    const md = new grpc.Metadata();
    md.set(MD_AGENT_ID, o.agentId);
    if (o.agentIdentifiers) md.set(MD_AGENT_IDENTIFIERS, o.agentIdentifiers);
    const token = typeof o.bearerToken === 'function' ? o.bearerToken() : o.bearerToken;
    if (token) md.set(MD_AUTHORIZATION, `Bearer ${token}`);
    md.set(MD_FLOW_CONTROL, String(agent.window));
    this.call = client.makeBidiStreamRequest(agentService.Connect.path, agentService.Connect.requestSerialize, agentService.Connect.responseDeserialize, md);
    this.headers = new Promise<void>((resolve, reject) => {
      this.call.once('metadata', (m: grpc.Metadata) => {
        const id = m.get(MD_SERVER_ID);
        const count = m.get(MD_SERVER_COUNT);
        if (id.length === 0 || count.length === 0) return reject(new Error(`proxy server sent no ${id.length ? MD_SERVER_COUNT : MD_SERVER_ID} header`));
        this.serverId = String(id[0]);
        this.serverCount = Number(count[0]) || 1;
        this.peerWindow = parseWindow(m.get(MD_FLOW_CONTROL));
        resolve();
      });
      this.call.once('error', (e: Error) => reject(e));
      this.call.once('end', () => reject(new Error('stream ended before headers')));
    });
    this.headers.catch(() => {});
    this.call.on('data', (p: Packet) => {
      agent.metrics.streamPackets.inc({ segment: 'from_server', packet_type: packetTypeName(p.type) });
      this.onPacket(p);
    });
    this.call.on('error', (e: Error) => {
      if (!this.closed) agent.metrics.streamErrors.inc({ segment: 'from_server', code: grpcCodeName((e as { code?: number }).code), packet_type: '' });
      this.close(e.message);
    });
    this.call.on('end', () => this.close('stream ended'));
  }

  send(p: Packet): void {
    if (this.closed) return;
    this.agent.metrics.streamPackets.inc({ segment: 'to_server', packet_type: packetTypeName(p.type) });
    this.call.write(p);
  }

  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.dials.values()) d.cancel();
    this.dials.clear();
    for (const c of this.conns.values()) c.socket.destroy();
    this.conns.clear();
    this.agent.metrics.openEndpointConnections.set(this.agent.openEndpointCount());
    this.call.cancel();
    this.client.close();
    this.agent.streamClosed(this, why);
  }

  private onPacket(p: Packet): void {
    switch (p.type) {
      case PacketType.DIAL_REQ:
        void this.tracedDial(p.dialRequest!);
        return;
      case PacketType.DIAL_CLS:
        this.dials.get(p.closeDial!.random)?.cancel();
        return;
      case PacketType.DATA: {
        const c = this.conns.get(p.data!.connectID);
        if (!c) {
          if (p.data!.connectID !== '0') this.send(pkt.closeRsp(p.data!.connectID, 'unknown connectID'));
          return;
        }
        const n = p.data!.data.length;
        c.socket.write(p.data!.data, () => {
          if (!this.peerWindow) return;
          c.owed += n;
          if (c.owed >= this.creditBatch && !this.closed) {
            this.send(pkt.window(c.id, c.owed));
            c.owed = 0;
          }
        });
        if (!this.peerWindow && c.socket.writableLength > UNCONTROLLED_QUEUE_LIMIT) c.socket.destroy();
        return;
      }
      case PacketType.CLOSE_REQ: {
        const id = p.closeRequest!.connectID;
        const c = this.conns.get(id);
        if (!c) return this.send(pkt.closeRsp(id, `unknown connectID ${id}`));
        c.closing = true;
        c.socket.end(); // after the data written before; CLOSE_RSP goes out on 'close'
        setTimeout(() => c.socket.destroy(), 10_000).unref();
        return;
      }
      case PacketType.WINDOW_UPDATE: {
        const c = this.conns.get(p.windowUpdate!.connectID);
        if (!c) return;
        c.sendCredit += Number(p.windowUpdate!.bytes);
        if (c.sendCredit > 0 && c.socket.isPaused()) c.socket.resume();
        return;
      }
      default:
        return;
    }
  }

  /** the dial as a span continuing the tunnel server's context (tracing on) */
  private tracedDial(r: DialRequest): Promise<void> {
    if (!tracingEnabled()) return this.dial(r.address, r.random);
    return runInContext(extractContext(r.traceparent ? { traceparent: r.traceparent, tracestate: r.tracestate ?? '' } : {}), () =>
      withSpan('konnectivity-agent.Dial', { 'net.peer.name': r.address }, () => this.dial(r.address, r.random), SpanKind.SERVER),
    );
  }

  private async dial(address: string, random: string): Promise<void> {
    const m = this.agent.metrics;
    const started = process.hrtime.bigint();
    let cancelled = false;
    let socket: Socket | undefined;
    const reader = new AdaptiveReader();
    this.dials.set(random, {
      cancel: () => {
        cancelled = true;
        socket?.destroy();
      },
    });
    const fail = (reason: string, error: string) => {
      this.dials.delete(random);
      m.dialFailures.inc({ reason });
      this.send(pkt.dialRsp(random, '0', error));
    };
    try {
      const { host, port } = splitHostPort(address);
      let ip = host;
      if (!isIP(host)) ip = (await lookup(host)).address; // check and connect the same IP
      if (!this.agent.opts.allowlist.allows(ip, port)) return fail('not_allowed', `dial ${address} is not allowed by the agent's allowlist`);
      const delay = Number(process.env[TEST_DIAL_DELAY_ENV] ?? 0);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (cancelled || this.closed) return void this.dials.delete(random);
      const s = netConnect({ host: ip, port, onread: reader.onread });
      socket = s;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`i/o timeout after ${this.agent.dialTimeoutMs}ms`)), this.agent.dialTimeoutMs);
        s.once('connect', () => {
          clearTimeout(t);
          resolve();
        });
        s.once('error', (e) => {
          clearTimeout(t);
          reject(e);
        });
        s.once('close', () => {
          clearTimeout(t);
          reject(new Error('dial cancelled'));
        });
      });
    } catch (e) {
      socket?.destroy();
      if (cancelled || this.closed) return void this.dials.delete(random);
      return fail(/timeout/.test((e as Error).message) ? 'timeout' : 'unknown', `dial tcp ${address}: ${(e as Error).message}`);
    }
    this.dials.delete(random);
    if (cancelled || this.closed) {
      socket.destroy();
      return;
    }
    m.dialDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    const id = String(++this.nextConnId);
    const c: EndpointConn = { id, socket, sendCredit: this.peerWindow || Infinity, owed: 0, closing: false };
    this.conns.set(id, c);
    m.openEndpointConnections.set(this.agent.openEndpointCount());
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
    socket.setNoDelay(true);
    this.send(pkt.dialRsp(random, id));
    reader.attach((b: Buffer) => {
      for (let i = 0; i < b.length; i += MAX_CHUNK) {
        const ch = b.subarray(i, i + MAX_CHUNK);
        c.sendCredit -= ch.length;
        this.send(pkt.data(id, ch));
      }
      if (c.sendCredit <= 0) socket!.pause();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.conns.get(id) !== c) return;
      this.conns.delete(id);
      m.openEndpointConnections.set(this.agent.openEndpointCount());
      this.send(pkt.closeRsp(id));
      this.agent.connClosed();
    });
  }
}

export class KonnectivityAgent {
  readonly metrics = new AgentMetrics();
  readonly window: number;
  readonly dialTimeoutMs: number;
  private readonly streams = new Set<ServerStream>();
  /** server id → the stream held to it */
  private readonly byServer = new Map<string, ServerStream>();
  private serverCount = 0;
  private stopped = false;
  private draining = false;
  private timer?: NodeJS.Timeout;
  private backoffMs = 1000;
  private connecting = false;
  private readonly log: (m: string) => void;
  private drainWaiters: (() => void)[] = [];

  constructor(readonly opts: AgentOptions) {
    this.window = opts.window ?? DEFAULT_WINDOW;
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 5000;
    this.log = opts.log ?? (() => {});
  }

  start(): void {
    this.schedule(0);
  }

  /** the servers currently held (id → count advertised) */
  servers(): string[] {
    return [...this.byServer.keys()];
  }

  openEndpointCount(): number {
    let n = 0;
    for (const s of this.streams) n += s.conns.size;
    return n;
  }

  private schedule(ms: number): void {
    if (this.stopped || this.draining) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sync(), ms);
  }

  private newClient(): grpc.Client {
    const o = this.opts;
    const creds = o.tls
      ? grpc.credentials.createSsl(readFileSync(o.tls.caFile), o.tls.keyFile ? readFileSync(o.tls.keyFile) : null, o.tls.certFile ? readFileSync(o.tls.certFile) : null)
      : grpc.credentials.createInsecure();
    const host = o.proxyServerHost.includes(':') ? `[${o.proxyServerHost}]` : o.proxyServerHost;
    const channelOpts: grpc.ChannelOptions = {
      // a channel of its own = a TCP connection of its own, so a load balancer can route it to another server
      'grpc.use_local_subchannel_pool': 1,
      ...tunnelChannelOptions(),
      'grpc.keepalive_time_ms': 30_000,
      'grpc.initial_reconnect_backoff_ms': 1000,
    };
    if (o.tls?.serverName) channelOpts['grpc.ssl_target_name_override'] = o.tls.serverName;
    return new grpc.Client(`${host}:${o.proxyServerPort}`, creds, channelOpts);
  }

  /** one connection attempt; then decide when to try again */
  private async sync(): Promise<void> {
    if (this.stopped || this.draining || this.connecting) return;
    const want = this.serverCount || 1;
    if (this.byServer.size >= want) {
      this.backoffMs = 1000;
      return this.schedule(10_000);
    }
    this.connecting = true;
    const s = new ServerStream(this, this.newClient());
    this.streams.add(s);
    try {
      await Promise.race([s.headers, new Promise((_, rej) => setTimeout(() => rej(new Error('no response headers in 10s')), 10_000))]);
      if (this.byServer.has(s.serverId)) {
        this.log(`already connected to proxy server ${s.serverId}; closing the duplicate stream`);
        s.close('duplicate');
        this.backoffMs = Math.min(this.backoffMs * 1.5, 10_000);
      } else {
        this.byServer.set(s.serverId, s);
        this.serverCount = s.serverCount;
        this.metrics.knownServerCount.set(this.serverCount);
        this.metrics.openServerConnections.set(this.byServer.size);
        this.log(`connected to proxy server ${s.serverId} (${this.byServer.size}/${this.serverCount})`);
        this.backoffMs = 1000;
        if (this.draining) s.send(pkt.drain());
      }
    } catch (e) {
      this.log(`connecting to proxy server ${this.opts.proxyServerHost}:${this.opts.proxyServerPort} failed: ${(e as Error).message}`);
      this.metrics.streamErrors.inc({ segment: 'connect', code: 'Unavailable', packet_type: '' });
      s.close((e as Error).message);
      this.backoffMs = Math.min(this.backoffMs * 1.5, 10_000);
    } finally {
      this.connecting = false;
    }
    const held = this.byServer.size;
    this.schedule(held < (this.serverCount || 1) ? (held === 0 || this.backoffMs > 1000 ? this.backoffMs : 0) : 10_000);
  }

  /** @internal */ streamClosed(s: ServerStream, why: string): void {
    this.streams.delete(s);
    if (s.serverId && this.byServer.get(s.serverId) === s) {
      this.byServer.delete(s.serverId);
      this.metrics.openServerConnections.set(this.byServer.size);
      this.log(`lost proxy server ${s.serverId}: ${why}`);
      this.schedule(this.backoffMs);
    }
    this.connClosed();
  }

  /** @internal */ connClosed(): void {
    if (this.draining && this.openEndpointCount() === 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /** SIGTERM: DRAIN every server, wait for open connections (up to drainTimeoutMs), close. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.draining = true;
    clearTimeout(this.timer);
    for (const s of this.byServer.values()) s.send(pkt.drain());
    this.log(`draining: ${this.openEndpointCount()} open connection(s)`);
    if (this.openEndpointCount() > 0) {
      await new Promise<void>((resolve) => {
        this.drainWaiters.push(resolve);
        setTimeout(resolve, this.opts.drainTimeoutMs ?? 5000).unref();
      });
    }
    this.stopped = true;
    // half-close each stream (after the DRAIN already written) and let the server finish it
    await Promise.all(
      [...this.streams].map(
        (s) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 2000);
            s.call.once('status', () => {
              clearTimeout(t);
              resolve();
            });
            s.call.end();
          }),
      ),
    );
    for (const s of [...this.streams]) s.close('shutdown');
  }

  /** stop without draining */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const s of [...this.streams]) s.close('stopped');
  }
}

/** a gRPC status code as Go's codes.Code.String() names it (upstream's metric label) */
function grpcCodeName(code: number | undefined): string {
  const name = code === undefined ? 'UNKNOWN' : (grpc.status[code] ?? 'UNKNOWN');
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('')
    .replace(/^Ok$/, 'OK');
}
