/**
 * The post-start hook `scheduling/bootstrap-system-priority-classes`: creates the system priority
 * classes (system-node-critical, system-cluster-critical) when missing. Idempotent across
 * replicas (AlreadyExists counts as success); retried until storage answers. /readyz reports it
 * as `poststarthook/scheduling/bootstrap-system-priority-classes` and fails until it has run.
 */
import { StatusError } from '../../../libs/apimachinery/src/status';
import { Store } from '../../../libs/registry/src/store';
import { SYSTEM_PRIORITY_CLASSES, systemPriorityClassObject } from '../../../libs/resources/src';
import type { HealthCheck } from './handlers/health';

export const PRIORITY_CLASSES_HOOK = 'poststarthook/scheduling/bootstrap-system-priority-classes';

/** Creates the missing system priority classes; returns the names it created. */
export async function ensureSystemPriorityClasses(store: Store): Promise<string[]> {
  const created: string[] = [];
  for (const { name } of SYSTEM_PRIORITY_CLASSES) {
    try {
      await store.get('', name);
      continue;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    try {
      const obj = systemPriorityClassObject(name);
      store.def.strategy.default?.(obj);
      await store.create('', obj);
      created.push(name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) continue;
      throw e;
    }
  }
  return created;
}

export class SystemPriorityClassesHook {
  private done = false;
  private stopped = false;

  readonly readyCheck: HealthCheck = {
    name: PRIORITY_CLASSES_HOOK,
    check: async () => {
      if (!this.done) throw new Error('not finished');
    },
  };

  /** Runs in the background until it succeeds (or stop()). `store` is looked up on every attempt. */
  start(store: () => Store | undefined): void {
    void (async () => {
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          const s = store();
          if (s) await ensureSystemPriorityClasses(s);
          this.done = true;
          return;
        } catch (e) {
          if (attempt === 0) console.warn(`${PRIORITY_CLASSES_HOOK}: retrying: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))).unref());
        }
      }
    })();
  }

  stop(): void {
    this.stopped = true;
  }
}
