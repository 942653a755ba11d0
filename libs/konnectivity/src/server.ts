/**
 * The Konnectivity proxy server core: agents connect to AgentService/Connect and register as
 * backends; front ends (ProxyService/Proxy gRPC streams, or HTTP CONNECT sockets) ask for dials;
 * the server picks an agent by strategy, relays DIAL_REQ/DIAL_RSP, and then relays DATA and
 * CLOSE between the two with per-connection flow control (see flow.ts).
 *
 * Differences from upstream (deliberate):
 * - a gRPC front-end stream multiplexes any number of connections; the server gives each one a
 *   front-end connectID of its own (agents number theirs independently, so two agents' ids may
 *   collide on one front-end stream);
 * - the server uses its own `random` towards the agent for each attempt, so a dial whose agent
 *   disconnects is retried on another eligible agent (at most MAX_DIAL_ATTEMPTS), and fails at
 *   once with "agent ... disconnected while dialing ..." when there is none;
 * - DRAIN: a draining agent gets no new dials; its open connections continue.
 */
import { Context, extractContext, injectContext, Span, SpanKind, SpanStatusCode, startSpan, tracingEnabled } from '../../tracing/src';
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { createServer as createTlsServer, Server as TlsServer } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { CertWatcher, reloadingServerCredentials, reloadingTlsServer } from './cert-reload';
import { chunks, CreditPipe, creditBatch, DEFAULT_WINDOW, parseWindow, PipeSink, UNCONTROLLED_QUEUE_LIMIT } from './flow';
import { MAX_MESSAGE, tuneServerAfterBind, tuneServerBeforeBind } from './grpc-tuning';
import { AgentIdentifiers, parseIdentifiers, ProxyStrategy, splitHostPort, strategyAccepts } from './identifiers';
import { AgentIdentity, AgentRejected, AgentTokenAuthOptions, ANONYMOUS_AGENT, authenticateAgentToken, certificateIdentity, checkIdentityBinding } from './agent-auth';
import { ServerMetrics } from './metrics';
import {
  agentServiceDefinition,
  MD_AGENT_ID,
  MD_AGENT_IDENTIFIERS,
  MD_AUTHORIZATION,
  MD_FLOW_CONTROL,
  MD_SERVER_COUNT,
  MD_SERVER_ID,
  Packet,
  PacketType,
  packetTypeName,
  pkt,
  proxyServiceDefinition,
  randomID,
} from './proto';

export const MAX_DIAL_ATTEMPTS = 3;

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** client CA: when set, peers must present a certificate it signed (mutual TLS) */
  caFile?: string;
}

export interface ProxyServerOptions {
  serverId: string;
  serverCount: number;
  mode: 'grpc' | 'http-connect';
  strategies: ProxyStrategy[];
  agentPort: number;
  agentBindAddress: string;
  serverPort: number;
  serverBindAddress: string;
  healthPort: number;
  healthBindAddress: string;
  agentTls?: TlsFiles;
  serverTls?: TlsFiles;
  /** how long a dial may wait for DIAL_RSP */
  dialTimeoutMs: number;
  /** the per-connection window this server grants peers that take part in flow control */
  window?: number;
  /** serve the front end on this Unix socket instead of TCP (upstream --uds-name; no TLS) */
  udsName?: string;
  /** how often the TLS certificate files are checked for changes (0 = never; default 5 s) */
  certReloadIntervalMs?: number;
  /** agents must present a service-account token (upstream --agent-namespace/--agent-service-account/--authentication-audience) */
  agentAuth?: AgentTokenAuthOptions;
  /** refuse agents whose agentid/agentidentifiers their credentials do not allow (default true; agent-auth.ts) */
  bindAgentIdentity?: boolean;
  log?: (msg: string) => void;
}

type GrpcStream = grpc.ServerDuplexStream<Packet, Packet>;

let backendSeq = 0;

class Backend {
  readonly key = `b${++backendSeq}`;
  draining = false;
  readonly conns = new Map<string, Conn>();
  readonly pending = new Set<PendingDial>();
  gone = false;
  constructor(
    readonly agentId: string,
    readonly identifiers: AgentIdentifiers,
    readonly call: GrpcStream,
    /** the agent's advertised window (0: no flow control) */
    readonly window: number,
    private readonly count: (type: PacketType) => void,
  ) {}
  send(p: Packet): void {
    if (this.gone) return;
    this.count(p.type);
    this.call.write(p);
  }
}

interface PendingDial {
  frontend: Frontend;
  /** the front end's random */
  random: string;
  address: string;
  host: string;
  serverRandom?: string;
  backend?: Backend;
  tried: Set<string>;
  triedAgents: string[];
  started: bigint;
  timer?: NodeJS.Timeout;
  done: boolean;
  /** the dial's span (tracing on): a child of the dialer's context from the DIAL_REQ */
  span?: { span: Span; ctx: Context };
}

class Conn {
  frontendConnId = '0';
  /** agent → front end */
  down!: CreditPipe;
  /** front end → agent */
  up!: CreditPipe;
  closed = false;
  readonly started = process.hrtime.bigint();
  constructor(
    readonly backend: Backend,
    readonly agentConnId: string,
    readonly frontend: Frontend,
  ) {}
}

interface Frontend {
  readonly alive: boolean;
  /** initial credit for sending DATA to this front end (Infinity: uncontrolled) */
  readonly downCredit: number;
  /** does this front end honour our credit (false: bound its queue instead) */
  readonly controlled: boolean;
  dialSucceeded(d: PendingDial, conn: Conn): void;
  dialFailed(d: PendingDial, message: string, status: number): void;
  downSink(conn: Conn): PipeSink;
  upForwarded(conn: Conn, bytes: number): void;
  /** the connection was torn down (agent gone, overflow): tell the front end */
  connAborted(conn: Conn, error: string): void;
}

export class ProxyServer {
  readonly metrics = new ServerMetrics();
  private readonly backends = new Map<string, Backend>();
  private readonly pendingByServerRandom = new Map<string, PendingDial>();
  private agentServer?: grpc.Server;
  private frontServer?: grpc.Server;
  private httpFront?: NetServer;
  private health?: HttpServer;
  private readonly certWatchers: CertWatcher[] = [];
  private readonly window: number;
  private readonly log: (msg: string) => void;
  ports = { agent: 0, server: 0, health: 0 };

  constructor(readonly opts: ProxyServerOptions) {
    this.window = opts.window ?? DEFAULT_WINDOW;
    this.log = opts.log ?? (() => {});
    this.updateReady();
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  async start(): Promise<void> {
    const o = this.opts;
    this.agentServer = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE, 'grpc.keepalive_time_ms': 30_000 });
    this.agentServer.addService(agentServiceDefinition, { Connect: (call: GrpcStream) => this.onAgent(call) });
    tuneServerBeforeBind(this.agentServer);
    this.ports.agent = await bind(this.agentServer, o.agentBindAddress, o.agentPort, this.grpcCreds(o.agentTls));
    tuneServerAfterBind(this.agentServer);
    if (o.mode === 'grpc') {
      this.frontServer = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE });
      this.frontServer.addService(proxyServiceDefinition, { Proxy: (call: GrpcStream) => new GrpcFrontend(this, call) });
      tuneServerBeforeBind(this.frontServer);
      if (o.udsName) await bindUnix(this.frontServer, o.udsName);
      else this.ports.server = await bind(this.frontServer, o.serverBindAddress, o.serverPort, this.grpcCreds(o.serverTls));
      tuneServerAfterBind(this.frontServer);
    } else {
      const onSocket = (s: Socket) => new HttpFrontend(this, s);
      if (o.serverTls && !o.udsName) {
        let tlsServer: TlsServer | undefined;
        const r = reloadingTlsServer(o.serverTls, () => tlsServer, o.certReloadIntervalMs, this.log);
        this.certWatchers.push(r.watcher);
        tlsServer = createTlsServer({ ...r.options, requestCert: !!o.serverTls.caFile, rejectUnauthorized: !!o.serverTls.caFile }, onSocket);
        this.httpFront = tlsServer;
      } else {
        this.httpFront = createNetServer(onSocket);
      }
      if (o.udsName) {
        removeStaleSocket(o.udsName);
        await new Promise<void>((resolve, reject) => {
          this.httpFront!.once('error', reject);
          this.httpFront!.listen(o.udsName, () => {
            this.httpFront!.off('error', reject);
            resolve();
          });
        });
      } else {
        this.ports.server = await listen(this.httpFront, o.serverBindAddress, o.serverPort);
      }
    }
    this.health = createHttpServer((req, res) => void this.serveHealth(req.url ?? '/', res));
    this.ports.health = await listen(this.health, o.healthBindAddress, o.healthPort);
  }

  /** TLS credentials that follow certificate file changes (or plaintext without files) */
  private grpcCreds(tls?: TlsFiles): grpc.ServerCredentials {
    if (!tls) return grpc.ServerCredentials.createInsecure();
    const r = reloadingServerCredentials(tls, this.opts.certReloadIntervalMs, this.log);
    this.certWatchers.push(r.watcher);
    return r.credentials;
  }

  /** check the certificate files now (tests; the watchers also poll) */
  reloadCertificates(): boolean {
    let changed = false;
    for (const w of this.certWatchers) changed = w.check() || changed;
    return changed;
  }

  async stop(): Promise<void> {
    for (const w of this.certWatchers) w.stop();
    for (const b of [...this.backends.values()]) b.call.end();
    this.httpFront?.close();
    this.health?.close();
    await Promise.all(
      [this.agentServer, this.frontServer].map(
        (s) =>
          s &&
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              s.forceShutdown();
              resolve();
            }, 2000);
            s.tryShutdown(() => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  }

  private async serveHealth(url: string, res: import('node:http').ServerResponse): Promise<void> {
    const path = url.split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const n = this.readyBackends().length;
      if (n > 0) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('not ready: no agent connected');
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(await this.metrics.registry.metrics());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
    }
  }

  // ---- agents -----------------------------------------------------------------------------------

  private readyBackends(): Backend[] {
    return [...this.backends.values()].filter((b) => !b.draining && !b.gone);
  }

  private updateReady(): void {
    const ready = this.readyBackends();
    this.metrics.readyBackendConnections.set(ready.length);
    for (const s of this.opts.strategies) {
      this.metrics.readyBackends.set({ proxy_strategy: s }, s === 'defaultRoute' ? ready.filter((b) => b.identifiers.defaultRoute).length : ready.length);
    }
  }

  private onAgent(call: GrpcStream): void {
    const seg = 'from_agent';
    this.metrics.grpcConnections.inc({ service_method: 'AgentService/Connect' });
    const ids = call.metadata.get(MD_AGENT_ID);
    let identifiers: AgentIdentifiers;
    try {
      if (ids.length !== 1 || !String(ids[0])) throw new Error(`expected exactly one ${MD_AGENT_ID} in the request metadata, got ${ids.length}`);
      identifiers = parseIdentifiers(call.metadata.get(MD_AGENT_IDENTIFIERS).map(String).join('&'));
    } catch (e) {
      this.metrics.grpcConnections.dec({ service_method: 'AgentService/Connect' });
      this.metrics.streamErrors.inc({ segment: seg, code: 'InvalidArgument', packet_type: '' });
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: (e as Error).message });
      return;
    }
    const agentId = String(ids[0]);
    void this.admitAgent(call, agentId, identifiers).then((identity) => identity && this.acceptAgent(call, agentId, identifiers, identity));
  }

  /** authenticate the agent (token or certificate) and check its claims (agent-auth.ts); undefined = refused */
  private async admitAgent(call: GrpcStream, agentId: string, identifiers: AgentIdentifiers): Promise<AgentIdentity | undefined> {
    try {
      let identity = ANONYMOUS_AGENT;
      if (this.opts.agentAuth) identity = await authenticateAgentToken(call.metadata.get(MD_AUTHORIZATION).map(String), this.opts.agentAuth);
      else {
        const cert = call.getAuthContext?.()?.sslPeerCertificate;
        if (cert) identity = certificateIdentity(cert);
      }
      if (this.opts.bindAgentIdentity !== false) checkIdentityBinding(identity, agentId, identifiers);
      if (!call.cancelled) return identity;
    } catch (e) {
      const r = e instanceof AgentRejected ? e : new AgentRejected(grpc.status.UNKNOWN, (e as Error).message, 'authentication_failed');
      this.metrics.agentRejections.inc({ reason: r.reason });
      this.metrics.streamErrors.inc({ segment: 'from_agent', code: r.code === grpc.status.PERMISSION_DENIED ? 'PermissionDenied' : 'Unknown', packet_type: '' });
      this.log(`agent ${agentId} refused (${r.reason === 'identity_mismatch' ? 'identity binding' : 'client authentication failed'}): ${r.message}`);
      call.emit('error', { code: r.code, details: r.message });
    }
    this.metrics.grpcConnections.dec({ service_method: 'AgentService/Connect' });
    return undefined;
  }

  private acceptAgent(call: GrpcStream, agentId: string, identifiers: AgentIdentifiers, identity: AgentIdentity): void {
    const seg = 'from_agent';
    const agentWindow = parseWindow(call.metadata.get(MD_FLOW_CONTROL));
    const md = new grpc.Metadata();
    md.set(MD_SERVER_ID, this.opts.serverId);
    md.set(MD_SERVER_COUNT, String(this.opts.serverCount));
    if (agentWindow) md.set(MD_FLOW_CONTROL, String(this.window));
    call.sendMetadata(md);
    const backend = new Backend(agentId, identifiers, call, agentWindow, (t) => this.metrics.streamPackets.inc({ segment: 'to_agent', packet_type: packetTypeName(t) }));
    this.backends.set(backend.key, backend);
    this.updateReady();
    this.log(`agent ${agentId} connected (${backend.key}, flow control ${agentWindow ? 'on' : 'off'}${identity.subject ? `, authenticated as ${identity.subject}` : ''})`);
    call.on('data', (p: Packet) => {
      this.metrics.streamPackets.inc({ segment: seg, packet_type: packetTypeName(p.type) });
      try {
        this.onAgentPacket(backend, p);
      } catch (e) {
        this.log(`agent ${agentId}: ${(e as Error).message}`);
      }
    });
    let done = false;
    const gone = (why: string) => {
      if (done) return;
      done = true;
      this.metrics.grpcConnections.dec({ service_method: 'AgentService/Connect' });
      this.backendGone(backend, why);
    };
    call.on('end', () => {
      gone('stream ended');
      call.end();
    });
    call.on('error', (e: Error) => gone(e.message));
    call.on('close', () => gone('stream closed'));
    call.on('cancelled', () => gone('stream cancelled'));
  }

  private onAgentPacket(b: Backend, p: Packet): void {
    switch (p.type) {
      case PacketType.DIAL_RSP: {
        const r = p.dialResponse!;
        const d = this.pendingByServerRandom.get(r.random);
        if (!d || d.backend !== b) {
          if (r.connectID !== '0' && !r.error) b.send(pkt.closeReq(r.connectID));
          return;
        }
        this.pendingByServerRandom.delete(r.random);
        b.pending.delete(d);
        if (r.error) return this.failDial(d, r.error, 502, 'error_from_agent');
        if (d.done || !d.frontend.alive) {
          b.send(pkt.closeReq(r.connectID));
          return;
        }
        this.finishDial(d);
        this.metrics.dialDuration.observe(Number(process.hrtime.bigint() - d.started) / 1e9);
        const conn = new Conn(b, r.connectID, d.frontend);
        conn.down = new CreditPipe(
          d.frontend.downCredit,
          d.frontend.downSink(conn),
          (n) => {
            if (b.window) b.send(pkt.window(conn.agentConnId, n));
          },
          creditBatch(this.window),
        );
        conn.up = new CreditPipe(
          b.window || Infinity,
          {
            write: (chunk, done) => {
              b.send(pkt.data(conn.agentConnId, chunk));
              done();
            },
            end: () => b.send(pkt.closeReq(conn.agentConnId)),
          },
          (n) => d.frontend.upForwarded(conn, n),
          creditBatch(this.window),
        );
        b.conns.set(r.connectID, conn);
        this.metrics.establishedConnections.inc();
        d.frontend.dialSucceeded(d, conn);
        return;
      }
      case PacketType.DATA: {
        const data = p.data!;
        if (data.connectID === '0') return;
        const conn = b.conns.get(data.connectID);
        if (!conn) {
          b.send(pkt.closeReq(data.connectID));
          return;
        }
        for (const c of chunks(data.data)) conn.down.push(c);
        const limit = b.window ? Math.max(UNCONTROLLED_QUEUE_LIMIT, 4 * this.window) : UNCONTROLLED_QUEUE_LIMIT;
        if (conn.down.buffered > limit) this.overflow(conn);
        return;
      }
      case PacketType.CLOSE_RSP: {
        const conn = b.conns.get(p.closeResponse!.connectID);
        if (!conn) return;
        conn.up.kill();
        b.conns.delete(conn.agentConnId);
        conn.down.end(); // the sink's end() tells the front end, after the queued data
        return;
      }
      case PacketType.DIAL_CLS: {
        const d = this.pendingByServerRandom.get(p.closeDial!.random);
        if (!d || d.backend !== b) return;
        this.pendingByServerRandom.delete(p.closeDial!.random);
        b.pending.delete(d);
        this.failDial(d, `agent ${b.agentId} closed the dial to ${d.address}`, 502, 'dial_closed');
        return;
      }
      case PacketType.DRAIN:
        if (!b.draining) this.log(`agent ${b.agentId} (${b.key}) is draining`);
        b.draining = true;
        this.updateReady();
        return;
      case PacketType.WINDOW_UPDATE: {
        const conn = b.conns.get(p.windowUpdate!.connectID);
        conn?.up.grant(Number(p.windowUpdate!.bytes));
        return;
      }
      default:
        this.metrics.streamErrors.inc({ segment: 'from_agent', code: 'Unexpected', packet_type: packetTypeName(p.type) });
    }
  }

  private backendGone(b: Backend, why: string): void {
    if (b.gone) return;
    b.gone = true;
    this.backends.delete(b.key);
    this.updateReady();
    this.log(`agent ${b.agentId} (${b.key}) disconnected: ${why}`);
    for (const conn of b.conns.values()) {
      conn.up.kill();
      conn.down.kill();
      this.removeConn(conn);
      conn.frontend.connAborted(conn, `agent ${b.agentId} disconnected`);
    }
    b.conns.clear();
    for (const d of b.pending) {
      if (d.serverRandom) this.pendingByServerRandom.delete(d.serverRandom);
      d.backend = undefined;
      if (!d.done) this.attemptDial(d, `agent ${b.agentId} disconnected while dialing ${d.address}`);
    }
    b.pending.clear();
  }

  // ---- dials ------------------------------------------------------------------------------------

  private select(host: string, exclude: Set<string>): Backend | undefined {
    const ready = this.readyBackends().filter((b) => !exclude.has(b.key));
    for (const s of this.opts.strategies) {
      const cands = ready.filter((b) => strategyAccepts(s, b.identifiers, host));
      if (cands.length) return cands[Math.floor(Math.random() * cands.length)];
    }
    return undefined;
  }

  startDial(frontend: Frontend, random: string, address: string, trace?: { traceparent?: string; tracestate?: string }): PendingDial {
    let host = '';
    try {
      host = splitHostPort(address).host;
    } catch {
      /* failed below */
    }
    const d: PendingDial = { frontend, random, address, host, tried: new Set(), triedAgents: [], started: process.hrtime.bigint(), done: false };
    if (tracingEnabled()) {
      d.span = startSpan('konnectivity-server.Dial', { 'net.peer.name': address, 'konnectivity.server_id': this.opts.serverId }, SpanKind.SERVER, extractContext(trace?.traceparent ? { ...trace } : {}));
    }
    if (!host) {
      this.failDial(d, `invalid dial address ${JSON.stringify(address)}: want host:port`, 400, 'invalid_address');
      return d;
    }
    this.metrics.pendingDials.inc();
    d.timer = setTimeout(() => {
      if (d.backend && d.serverRandom) {
        d.backend.send(pkt.dialCls(d.serverRandom));
        d.backend.pending.delete(d);
        this.pendingByServerRandom.delete(d.serverRandom);
      }
      this.failDial(d, `dial to ${address} timed out after ${this.opts.dialTimeoutMs}ms`, 504, 'dial_timeout');
    }, this.opts.dialTimeoutMs);
    this.attemptDial(d);
    return d;
  }

  private attemptDial(d: PendingDial, previousFailure?: string): void {
    const b = d.tried.size < MAX_DIAL_ATTEMPTS ? this.select(d.host, d.tried) : undefined;
    if (!b) {
      if (previousFailure) this.failDial(d, `${previousFailure}, and no other agent is available`, 503, 'backend_disconnected');
      else this.failDial(d, `no agent available to dial ${d.address}`, 500, 'no_agent');
      return;
    }
    if (previousFailure) this.log(`${previousFailure}; retrying on agent ${b.agentId}`);
    d.tried.add(b.key);
    d.triedAgents.push(b.agentId);
    d.backend = b;
    d.serverRandom = randomID();
    this.pendingByServerRandom.set(d.serverRandom, d);
    b.pending.add(d);
    d.span?.span.setAttribute('konnectivity.agent_id', b.agentId);
    b.send(pkt.dialReq(d.address, d.serverRandom, d.span ? injectContext(d.span.ctx) : {}));
  }

  /** the front end withdrew the dial (DIAL_CLS, or it went away) */
  cancelDial(d: PendingDial): void {
    if (d.done) return;
    if (d.backend && d.serverRandom) {
      d.backend.send(pkt.dialCls(d.serverRandom));
      d.backend.pending.delete(d);
      this.pendingByServerRandom.delete(d.serverRandom);
    }
    this.finishDial(d);
    this.metrics.dialFailures.inc({ reason: 'frontend_close' });
  }

  private finishDial(d: PendingDial, error?: string): void {
    if (d.done) return;
    d.done = true;
    if (d.span) {
      if (error) d.span.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      d.span.span.end();
    }
    if (d.timer) {
      clearTimeout(d.timer);
      this.metrics.pendingDials.dec();
    }
  }

  private failDial(d: PendingDial, message: string, status: number, reason: string): void {
    if (d.done) return;
    this.finishDial(d, message);
    this.metrics.dialFailures.inc({ reason });
    this.log(`dial to ${d.address} failed: ${message}`);
    if (d.frontend.alive) d.frontend.dialFailed(d, message, status);
  }

  // ---- connections ------------------------------------------------------------------------------

  removeConn(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.backend.conns.delete(conn.agentConnId);
    this.metrics.establishedConnections.dec();
    this.metrics.connectionDuration.observe(Number(process.hrtime.bigint() - conn.started) / 1e9);
  }

  /** the front end is gone or gave up on the connection: close it at the agent now */
  abortConn(conn: Conn): void {
    if (conn.closed) return;
    conn.up.kill();
    conn.down.kill();
    conn.backend.send(pkt.closeReq(conn.agentConnId));
    this.removeConn(conn);
  }

  /** a reader fell UNCONTROLLED_QUEUE_LIMIT behind an uncontrolled sender: close that connection only */
  overflow(conn: Conn): void {
    this.metrics.flowOverflows.inc();
    this.log(`connection ${conn.backend.agentId}/${conn.agentConnId}: receive buffer overflow, closing it`);
    this.abortConn(conn);
    conn.frontend.connAborted(conn, 'receive buffer overflow: the reader is too slow');
  }

  countFrontend(segment: 'from_frontend' | 'to_frontend', t: PacketType): void {
    this.metrics.streamPackets.inc({ segment, packet_type: packetTypeName(t) });
  }
}

// ---- front ends ---------------------------------------------------------------------------------

/** One ProxyService/Proxy stream: any number of dials and connections multiplexed. */
class GrpcFrontend implements Frontend {
  alive = true;
  private nextId = 0;
  private readonly conns = new Map<string, Conn>();
  private readonly pending = new Map<string, PendingDial>();
  readonly window: number;

  constructor(
    private readonly server: ProxyServer,
    private readonly call: GrpcStream,
  ) {
    server.metrics.grpcConnections.inc({ service_method: 'ProxyService/Proxy' });
    this.window = parseWindow(call.metadata.get(MD_FLOW_CONTROL));
    const md = new grpc.Metadata();
    md.set(MD_SERVER_ID, server.opts.serverId);
    if (this.window) md.set(MD_FLOW_CONTROL, String(server.opts.window ?? DEFAULT_WINDOW));
    call.sendMetadata(md);
    call.on('data', (p: Packet) => {
      server.countFrontend('from_frontend', p.type);
      this.onPacket(p);
    });
    const gone = () => this.gone();
    call.on('end', () => {
      gone();
      call.end();
    });
    call.on('error', gone);
    call.on('close', gone);
    call.on('cancelled', gone);
  }

  get controlled(): boolean {
    return this.window > 0;
  }
  get downCredit(): number {
    return this.window || Infinity;
  }

  private send(p: Packet): void {
    if (!this.alive) return;
    this.server.countFrontend('to_frontend', p.type);
    const t = process.hrtime.bigint();
    this.call.write(p, () => this.server.metrics.frontendWriteDuration.observe(Number(process.hrtime.bigint() - t) / 1e9));
  }

  private onPacket(p: Packet): void {
    switch (p.type) {
      case PacketType.DIAL_REQ: {
        const r = p.dialRequest!;
        const d = this.server.startDial(this, r.random, r.address, r);
        if (!d.done) this.pending.set(r.random, d);
        return;
      }
      case PacketType.DIAL_CLS: {
        const d = this.pending.get(p.closeDial!.random);
        if (d) {
          this.pending.delete(p.closeDial!.random);
          this.server.cancelDial(d);
        }
        return;
      }
      case PacketType.DATA: {
        const conn = this.conns.get(p.data!.connectID);
        if (!conn) {
          if (p.data!.connectID !== '0') this.send(pkt.closeRsp(p.data!.connectID, `unknown connectID ${p.data!.connectID}`));
          return;
        }
        for (const c of chunks(p.data!.data)) conn.up.push(c);
        const limit = this.window ? Math.max(UNCONTROLLED_QUEUE_LIMIT, 4 * (this.server.opts.window ?? DEFAULT_WINDOW)) : UNCONTROLLED_QUEUE_LIMIT;
        if (conn.up.buffered > limit) this.server.overflow(conn);
        return;
      }
      case PacketType.CLOSE_REQ: {
        const id = p.closeRequest!.connectID;
        const conn = this.conns.get(id);
        if (!conn) {
          this.send(pkt.closeRsp(id, `unknown connectID ${id}`));
          return;
        }
        conn.up.end();
        return;
      }
      case PacketType.WINDOW_UPDATE: {
        this.conns.get(p.windowUpdate!.connectID)?.down.grant(Number(p.windowUpdate!.bytes));
        return;
      }
      default:
        this.server.metrics.streamErrors.inc({ segment: 'from_frontend', code: 'Unexpected', packet_type: packetTypeName(p.type) });
    }
  }

  private gone(): void {
    if (!this.alive) return;
    this.alive = false;
    this.server.metrics.grpcConnections.dec({ service_method: 'ProxyService/Proxy' });
    for (const d of this.pending.values()) this.server.cancelDial(d);
    this.pending.clear();
    for (const c of this.conns.values()) this.server.abortConn(c);
    this.conns.clear();
  }

  dialSucceeded(d: PendingDial, conn: Conn): void {
    this.pending.delete(d.random);
    conn.frontendConnId = String(++this.nextId);
    this.conns.set(conn.frontendConnId, conn);
    this.send(pkt.dialRsp(d.random, conn.frontendConnId));
  }

  dialFailed(d: PendingDial, message: string): void {
    this.pending.delete(d.random);
    this.send(pkt.dialRsp(d.random, '0', message));
  }

  downSink(conn: Conn): PipeSink {
    return {
      write: (chunk, done) => {
        this.send(pkt.data(conn.frontendConnId, chunk));
        done();
      },
      end: () => {
        this.conns.delete(conn.frontendConnId);
        this.server.removeConn(conn);
        this.send(pkt.closeRsp(conn.frontendConnId));
      },
    };
  }

  upForwarded(conn: Conn, bytes: number): void {
    if (this.window && !conn.closed) this.send(pkt.window(conn.frontendConnId, bytes));
  }

  connAborted(conn: Conn, error: string): void {
    if (!this.conns.delete(conn.frontendConnId)) return;
    this.send(pkt.closeRsp(conn.frontendConnId, error));
  }
}

/** One HTTP CONNECT socket: one dial, then raw bytes. */
class HttpFrontend implements Frontend {
  alive = true;
  readonly controlled = true;
  readonly downCredit = Infinity; // bounded by the socket write callbacks instead
  private conn?: Conn;
  private dial?: PendingDial;
  private head = Buffer.alloc(0);
  private readonly window: number;

  constructor(
    private readonly server: ProxyServer,
    private readonly socket: Socket,
  ) {
    this.window = server.opts.window ?? DEFAULT_WINDOW;
    server.metrics.httpConnections.inc();
    socket.on('error', () => {});
    socket.on('close', () => this.gone());
    socket.on('data', this.onHead);
    socket.setTimeout(30_000, () => {
      if (!this.dial) socket.destroy();
    });
  }

  private readonly onHead = (b: Buffer): void => {
    this.head = Buffer.concat([this.head, b]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > 16 * 1024) this.reply(431, 'Request Header Fields Too Large', 'request header too large');
      return;
    }
    this.socket.off('data', this.onHead);
    this.socket.setTimeout(0);
    this.socket.pause();
    const rest = this.head.subarray(end + 4);
    const line = this.head.subarray(0, end).toString('latin1').split('\r\n')[0];
    this.head = rest;
    const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(line);
    if (!m) return this.reply(405, 'Method Not Allowed', 'only CONNECT is supported');
    this.dial = this.server.startDial(this, randomID(), m[1]);
  };

  private reply(status: number, text: string, body: string): void {
    this.socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  dialSucceeded(_d: PendingDial, conn: Conn): void {
    this.conn = conn;
    conn.frontendConnId = conn.agentConnId;
    this.socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (this.head.length) for (const c of chunks(this.head)) conn.up.push(c);
    this.head = Buffer.alloc(0);
    this.socket.on('data', (b: Buffer) => {
      for (const c of chunks(b)) conn.up.push(c);
      if (conn.up.buffered > this.window) this.socket.pause();
    });
    this.socket.on('end', () => conn.up.end());
    if (conn.up.buffered <= this.window) this.socket.resume();
  }

  dialFailed(_d: PendingDial, message: string, status: number): void {
    const text: Record<number, string> = { 400: 'Bad Request', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
    this.reply(status, text[status] ?? 'Error', message);
  }

  downSink(conn: Conn): PipeSink {
    return {
      write: (chunk, done) => {
        if (this.socket.destroyed) return done();
        this.socket.write(chunk, () => done());
      },
      end: () => {
        this.server.removeConn(conn);
        this.socket.end();
      },
    };
  }

  upForwarded(conn: Conn): void {
    if (this.socket.isPaused() && conn.up.buffered <= this.window / 2 && !this.socket.destroyed) this.socket.resume();
  }

  connAborted(): void {
    this.socket.destroy();
  }

  private gone(): void {
    if (!this.alive) return;
    this.alive = false;
    this.server.metrics.httpConnections.dec();
    if (this.dial && !this.dial.done) this.server.cancelDial(this.dial);
    if (this.conn && !this.conn.closed) this.server.abortConn(this.conn);
  }
}

// ---- helpers ------------------------------------------------------------------------------------

/** a leftover socket file from an earlier run would make the bind fail (as upstream, remove it) */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // does not exist
  }
}

function bindUnix(server: grpc.Server, path: string): Promise<void> {
  removeStaleSocket(path);
  return new Promise((resolve, reject) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
}

function bind(server: grpc.Server, host: string, port: number, creds: grpc.ServerCredentials): Promise<number> {
  const h = host === '' ? '0.0.0.0' : host.includes(':') ? `[${host}]` : host;
  return new Promise((resolve, reject) => server.bindAsync(`${h}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))));
}

/** listens on host:port ('' = all interfaces, 0 = a free port) and resolves to the bound port; a listen error rejects */
export function listen(server: NetServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || undefined, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}
