/** Background jobs of the SQLite backend: unref'd intervals (they never keep the process alive), stopped together by close(). */
export class BackgroundJobs {
  private readonly timers: NodeJS.Timeout[] = [];

  /** Runs `fn` every `ms` (nothing when ms <= 0); errors go to `onError`. */
  every(ms: number, fn: () => void | Promise<void>, onError: (e: unknown) => void): void {
    if (!(ms > 0)) return;
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      Promise.resolve()
        .then(fn)
        .catch(onError)
        .finally(() => {
          running = false;
        });
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}
