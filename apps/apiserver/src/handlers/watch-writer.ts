/**
 * Writing a watch's event lines to the client, cheaply enough for thousands of watchers:
 *
 * - A watch cache's change (`ApiWatchEvent.shared`) is encoded ONCE per (change, resource
 *   definition, event type), already framed as an HTTP/1.1 chunk, and the same bytes are written
 *   to every watcher (no JSON.stringify per watcher).
 * - Over plain HTTP/1.1 responses (no wrapper on `res.write`, chunked, nothing queued in the
 *   response) the framed chunks go straight to the socket, coalesced per event-loop turn: the
 *   events a watcher gets in one turn (a burst, or a replica catching up after falling behind)
 *   are one `socket.write` (one TLS record), flushed for all watchers by one setImmediate.
 * - Slow watchers, in bytes: a watcher whose socket holds more than `WATCH_BUFFER_BYTES` unsent
 *   bytes for `WATCH_SLOW_BUDGET_MS` (checked on each write, no timers), or ever more than 4×
 *   that, is reported slow; the caller ends the watch cleanly (the client resumes from the last
 *   resourceVersion it saw, as upstream's client-go does after a closed watch).
 */
import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { apiVersionOf, ResourceDefinition } from '../../../../libs/registry/src/resource';
import { SharedStorageEvent } from '../../../../libs/storage/src/interface';

function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

/** unsent bytes a watcher may hold for WATCH_SLOW_BUDGET_MS (default 8 MiB) */
export const WATCH_BUFFER_BYTES = envInt('KUBERNEST_WATCH_BUFFER_BYTES', 8 * 1024 * 1024);
/** how long a watcher may stay above WATCH_BUFFER_BYTES (default 10 s) */
export const WATCH_SLOW_BUDGET_MS = envInt('KUBERNEST_WATCH_SLOW_BUDGET_MS', 10_000);

interface Frame {
  def: ResourceDefinition;
  type: string;
  /** `<hex length>\r\n<line>\r\n` */
  chunk: Buffer;
  /** where the line starts in `chunk` */
  start: number;
}

const frames = new WeakMap<SharedStorageEvent, Frame[]>();
let encodedCount = 0;

/** how many shared events were encoded (tests: once per event and resource, not per watcher) */
export function sharedEncodings(): number {
  return encodedCount;
}

function frame(line: string): { chunk: Buffer; start: number } {
  const len = Buffer.byteLength(line);
  const head = `${len.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + len + 2);
  chunk.write(head, 0, 'latin1');
  chunk.write(line, head.length, 'utf8');
  chunk.write('\r\n', head.length + len, 'latin1');
  return { chunk, start: head.length };
}

/** The served form of a stored object for a resource without conversion (Store.toServed without mutating). */
function served(o: KObject, def: ResourceDefinition): KObject {
  const apiVersion = apiVersionOf(def);
  if (o.apiVersion === apiVersion && o.kind === def.kind) return o;
  return { ...o, apiVersion, kind: def.kind };
}

/** The event line of a shared change as `def` serves it, framed as one HTTP chunk (encoded once). */
export function sharedEventFrame(shared: SharedStorageEvent, type: string, def: ResourceDefinition): Frame {
  let list = frames.get(shared);
  if (list) {
    for (const f of list) if (f.def === def && f.type === type) return f;
  } else {
    list = [];
    frames.set(shared, list);
  }
  encodedCount++;
  const { chunk, start } = frame(`${JSON.stringify({ type, object: served(shared.object, def) })}\n`);
  const f: Frame = { def, type, chunk, start };
  list.push(f);
  return f;
}

let flushList: WatchWriter[] = [];

function flushAll(): void {
  const list = flushList;
  flushList = [];
  for (const w of list) w.flush();
}

function queueFlush(w: WatchWriter): void {
  if (flushList.length === 0) setImmediate(flushAll);
  flushList.push(w);
}

export class WatchWriter {
  /** set when writes go straight to the socket */
  private readonly socket: Socket | undefined;
  private overSince = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** the client could not keep up (see the module comment); the caller ends the watch */
  slow = false;

  /** `res` must have its headers flushed (Transfer-Encoding: chunked) */
  constructor(private readonly res: ServerResponse) {
    const sock = res.socket as (Socket & { _httpMessage?: unknown }) | null;
    const r = res as ServerResponse & { chunkedEncoding?: boolean };
    if (
      sock &&
      res.headersSent &&
      r.chunkedEncoding === true &&
      sock._httpMessage === res &&
      res.write === ServerResponse.prototype.write &&
      res.writableLength === sock.writableLength
    ) {
      this.socket = sock;
    }
  }

  /** writes go straight to the socket (pre-framed chunks) */
  get direct(): boolean {
    return this.socket !== undefined;
  }

  /** a shared change, encoded once for every watcher */
  writeShared(shared: SharedStorageEvent, type: string, def: ResourceDefinition): void {
    const f = sharedEventFrame(shared, type, def);
    if (this.socket) this.raw(f.chunk);
    else this.res.write(f.chunk.subarray(f.start, f.chunk.length - 2));
    this.check();
  }

  /** one event line (ending in \n) */
  writeLine(line: string): void {
    if (this.socket) this.raw(frame(line).chunk);
    else this.res.write(line);
    this.check();
  }

  /**
   * Queued until the end of this event-loop turn (one setImmediate for all watchers): the events
   * a watcher gets in one turn — a burst, or a replica catching up — go out as ONE socket write.
   */
  private raw(b: Buffer): void {
    if (this.pending.length === 0) queueFlush(this);
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  /** writes what is queued (also before the response ends) */
  flush(): void {
    const p = this.pending;
    if (p.length === 0) return;
    this.pending = [];
    this.pendingBytes = 0;
    const s = this.socket as Socket;
    if (s.destroyed) return;
    s.write(p.length === 1 ? p[0] : Buffer.concat(p));
  }

  /** unsent bytes held for this watcher (queued here, the response's and the socket's buffers) */
  get queuedBytes(): number {
    return this.pendingBytes + (this.socket ? this.socket.writableLength : this.res.writableLength);
  }

  private check(): void {
    const q = this.queuedBytes;
    if (q <= WATCH_BUFFER_BYTES) {
      this.overSince = 0;
      return;
    }
    const now = performance.now();
    if (q > 4 * WATCH_BUFFER_BYTES) this.slow = true;
    else if (this.overSince === 0) this.overSince = now;
    else if (now - this.overSince >= WATCH_SLOW_BUDGET_MS) this.slow = true;
  }
}
