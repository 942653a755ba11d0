/**
 * A SPDY/3.1 session over any Duplex (a TLS socket after `Upgrade: SPDY/3.1`, or the byte stream
 * carried in WebSocket binary messages for `SPDY/3.1+portforward.k8s.io`). Server role by default:
 * the peer opens odd streams, we open even ones; our PINGs are even.
 *
 * Flow control (SPDY/3.1 section 2.6.8): every stream starts with a 64 KiB receive window and the
 * session with 64 KiB; WINDOW_UPDATE frames are sent as the application consumes data. On the
 * sending side the peer's stream and session windows are tracked, and enforced once the peer shows
 * it does flow control (it sends WINDOW_UPDATE or SETTINGS_INITIAL_WINDOW_SIZE) — `enforcePeerWindow:
 * 'auto'`. moby/spdystream (kubectl, the kubelet) never sends WINDOW_UPDATE and relies on TCP
 * backpressure alone, so with it data is never held back waiting for an update that cannot come; its
 * sending is bounded instead by pausing the transport while a stream's unread buffer is over
 * `maxBuffered`.
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  encodeData,
  encodeGoAway,
  encodeHeaders,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  Frame,
  FrameParser,
  GoAwayStatus,
  HeaderCompressor,
  HeaderDecompressor,
  Headers,
  RstStatus,
  Settings,
  SpdyProtocolError,
} from './frames';

export const DEFAULT_WINDOW = 64 * 1024;

export interface SessionOptions {
  /** server (default): peer streams are odd */
  server?: boolean;
  /** our receive window per stream (and for the session); default 64 KiB */
  initialWindow?: number;
  /** 'auto' (default): enforce the peer's windows once it has sent WINDOW_UPDATE/SETTINGS */
  enforcePeerWindow?: 'auto' | 'always' | 'never';
  /** largest DATA payload we send; default 32 KiB */
  maxDataFrame?: number;
  /** pause reading the transport while one stream has more than this unread; default 1 MiB */
  maxBuffered?: number;
  /** announce our initial window with SETTINGS at start (default false: 64 KiB is the protocol default) */
  sendSettings?: boolean;
}

interface Pending {
  data: Buffer;
  cb: (err?: Error | null) => void;
}

export class SpdyStream extends Duplex {
  replied = false;
  /** set when either side reset the stream */
  resetStatus?: number;
  localClosed = false;
  remoteClosed = false;
  sendWindow: number;
  recvWindow: number;
  received = 0;
  acked = 0;
  pending: Pending[] = [];
  finPending: (() => void) | null = null;

  constructor(
    readonly session: SpdySession,
    readonly id: number,
    /** the SYN_STREAM headers (ours for streams we open) */
    readonly headers: Headers,
    sendWindow: number,
    recvWindow: number,
  ) {
    super({ allowHalfOpen: true });
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }

  /** SYN_REPLY (for peer-initiated streams). */
  reply(headers: Headers = {}, fin = false): void {
    if (this.replied || this.resetStatus !== undefined) return;
    this.replied = true;
    this.session.sendFrame(encodeSynReply(this.session.compressor, this.id, headers, fin));
    if (fin) this.markLocalClosed();
  }

  /** A HEADERS frame. */
  sendHeaders(headers: Headers, fin = false): void {
    this.session.sendFrame(encodeHeaders(this.session.compressor, this.id, headers, fin));
    if (fin) this.markLocalClosed();
  }

  /** RST_STREAM and tear down. */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    if (!(this.localClosed && this.remoteClosed)) this.session.sendFrame(encodeRstStream(this.id, status));
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.resetStatus !== undefined || this.localClosed) return cb(new Error('write on a closed SPDY stream'));
    if (!this.replied && this.session.isPeerStream(this.id)) this.reply();
    this.pending.push({ data: chunk, cb });
    this.session.flushStream(this);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.resetStatus !== undefined || this.localClosed) return cb();
    if (!this.replied && this.session.isPeerStream(this.id)) this.reply();
    this.finPending = () => {
      this.finPending = null;
      this.session.sendFrame(encodeData(this.id, Buffer.alloc(0), true));
      this.markLocalClosed();
      cb();
    };
    this.session.flushStream(this);
  }

  override _read(): void {
    this.session.consumed(this);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (this.resetStatus === undefined && !(this.localClosed && this.remoteClosed) && !this.session.closed) {
      this.resetStatus = RstStatus.CANCEL;
      this.session.sendFrame(encodeRstStream(this.id, RstStatus.CANCEL));
    }
    for (const p of this.pending.splice(0)) p.cb(err ?? new Error('SPDY stream closed'));
    this.session.forget(this);
    cb(err);
  }

  /** @internal */
  markLocalClosed(): void {
    this.localClosed = true;
    this.session.maybeForget(this);
  }
}

export class SpdySession extends EventEmitter {
  readonly compressor = new HeaderCompressor();
  private readonly parser = new FrameParser(new HeaderDecompressor());
  private readonly streams = new Map<number, SpdyStream>();
  private readonly server: boolean;
  private readonly initialWindow: number;
  private readonly maxDataFrame: number;
  private readonly maxBuffered: number;
  private enforce: boolean;
  private readonly enforceMode: 'auto' | 'always' | 'never';
  private peerInitialWindow = DEFAULT_WINDOW;
  private sendWindow = DEFAULT_WINDOW;
  private recvUnacked = 0;
  private lastPeerStream = 0;
  private nextStreamId: number;
  private nextPingId: number;
  private readonly pings = new Map<number, () => void>();
  private drainWaiters: (() => void)[] = [];
  private readonly blocked = new Set<SpdyStream>();
  closed = false;
  goneAway = false;

  constructor(
    readonly socket: Duplex,
    opts: SessionOptions = {},
  ) {
    super();
    this.server = opts.server ?? true;
    this.initialWindow = opts.initialWindow ?? DEFAULT_WINDOW;
    this.maxDataFrame = opts.maxDataFrame ?? 32 * 1024;
    this.maxBuffered = opts.maxBuffered ?? 1024 * 1024;
    this.enforceMode = opts.enforcePeerWindow ?? 'auto';
    this.enforce = this.enforceMode === 'always';
    this.nextStreamId = this.server ? 2 : 1;
    this.nextPingId = this.server ? 2 : 1;
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('drain', () => {
      const w = this.drainWaiters.splice(0);
      for (const f of w) f();
    });
    socket.on('end', () => this.terminate());
    socket.on('close', () => this.terminate());
    socket.on('error', (e) => {
      this.emit('transportError', e);
      this.terminate();
    });
    if (opts.sendSettings) this.sendFrame(encodeSettings([{ id: Settings.INITIAL_WINDOW_SIZE, value: this.initialWindow }]));
  }

  get streamCount(): number {
    return this.streams.size;
  }

  isPeerStream(id: number): boolean {
    return (id % 2 === 1) === this.server;
  }

  /** Open a stream (SYN_STREAM). */
  openStream(headers: Headers, opts: { fin?: boolean; unidirectional?: boolean; priority?: number } = {}): SpdyStream {
    if (this.closed || this.goneAway) throw new Error('SPDY session is closed');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new SpdyStream(this, id, headers, this.peerInitialWindow, this.initialWindow);
    s.replied = true; // our own stream: the reply is the peer's
    this.streams.set(id, s);
    const flags = (opts.fin ? FLAG_FIN : 0) | (opts.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
    this.sendFrame(encodeSynStream(this.compressor, { streamId: id, priority: opts.priority ?? 0, flags, headers }));
    if (opts.fin) s.localClosed = true;
    if (opts.unidirectional) {
      s.remoteClosed = true;
      s.push(null);
    }
    return s;
  }

  ping(): Promise<number> {
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) >>> 0;
    const start = process.hrtime.bigint();
    return new Promise<number>((resolve, reject) => {
      if (this.closed) return reject(new Error('SPDY session is closed'));
      this.pings.set(id, () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
      this.once('close', () => reject(new Error('SPDY session closed')));
      this.sendFrame(encodePing(id));
    });
  }

  /** GOAWAY, then end the transport once every stream is done (or at once with `now`). */
  goAway(status: number = GoAwayStatus.OK, now = false): void {
    if (!this.goneAway && !this.closed) this.sendFrame(encodeGoAway(this.lastPeerStream, status));
    this.goneAway = true;
    if (now || this.streams.size === 0) this.endTransport();
  }

  destroy(): void {
    this.socket.destroy();
    this.terminate();
  }

  // sending -----------------------------------------------------------------------------------

  /** @internal */
  sendFrame(buf: Buffer): boolean {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) return false;
    return this.socket.write(buf);
  }

  /** @internal: move a stream's queued data out as far as windows and the transport allow. */
  flushStream(s: SpdyStream): void {
    while (s.pending.length) {
      if (this.closed) return;
      const p = s.pending[0];
      let n = Math.min(p.data.length, this.maxDataFrame);
      if (this.enforce) n = Math.min(n, s.sendWindow, this.sendWindow);
      if (n <= 0 && p.data.length > 0) return; // wait for WINDOW_UPDATE
      const part = p.data.subarray(0, n);
      s.sendWindow -= n;
      this.sendWindow -= n;
      const ok = this.sendFrame(encodeData(s.id, part));
      if (n === p.data.length) {
        s.pending.shift();
        if (ok || this.closed) p.cb();
        else this.drainWaiters.push(() => p.cb());
      } else {
        p.data = p.data.subarray(n);
      }
    }
    if (s.finPending) s.finPending();
  }

  private flushAll(): void {
    for (const s of this.streams.values()) if (s.pending.length || s.finPending) this.flushStream(s);
  }

  // receiving ---------------------------------------------------------------------------------

  /** @internal: the application read from the stream; open the windows again. */
  consumed(s: SpdyStream): void {
    const consumed = s.received - s.readableLength;
    const delta = consumed - s.acked;
    if (delta > 0 && (delta >= this.initialWindow / 2 || s.readableLength === 0) && !s.remoteClosed && s.resetStatus === undefined) {
      s.acked += delta;
      s.recvWindow += delta;
      this.sendFrame(encodeWindowUpdate(s.id, delta));
    }
    if (this.blocked.has(s) && s.readableLength <= this.maxBuffered / 2) {
      this.blocked.delete(s);
      if (this.blocked.size === 0 && !this.closed) this.socket.resume();
    }
  }

  private onData(buf: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.parser.push(buf);
    } catch (e) {
      this.protocolError(e as Error);
      return;
    }
    for (const f of frames) {
      try {
        this.onFrame(f);
      } catch (e) {
        this.protocolError(e as Error);
        return;
      }
      if (this.closed) return;
    }
  }

  private protocolError(e: Error): void {
    this.emit('protocolError', e);
    this.goAway(GoAwayStatus.PROTOCOL_ERROR, true);
    this.terminate();
  }

  private onFrame(f: Frame): void {
    this.emit('frame', f);
    switch (f.type) {
      case 'data':
        return this.onDataFrame(f.streamId, f.flags, f.data);
      case 'syn_stream': {
        if (!this.isPeerStream(f.streamId) || f.streamId <= this.lastPeerStream) {
          this.sendFrame(encodeRstStream(f.streamId, RstStatus.PROTOCOL_ERROR));
          return;
        }
        this.lastPeerStream = f.streamId;
        if (this.goneAway) {
          this.sendFrame(encodeRstStream(f.streamId, RstStatus.REFUSED_STREAM));
          return;
        }
        const s = new SpdyStream(this, f.streamId, f.headers, this.peerInitialWindow, this.initialWindow);
        this.streams.set(f.streamId, s);
        if (f.flags & FLAG_UNIDIRECTIONAL) s.localClosed = true;
        this.emit('stream', s);
        if (f.flags & FLAG_FIN) this.remoteFin(s);
        return;
      }
      case 'syn_reply':
      case 'headers': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.emit(f.type === 'syn_reply' ? 'response' : 'headers', f.headers);
        if (f.flags & FLAG_FIN) this.remoteFin(s);
        return;
      }
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.resetStatus = f.status;
        s.emit('reset', f.status);
        s.destroy();
        return;
      }
      case 'settings':
        for (const e of f.entries) {
          if (e.id === Settings.INITIAL_WINDOW_SIZE) {
            const delta = e.value - this.peerInitialWindow;
            this.peerInitialWindow = e.value;
            for (const s of this.streams.values()) s.sendWindow += delta;
            if (this.enforceMode === 'auto') this.enforce = true;
          }
        }
        this.emit('settings', f.entries);
        this.flushAll();
        return;
      case 'ping':
        if ((f.id % 2 === 0) === this.server) {
          const done = this.pings.get(f.id);
          this.pings.delete(f.id);
          done?.();
        } else this.sendFrame(encodePing(f.id));
        return;
      case 'goaway':
        this.goneAway = true;
        this.emit('goaway', f.lastGoodStreamId, f.status);
        if (this.streams.size === 0) this.endTransport();
        return;
      case 'window_update': {
        if (this.enforceMode === 'auto') this.enforce = true;
        if (f.streamId === 0) {
          this.sendWindow += f.delta;
          this.flushAll();
        } else {
          const s = this.streams.get(f.streamId);
          if (!s) return;
          s.sendWindow += f.delta;
          if (s.sendWindow > 0x7fffffff) {
            s.reset(RstStatus.FLOW_CONTROL_ERROR);
            return;
          }
          this.flushStream(s);
        }
        return;
      }
      default:
        return; // unknown control frames are ignored (spec 2.2.1)
    }
  }

  private onDataFrame(id: number, flags: number, data: Buffer): void {
    if (data.length) {
      this.recvUnacked += data.length;
      if (this.recvUnacked >= this.initialWindow / 2) {
        this.sendFrame(encodeWindowUpdate(0, this.recvUnacked));
        this.recvUnacked = 0;
      }
    }
    const s = this.streams.get(id);
    if (!s) {
      // late frames for a stream we already closed or reset are dropped; others are invalid
      if (id > (this.isPeerStream(id) ? this.lastPeerStream : this.nextStreamId - 2)) this.sendFrame(encodeRstStream(id, RstStatus.INVALID_STREAM));
      return;
    }
    if (s.remoteClosed) {
      s.reset(RstStatus.STREAM_ALREADY_CLOSED);
      return;
    }
    if (data.length) {
      s.recvWindow -= data.length;
      s.received += data.length;
      s.push(data);
      if (s.readableLength > this.maxBuffered && !this.blocked.has(s)) {
        this.blocked.add(s);
        this.socket.pause();
      }
      this.consumed(s);
    }
    if (flags & FLAG_FIN) this.remoteFin(s);
  }

  private remoteFin(s: SpdyStream): void {
    if (s.remoteClosed) return;
    s.remoteClosed = true;
    s.push(null);
    this.maybeForget(s);
  }

  /** @internal */
  maybeForget(s: SpdyStream): void {
    if (s.localClosed && s.remoteClosed) this.forget(s);
  }

  /** @internal */
  forget(s: SpdyStream): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    if (this.blocked.delete(s) && this.blocked.size === 0 && !this.closed) this.socket.resume();
    this.emit('streamClosed', s);
    if (this.goneAway && this.streams.size === 0) this.endTransport();
  }

  private endTransport(): void {
    if (!this.socket.writableEnded && !this.socket.destroyed) this.socket.end();
  }

  private terminate(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) {
      if (!s.remoteClosed) {
        s.remoteClosed = true;
        s.push(null);
      }
      s.destroy();
    }
    this.streams.clear();
    const w = this.drainWaiters.splice(0);
    for (const f of w) f();
    if (!this.socket.destroyed) this.socket.destroy();
    this.emit('close');
  }
}

export { SpdyProtocolError };
