/**
 * A periodic task: runs `fn` now (or after the first interval) and then `intervalMs` after each
 * run ends, so runs never overlap. Errors go to `onError`; stop() ends the loop and waits for a
 * run in progress.
 */
export interface Loop {
  stop(): Promise<void>;
  /** run now (after any run in progress), outside the schedule */
  trigger(): Promise<void>;
}

export function every(intervalMs: number, fn: () => Promise<void>, opts: { immediate?: boolean; onError?: (e: unknown) => void } = {}): Loop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const onError = opts.onError ?? ((e: unknown) => console.warn((e as Error).message ?? e));
  const run = (): Promise<void> => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await fn();
      } catch (e) {
        if (!stopped) onError(e);
      }
    });
    return running;
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void run().then(() => schedule(intervalMs));
    }, ms);
  };
  schedule(opts.immediate === false ? intervalMs : 0);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    trigger: run,
  };
}
