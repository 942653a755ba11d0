/**
 * The Kubernetes channel WebSocket framing (k8s.io/apimachinery wsstream): every message starts
 * with one channel byte; binary subprotocols carry raw bytes after it, base64 ones the channel as
 * an ASCII digit followed by base64 text. v5.channel.k8s.io adds the close signal: a client
 * message [255, n] half-closes channel n (stdin).
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';

export const CLOSE_SIGNAL = 255;

/** subprotocols in the kubelet's remotecommand (exec/attach) websocket handler */
export const REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io', ''];
/** subprotocols in the kubelet's port-forward websocket handler */
export const PORTFORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', ''];

/** wsstream's handshake: the first protocol the client offers that the server supports; '' when none is offered */
export function negotiateProtocol(req: IncomingMessage, supported: string[]): string | undefined {
  const header = req.headers['sec-websocket-protocol'];
  const offered = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (offered.length === 0) return supported.includes('') ? '' : undefined;
  return offered.find((p) => supported.includes(p) && p !== '');
}

export class ChannelConn {
  readonly base64: boolean;
  readonly v5: boolean;
  readonly v4plus: boolean;
  private readonly handlers = new Map<number, (data: Buffer) => void>();
  private readonly closeHandlers = new Map<number, () => void>();

  constructor(
    readonly ws: WebSocket,
    readonly protocol: string,
  ) {
    this.base64 = protocol.includes('base64');
    this.v5 = protocol === 'v5.channel.k8s.io';
    this.v4plus = this.v5 || protocol.startsWith('v4.');
    ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
      let data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
      if (data.length === 0) return;
      let ch = data[0];
      if (this.v5 && ch === CLOSE_SIGNAL) {
        if (data.length >= 2) this.closeHandlers.get(data[1])?.();
        return;
      }
      data = data.subarray(1);
      if (this.base64) {
        ch = ch - 0x30;
        data = Buffer.from(data.toString('latin1'), 'base64');
      }
      this.handlers.get(ch)?.(data);
    });
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  onData(ch: number, fn: (data: Buffer) => void): void {
    this.handlers.set(ch, fn);
  }

  /** v5 close signal for channel ch */
  onRemoteClose(ch: number, fn: () => void): void {
    this.closeHandlers.set(ch, fn);
  }

  /** `cb` once the message has been written to the socket (or failed): backpressure for bulk senders */
  write(ch: number, data: Buffer | string, cb?: (err?: Error) => void): void {
    if (!this.open) return cb?.(new Error('WebSocket is not open'));
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.base64) this.ws.send(String.fromCharCode(0x30 + ch) + buf.toString('base64'), { binary: false }, cb);
    else this.ws.send(Buffer.concat([Buffer.from([ch]), buf]), { binary: true }, cb);
  }

  close(code = 1000): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code);
  }
}
