/**
 * Per-connection flow control (a Kubernest extension; upstream has none, see README).
 *
 * Every connection is a chain of legs: target socket <-> agent <-> [agent stream] <-> server <->
 * [front-end stream or CONNECT socket] <-> dialer <-> user. Many connections share one gRPC
 * stream per leg, so gRPC's own (per-stream) flow control cannot separate them: if one hop stopped
 * reading the shared stream because one connection's consumer is slow, every connection on it
 * would stall. Instead each hop always reads its streams, and each connection has its own credit
 * per leg and direction (hop by hop):
 *
 * - a sender may send DATA for a connection while its credit for that leg is > 0 (a chunk may
 *   overdraw by at most one chunk, <= MAX_CHUNK); each DATA byte costs one credit;
 * - the receiver returns credit with WINDOW_UPDATE{connectID, bytes} once it has passed the bytes
 *   on (written to the target socket, to the CONNECT socket, forwarded on the next leg, or read by
 *   the dialer's user);
 * - a sender without credit stops reading its source: the agent pauses the target socket, the
 *   server pauses the CONNECT socket or simply stops returning credit to the previous leg, the
 *   dialer holds back the user's write callback.
 *
 * So a connection whose reader never reads buffers at most one window per hop and then its
 * target socket is paused (TCP backpressure to the remote end); other connections keep flowing.
 *
 * Both peers of a leg advertise `kubernest-flow-control: <initial window>` in metadata; without
 * it (an upstream Go agent or client) the leg is uncontrolled: credit is infinite and the
 * receiving hop bounds its per-connection queue at UNCONTROLLED_QUEUE_LIMIT instead, closing
 * that one connection (error "receive buffer overflow") when a reader falls that far behind.
 */

export const DEFAULT_WINDOW = 1024 * 1024;

/**
 * Returned credit is batched: a receiver sends WINDOW_UPDATE once it owes at least this much of
 * its window (a quarter), not once per DATA packet. Every WINDOW_UPDATE is a gRPC message at each
 * hop, so per-packet updates doubled the message count of a busy connection. It cannot stall a
 * sender: a stalled sender has a whole window outstanding, so once the receiver has passed it on
 * it owes at least a window, more than the threshold.
 */
export function creditBatch(window: number): number {
  // of the window as peers see it (parseWindow caps what they accept)
  return window > 0 ? Math.max(1, Math.floor(Math.min(window, MAX_WINDOW) / 4)) : 0;
}
export const MAX_CHUNK = 256 * 1024;
export const UNCONTROLLED_QUEUE_LIMIT = 8 * 1024 * 1024;
/** the largest window a peer's metadata may announce (larger values are cut to this) */
export const MAX_WINDOW = 64 * 1024 * 1024;

export interface PipeSink {
  /** pass one chunk on; call done() once it has left this hop */
  write(chunk: Buffer, done: () => void): void;
  /** everything before has been written: finish (close the connection on the next leg) */
  end(): void;
}

const END = Symbol('end');

/** An ordered, credit-limited queue of one connection's chunks in one direction at one hop. */
export class CreditPipe {
  private readonly queue: (Buffer | typeof END)[] = [];
  /** bytes queued here or written to the sink and not done yet */
  buffered = 0;
  /** bytes passed on and not yet reported to onForwarded (see creditBatch) */
  private forwarded = 0;
  private ended = false;
  private dead = false;

  constructor(
    /** Infinity when the next leg is uncontrolled */
    public credit: number,
    private readonly sink: PipeSink,
    /** bytes that left this hop: return them as credit to the previous leg */
    private readonly onForwarded: (bytes: number) => void = () => {},
    /** report forwarded bytes in batches of at least this many (creditBatch of our window; 0 = each chunk) */
    private readonly batch = 0,
  ) {}

  push(chunk: Buffer): void {
    if (this.dead || this.ended || chunk.length === 0) return;
    this.queue.push(chunk);
    this.buffered += chunk.length;
    this.flush();
  }

  end(): void {
    if (this.dead || this.ended) return;
    this.ended = true;
    this.queue.push(END);
    this.flush();
  }

  grant(bytes: number): void {
    if (!(bytes > 0)) return;
    this.credit += bytes;
    this.flush();
  }

  /** drop everything (the connection is gone) */
  kill(): void {
    this.dead = true;
    this.queue.length = 0;
  }

  get finished(): boolean {
    return this.ended && this.queue.length === 0;
  }

  private flush(): void {
    while (!this.dead && this.queue.length > 0) {
      const head = this.queue[0];
      if (head === END) {
        this.queue.shift();
        this.sink.end();
        return;
      }
      if (this.credit <= 0) return;
      this.queue.shift();
      this.credit -= head.length;
      const n = head.length;
      this.sink.write(head, () => {
        this.buffered -= n;
        this.forwarded += n;
        if (this.forwarded >= this.batch) {
          const f = this.forwarded;
          this.forwarded = 0;
          this.onForwarded(f);
        }
      });
    }
  }
}

/** Split a buffer into chunks of at most MAX_CHUNK bytes. */
export function* chunks(b: Buffer, max = MAX_CHUNK): Generator<Buffer> {
  for (let i = 0; i < b.length; i += max) yield b.subarray(i, Math.min(b.length, i + max));
}

/** Parse a peer's flow-control metadata value: its initial window, or 0 if it does not take part. */
export function parseWindow(v: unknown): number {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_WINDOW) : 0;
}
