/**
 * TunnelDialer: the API server's side of the Konnectivity tunnel (gRPC mode). One long-lived
 * ProxyService/Proxy stream carries any number of connections; `dial(host, port)` resolves to a
 * net.Duplex-like TunnelSocket once the agent has connected, or rejects with the server's error.
 *
 * Flow control (flow.ts): when the server advertises `kubernest-flow-control`, each socket
 * returns credit only as its user reads, so a socket nobody reads holds at most a window of data
 * while the others keep flowing; writes wait for credit (the write callback is held back). With a
 * server that does not take part (upstream), incoming data is buffered up to
 * UNCONTROLLED_QUEUE_LIMIT per socket, beyond which that socket is destroyed.
 */
import { injectContext, SpanKind, tracingEnabled, withSpan } from '../../tracing/src';
import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { creditBatch, DEFAULT_WINDOW, MAX_CHUNK, parseWindow, UNCONTROLLED_QUEUE_LIMIT } from './flow';
import { tunnelChannelOptions } from './grpc-tuning';
import { MD_FLOW_CONTROL, Packet, PacketType, pkt, proxyService, randomID } from './proto';

export interface TunnelDialerOptions {
  /** the proxy server's front end, host:port */
  address: string;
  /** mutual TLS towards the front end (absent: plaintext) */
  tls?: { caFile: string; certFile?: string; keyFile?: string; serverName?: string };
  /** how long a dial may take before it is cancelled (DIAL_CLS) */
  dialTimeoutMs?: number;
  /** our per-connection receive window */
  window?: number;
}

export class TunnelDialError extends Error {
  constructor(
    message: string,
    readonly address: string,
  ) {
    super(message);
    this.name = 'TunnelDialError';
  }
}

type Call = grpc.ClientDuplexStream<Packet, Packet>;

interface Pending {
  address: string;
  resolve(s: TunnelSocket): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** One tunnelled connection. Behaves like a net.Socket for streaming (no half-close: end() closes). */
export class TunnelSocket extends Duplex {
  /** bytes the server may still send before we return credit */
  private owed = 0;
  private sendCredit: number;
  private waiting?: { chunk: Buffer; cb: (e?: Error | null) => void };
  private closedByPeer = false;
  private closeSent = false;
  private finalCb?: (e?: Error | null) => void;

  constructor(
    private readonly tunnel: Tunnel,
    readonly connectID: string,
    readonly remoteAddress: string,
  ) {
    super({ allowHalfOpen: false, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.sendCredit = tunnel.peerWindow || Infinity;
  }

  // incoming ----------------------------------------------------------------------------------

  /** @internal */ onData(b: Buffer): void {
    if (this.destroyed || this.readableEnded) return;
    this.push(b);
    if (this.tunnel.peerWindow) {
      this.owed += b.length;
      if (this.readableLength <= this.readableHighWaterMark) this.returnCredit();
    } else if (this.readableLength > UNCONTROLLED_QUEUE_LIMIT) {
      this.destroy(new Error('receive buffer overflow: the reader is too slow'));
    }
  }

  private returnCredit(): void {
    // batched (creditBatch): one WINDOW_UPDATE per quarter window read, not one per DATA packet
    if (this.owed >= this.tunnel.creditBatch && this.owed > 0 && !this.closeSent) {
      this.tunnel.send(pkt.window(this.connectID, this.owed));
      this.owed = 0;
    }
  }

  override _read(): void {
    this.returnCredit();
  }

  /** @internal */ onWindow(n: number): void {
    this.sendCredit += n;
    const w = this.waiting;
    if (w && this.sendCredit > 0) {
      this.waiting = undefined;
      this._write(w.chunk, 'binary', w.cb);
    }
  }

  /** @internal */ onClosed(error: string): void {
    this.closedByPeer = true;
    if (error) {
      this.destroy(new Error(`tunnel connection to ${this.remoteAddress} closed: ${error}`));
      return;
    }
    this.push(null);
    if (this.finalCb) {
      const cb = this.finalCb;
      this.finalCb = undefined;
      cb();
    }
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.cb(new Error('connection closed by the remote end'));
    }
  }

  // outgoing ----------------------------------------------------------------------------------

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.closedByPeer || this.closeSent) return cb(new Error('write after the tunnel connection closed'));
    let off = 0;
    while (off < chunk.length && this.sendCredit > 0) {
      const c = chunk.subarray(off, off + MAX_CHUNK);
      off += c.length;
      this.sendCredit -= c.length;
      this.tunnel.send(pkt.data(this.connectID, c));
    }
    if (off < chunk.length) this.waiting = { chunk: chunk.subarray(off), cb };
    else cb();
  }

  /**
   * Writes buffered together (corked, or queued while waiting for credit) leave as few DATA packets
   * as possible (each packet costs a gRPC message at every hop); split again at MAX_CHUNK.
   */
  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    this._write(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), 'binary', cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.closedByPeer) return cb();
    this.sendClose();
    this.finalCb = cb; // done when CLOSE_RSP arrives
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.closedByPeer) this.sendClose();
    this.tunnel.forget(this.connectID);
    const w = this.waiting;
    this.waiting = undefined;
    w?.cb(err ?? new Error('destroyed'));
    cb(err);
  }

  private sendClose(): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.tunnel.send(pkt.closeReq(this.connectID));
  }

  // net.Socket look-alikes used by HTTP clients
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(ms: number, cb?: () => void): this {
    if (cb && ms > 0) setTimeout(cb, ms).unref();
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** One Proxy stream. */
class Tunnel {
  readonly call: Call;
  peerWindow = 0;
  dead = false;
  /** credit is returned in batches of this many bytes (a quarter of our window) */
  readonly creditBatch: number;
  private readonly pending = new Map<string, Pending>();
  private readonly sockets = new Map<string, TunnelSocket>();

  constructor(
    client: grpc.Client,
    private readonly window: number,
    private readonly onDead: (t: Tunnel) => void,
  ) {
    this.creditBatch = creditBatch(window);
    const md = new grpc.Metadata();
    md.set(MD_FLOW_CONTROL, String(window));
    this.call = client.makeBidiStreamRequest(proxyService.Proxy.path, proxyService.Proxy.requestSerialize, proxyService.Proxy.responseDeserialize, md);
    // headers always precede the first DIAL_RSP, so the window is known before any socket exists
    this.call.once('metadata', (m: grpc.Metadata) => (this.peerWindow = parseWindow(m.get(MD_FLOW_CONTROL))));
    this.call.on('data', (p: Packet) => this.onPacket(p));
    this.call.on('error', (e: Error) => this.die(`tunnel stream failed: ${e.message}`));
    this.call.on('end', () => this.die('tunnel stream ended'));
  }

  send(p: Packet): void {
    if (!this.dead) this.call.write(p);
  }

  forget(connectID: string): void {
    this.sockets.delete(connectID);
  }

  dial(address: string, timeoutMs: number): Promise<TunnelSocket> {
    if (!tracingEnabled()) return this.dialTraced(address, timeoutMs);
    // the span's context travels in the DIAL_REQ, so the tunnel server and agent join the trace
    return withSpan('konnectivity.Dial', { 'net.peer.name': address }, () => this.dialTraced(address, timeoutMs), SpanKind.CLIENT);
  }

  private dialTraced(address: string, timeoutMs: number): Promise<TunnelSocket> {
    if (this.dead) return Promise.reject(new TunnelDialError(`dial ${address}: tunnel is not connected`, address));
    const random = randomID();
    return new Promise<TunnelSocket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(random);
        this.send(pkt.dialCls(random));
        reject(new TunnelDialError(`dial ${address} through the tunnel timed out after ${timeoutMs}ms`, address));
      }, timeoutMs);
      this.pending.set(random, { address, resolve, reject, timer });
      this.send(pkt.dialReq(address, random, injectContext()));
    });
  }

  private onPacket(p: Packet): void {
    switch (p.type) {
      case PacketType.DIAL_RSP: {
        const r = p.dialResponse!;
        const d = this.pending.get(r.random);
        if (!d) {
          if (!r.error && r.connectID !== '0') this.send(pkt.closeReq(r.connectID));
          return;
        }
        this.pending.delete(r.random);
        clearTimeout(d.timer);
        if (r.error) return d.reject(new TunnelDialError(`dial ${d.address} through the tunnel failed: ${r.error}`, d.address));
        const s = new TunnelSocket(this, r.connectID, d.address);
        this.sockets.set(r.connectID, s);
        d.resolve(s);
        return;
      }
      case PacketType.DATA:
        this.sockets.get(p.data!.connectID)?.onData(p.data!.data);
        return;
      case PacketType.CLOSE_RSP: {
        const s = this.sockets.get(p.closeResponse!.connectID);
        this.sockets.delete(p.closeResponse!.connectID);
        s?.onClosed(p.closeResponse!.error);
        return;
      }
      case PacketType.WINDOW_UPDATE:
        this.sockets.get(p.windowUpdate!.connectID)?.onWindow(Number(p.windowUpdate!.bytes));
        return;
      default:
        return;
    }
  }

  die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.onDead(this);
    for (const d of this.pending.values()) {
      clearTimeout(d.timer);
      d.reject(new TunnelDialError(`dial ${d.address}: ${why}`, d.address));
    }
    this.pending.clear();
    for (const s of this.sockets.values()) s.destroy(new Error(`tunnel connection to ${s.remoteAddress}: ${why}`));
    this.sockets.clear();
    this.call.cancel();
  }
}

export class TunnelDialer {
  private readonly client: grpc.Client;
  private tunnel?: Tunnel;
  private readonly window: number;
  private readonly dialTimeoutMs: number;

  constructor(readonly opts: TunnelDialerOptions) {
    const creds = opts.tls
      ? grpc.credentials.createSsl(
          readFileSync(opts.tls.caFile),
          opts.tls.keyFile ? readFileSync(opts.tls.keyFile) : null,
          opts.tls.certFile ? readFileSync(opts.tls.certFile) : null,
        )
      : grpc.credentials.createInsecure();
    const channelOpts: grpc.ChannelOptions = tunnelChannelOptions();
    if (opts.tls?.serverName) channelOpts['grpc.ssl_target_name_override'] = opts.tls.serverName;
    this.client = new grpc.Client(opts.address, creds, channelOpts);
    this.window = opts.window ?? DEFAULT_WINDOW;
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 30_000;
  }

  /** Open a TCP connection to host:port through the tunnel. */
  dial(host: string, port: number): Promise<TunnelSocket> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    if (!this.tunnel || this.tunnel.dead) {
      this.tunnel = new Tunnel(this.client, this.window, (t) => {
        if (this.tunnel === t) this.tunnel = undefined;
      });
    }
    return this.tunnel.dial(address, this.dialTimeoutMs);
  }

  close(): void {
    this.tunnel?.die('dialer closed');
    this.client.close();
  }
}

