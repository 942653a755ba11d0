/**
 * The bootstrap controller (upstream pkg/controlplane/controller/*): system namespaces (at start
 * and every minute), Service default/kubernetes (checked every 10 s, created when missing), and
 * the ClusterIP/NodePort repair passes (at start and every 3 minutes, via a RepairScheduler). It
 * talks to storage through the same Store classes as the API server; nothing goes over HTTP.
 */
import type { Registry } from 'prom-client';
import { builtinResources, newServiceAllocators, ServiceAllocation } from '../../../libs/resources/src';
import { ResourceRegistry } from '../../../libs/registry/src/registry';
import { Store } from '../../../libs/registry/src/store';
import type { Storage } from '../../../libs/storage/src/interface';
import { EventRecorder } from './event-recorder';
import { ensureKubernetesService, firstServiceIP } from './kubernetes-service';
import { GcController, GcControllerOptions } from './gc/gc-controller';
import { every, Loop } from './loop';
import { newRepairMetrics, RepairMetrics } from './metrics';
import { IP_REPAIR_COMPONENT, PORT_REPAIR_COMPONENT, RepairRunner, repairTargets, RepairTarget } from './repair';
import { InProcessRepairScheduler, RepairScheduler } from './scheduler';
import { ensureSystemNamespaces } from './system-namespaces';

export interface BootstrapControllerOptions {
  /** --service-cluster-ip-range entries (CIDR text), primary first */
  serviceClusterIPRanges: string[];
  /** --service-node-port-range */
  serviceNodePortRange: { base: number; size: number };
  /** the API replicas' secure port: targetPort of Service kubernetes */
  securePort: number;
  /** repair pass interval (default 3 min) */
  repairIntervalMs?: number;
  /** system namespaces check interval (default 1 min) */
  namespaceIntervalMs?: number;
  /** Service kubernetes check interval (default 10 s) */
  serviceIntervalMs?: number;
  /** who triggers repair passes (default: in process, every repairIntervalMs) */
  scheduler?: RepairScheduler;
  /** resource definitions to use (default: the built-in ones, with Service allocation on `storage`) */
  registry?: ResourceRegistry;
  /** where the repair counters are registered (default: a registry of their own) */
  metricsRegistry?: Registry;
  /** garbage collector and namespace deletion (src/gc); false: not run */
  gc?: GcControllerOptions | false;
}

export const DEFAULT_REPAIR_INTERVAL_MS = 3 * 60_000;
export const DEFAULT_NAMESPACE_INTERVAL_MS = 60_000;
export const DEFAULT_SERVICE_INTERVAL_MS = 10_000;

export class BootstrapController {
  readonly metrics: RepairMetrics;
  readonly namespaces: Store;
  readonly services: Store;
  readonly events: Store;
  private readonly runner: RepairRunner;
  private readonly targets: { clusterIPs: RepairTarget[]; nodePorts: RepairTarget };
  private readonly scheduler: RepairScheduler;
  private loops: Loop[] = [];
  /** garbage collection and namespace deletion (undefined when opts.gc is false) */
  readonly gc?: GcController;
  private started = false;
  /** true once a repair pass of every range completed (upstream readyz: start-service-ip-repair-controllers) */
  repairedOnce = false;

  constructor(
    readonly storage: Storage,
    readonly opts: BootstrapControllerOptions,
  ) {
    const registry =
      opts.registry ??
      new ResourceRegistry(
        builtinResources({
          services: {
            allocation: new ServiceAllocation(
              newServiceAllocators(storage, { serviceClusterIPRanges: opts.serviceClusterIPRanges, serviceNodePortRange: opts.serviceNodePortRange }),
            ),
          },
        }),
      );
    const store = (group: string, plural: string) => {
      const def = registry.lookup(group, 'v1', plural);
      if (!def) throw new Error(`bootstrap controller: resource ${plural}.${group || 'core'} is not registered`);
      return new Store(def, storage);
    };
    this.namespaces = store('', 'namespaces');
    this.services = store('', 'services');
    this.events = store('', 'events');
    this.metrics = newRepairMetrics(opts.metricsRegistry);
    this.runner = new RepairRunner(storage, this.services);
    this.targets = repairTargets(opts, this.metrics, {
      ip: new EventRecorder(this.events, IP_REPAIR_COMPONENT),
      port: new EventRecorder(this.events, PORT_REPAIR_COMPONENT),
    });
    if (opts.gc !== false) this.gc = new GcController(storage, registry, opts.gc ?? {});
    this.scheduler = opts.scheduler ?? new InProcessRepairScheduler(opts.repairIntervalMs ?? DEFAULT_REPAIR_INTERVAL_MS);
  }

  get kubernetesServiceIP(): string {
    return firstServiceIP(this.opts.serviceClusterIPRanges[0]);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const warn = (what: string) => (e: unknown) => console.warn(`bootstrap controller: ${what}: ${(e as Error).message ?? e}`);
    this.loops.push(every(this.opts.namespaceIntervalMs ?? DEFAULT_NAMESPACE_INTERVAL_MS, async () => void (await this.ensureNamespaces()), { onError: warn('system namespaces') }));
    this.scheduler.start(() => this.repairOnce());
    this.gc?.start();
    this.loops.push(every(this.opts.serviceIntervalMs ?? DEFAULT_SERVICE_INTERVAL_MS, async () => void (await this.ensureService()), { onError: warn('service kubernetes') }));
  }

  async stop(): Promise<void> {
    const loops = this.loops;
    this.loops = [];
    this.started = false;
    await Promise.all([...loops.map((l) => l.stop()), this.scheduler.stop(), this.gc?.stop()]);
  }

  async ensureNamespaces(): Promise<string[]> {
    return ensureSystemNamespaces(this.namespaces);
  }

  async ensureService(): Promise<boolean> {
    return ensureKubernetesService(this.services, this.kubernetesServiceIP, this.opts.securePort);
  }

  /** One ClusterIP pass per service CIDR and one NodePort pass; throws the first failure after trying all. */
  async repairOnce(): Promise<void> {
    let failure: unknown;
    for (const t of [...this.targets.clusterIPs, this.targets.nodePorts]) {
      try {
        await this.runner.runOnce(t);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
    this.repairedOnce = true;
  }

  async repairClusterIPs(): Promise<void> {
    for (const t of this.targets.clusterIPs) await this.runner.runOnce(t);
  }

  async repairNodePorts(): Promise<void> {
    await this.runner.runOnce(this.targets.nodePorts);
  }
}
