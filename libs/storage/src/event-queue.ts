/**
 * An unbounded single-consumer async queue: the producer pushes in order, the consumer iterates.
 * Used by backends to implement Watcher. `finish()` ends iteration after the buffered items;
 * `abort()` (the consumer's stop) ends it at once and drops what is buffered.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private buf: T[] = [];
  private head = 0;
  /** consumers waiting in next(), oldest first */
  private waiters: ((r: IteratorResult<T>) => void)[] = [];
  private finished = false;

  /** @param onReturn called once when the consumer leaves iteration early (break/return) */
  constructor(private readonly onReturn?: () => void) {}

  get closed(): boolean {
    return this.finished;
  }

  /** items buffered and not yet consumed */
  get size(): number {
    return this.buf.length - this.head;
  }

  push(item: T): void {
    if (this.finished) return;
    if (this.waiters.length > 0) {
      const w = this.waiters.shift() as (r: IteratorResult<T>) => void;
      w({ value: item, done: false });
      return;
    }
    this.buf.push(item);
  }

  /** No more items: iteration ends once the buffer is drained. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone();
  }

  /** End now, dropping buffered items. */
  abort(): void {
    this.finished = true;
    this.buf = [];
    this.head = 0;
    this.resolveDone();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buf.length) {
      const item = this.buf[this.head];
      this.buf[this.head] = undefined as T;
      this.head++;
      if (this.head === this.buf.length) {
        this.buf = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.buf.length) {
        this.buf = this.buf.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value: item, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  return(): Promise<IteratorResult<T>> {
    const wasOpen = !this.finished;
    this.abort();
    if (wasOpen && this.onReturn) this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private resolveDone(): void {
    if (this.head < this.buf.length) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w({ value: undefined, done: true });
  }
}
