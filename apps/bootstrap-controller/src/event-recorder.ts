/**
 * Records core/v1 Events about Services through the Event Store (so `kubectl get events -A` shows
 * them): source and reportingComponent = the controller (`ipallocator-repair-controller`...),
 * involvedObject = the Service. A repeat of the same event (same object, reason and message) bumps
 * count and lastTimestamp of the event already written, as the client-go correlator does.
 */
import { hostname } from 'node:os';
import { StatusError } from '../../../libs/apimachinery/src/status';
import type { KObject } from '../../../libs/apimachinery/src/types';
import type { RepairEvent } from '../../../libs/allocators/src/repair';
import type { Store } from '../../../libs/registry/src/store';

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

export class EventRecorder {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly events: Store,
    private readonly component: string,
    private readonly instance = `${component}-${hostname()}`,
  ) {}

  async record(ev: RepairEvent): Promise<void> {
    const ns = ev.service.namespace || 'default';
    const key = `${ns}/${ev.service.uid ?? ev.service.name}/${ev.reason}/${ev.message}`;
    const now = new Date();
    const existing = this.seen.get(key);
    if (existing) {
      try {
        await this.events.update(ns, existing, (cur) => ({
          ...cur,
          count: (typeof cur.count === 'number' ? cur.count : 1) + 1,
          lastTimestamp: rfc3339(now),
        }));
        return;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
        this.seen.delete(key);
      }
    }
    const name = `${ev.service.name}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    const involvedObject: Record<string, unknown> = { kind: 'Service', namespace: ns, name: ev.service.name, apiVersion: 'v1' };
    if (ev.service.uid) involvedObject.uid = ev.service.uid;
    if (ev.service.resourceVersion) involvedObject.resourceVersion = ev.service.resourceVersion;
    const body: KObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject,
      reason: ev.reason,
      message: ev.message,
      source: { component: this.component },
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      count: 1,
      type: ev.type,
      eventTime: microTime(now),
      action: ev.action,
      reportingComponent: this.component,
      reportingInstance: this.instance,
    };
    this.events.def.strategy.default?.(body);
    await this.events.create(ns, body);
    this.seen.set(key, name);
    if (this.seen.size > 1000) this.seen.delete(this.seen.keys().next().value!);
  }

  /** Best effort: a failed event is logged, never fails the caller. */
  async recordAll(evs: RepairEvent[]): Promise<void> {
    for (const ev of evs) {
      try {
        await this.record(ev);
      } catch (e) {
        console.warn(`${this.component}: failed to record event ${ev.reason} for ${ev.service.namespace}/${ev.service.name}: ${(e as Error).message}`);
      }
    }
  }
}
