/**
 * The clusterrole-aggregation controller (pkg/controller/clusterroleaggregation), in process: every
 * ClusterRole with an aggregationRule gets as rules the union of the rules of the ClusterRoles its
 * selectors match (by name order, duplicates dropped, itself excluded). Runs after any ClusterRole
 * change (debounced); conflicting writes from other replicas are simply retried on the next change.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { Store } from '../../../../libs/registry/src/store';
import { asSelector } from '../../../../libs/resources/src/common/selector';
import type { Informer } from './informer';
import { asInternal } from './request-user';

const jsonEq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The rules an aggregated role should hold, given every ClusterRole. */
export function aggregatedRules(role: KObject, all: KObject[]): unknown[] {
  const selectors = ((role.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors ?? []);
  const sorted = [...all].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const out: unknown[] = [];
  for (const s of selectors) {
    const sel = asSelector(s);
    if (!sel.ok) continue;
    for (const o of sorted) {
      if (o.metadata.name === role.metadata.name) continue;
      if (!sel.selector.matches(o.metadata.labels ?? {})) continue;
      for (const r of Array.isArray(o.rules) ? o.rules : []) if (!out.some((x) => jsonEq(x, r))) out.push(r);
    }
  }
  return out;
}

export class AggregationController {
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly clusterRoles: Informer,
    private readonly store: () => Store,
  ) {}

  start(): void {
    this.clusterRoles.onChange(() => this.schedule());
    void this.clusterRoles.waitForSync().then(() => this.schedule());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = asInternal(() =>
      setTimeout(() => {
        this.timer = undefined;
        void asInternal(() => this.sync());
      }, 20).unref(),
    );
  }

  /** one pass over all aggregated roles */
  async sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      const all = [...this.clusterRoles.items.values()];
      for (const role of all) {
        if (!role.aggregationRule) continue;
        const rules = aggregatedRules(role, all);
        if (jsonEq(rules, Array.isArray(role.rules) ? role.rules : [])) continue;
        try {
          await this.store().update('', role.metadata.name!, (cur) => {
            if (!cur.aggregationRule) return cur;
            return { ...cur, rules: aggregatedRules(cur, [...this.clusterRoles.items.values()]) };
          });
        } catch (e) {
          // 409: another replica wrote first; its change comes back through the informer
          if (!this.stopped && (e as { code?: number }).code !== 409) console.warn(`clusterrole aggregation of ${role.metadata.name}: ${(e as Error).message}`);
        }
      }
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }
}
