/**
 * Adaptive read buffers for the sockets a tunnel hop reads from (the agent's target sockets).
 *
 * A plain net.Socket reads at most 64 KiB per read, so a busy connection became one 64 KiB DATA
 * packet per read, and every packet costs a gRPC message (serialize, HTTP/2 frame, decode,
 * promise chain) at each hop. With `onread` the socket reads into buffers we hand out: 64 KiB to
 * start, growing up to MAX_CHUNK while reads fill them (data is backed up in the kernel), and back
 * to 64 KiB once reads are small again (interactive traffic does not pin large buffers). Each read
 * gets a fresh buffer: the chunk is handed on without a copy and may be queued for a while.
 */
import type { OnReadOpts } from 'node:net';
import { MAX_CHUNK } from './flow';

export const MIN_READ = 64 * 1024;

export class AdaptiveReader {
  private size = MIN_READ;
  private early: Buffer[] = [];
  private sink?: (chunk: Buffer) => void;

  /** pass as `onread` to net.connect */
  readonly onread: OnReadOpts = {
    buffer: () => Buffer.allocUnsafe(this.size),
    callback: (n: number, buf: Uint8Array): boolean => {
      const b = buf as Buffer;
      if (n >= b.length) this.size = Math.min(this.size * 4, MAX_CHUNK);
      else if (n < this.size / 4) this.size = MIN_READ;
      const chunk = b.subarray(0, n);
      if (this.sink) this.sink(chunk);
      else this.early.push(chunk);
      return true;
    },
  };

  /** start handing chunks to `sink` (chunks read before are handed over first) */
  attach(sink: (chunk: Buffer) => void): void {
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const b of early) sink(b);
  }
}
