/**
 * Nest wiring of the bootstrap controller: on its own (`kubernest bootstrap-controller`, its own
 * etcd client) or imported into another app with a shared Storage (`kubernest server`). Exports
 * the controller and the Prometheus registry holding the repair counters.
 */
import { DynamicModule, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { Registry } from 'prom-client';
import { EXTRA_METRICS_REGISTRIES } from '../../../libs/metrics/src/metrics-registry';
import { loadEtcdBackend } from '../../../libs/storage/src/etcd/load';
import type { Storage } from '../../../libs/storage/src/interface';
import { EXTRA_READY_CHECKS } from '../../apiserver/src/ready-checks';
import type { HealthCheck } from '../../apiserver/src/handlers/health';
import { BullmqRepairScheduler } from './bullmq-scheduler';
import { BullmqWorkQueue } from './gc/work-queue';
import { BootstrapController, BootstrapControllerOptions, DEFAULT_REPAIR_INTERVAL_MS } from './controller';

export const BOOTSTRAP_METRICS_REGISTRY = Symbol('BOOTSTRAP_METRICS_REGISTRY');

export class BootstrapControllerLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  constructor(
    readonly controller: BootstrapController,
    private readonly ownsStorage: boolean,
  ) {}

  onApplicationBootstrap(): void {
    this.controller.start();
  }

  /** stop the loops before anyone closes the storage */
  async onModuleDestroy(): Promise<void> {
    await this.controller.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsStorage) await this.controller.storage.close();
  }
}

export interface BootstrapControllerModuleConfig extends Omit<BootstrapControllerOptions, 'registry' | 'metricsRegistry' | 'scheduler' | 'gc'> {
  /** how often the garbage collector scans everything, as a backstop to its watches (default 30 s) */
  gcScanIntervalMs?: number;
  /** garbage collector watches (default true; false: the scan only) */
  gcWatch?: boolean;
  /** schedule repair passes as one bullmq job per interval across controllers ('' = own timer) */
  redisUrl?: string;
  /** used only when no storage is given */
  etcdServers?: string[];
  etcdPrefix?: string;
}

@Module({})
export class BootstrapControllerModule {
  static forRoot(config: BootstrapControllerModuleConfig, opts: { storage?: Storage; controller?: Partial<BootstrapControllerOptions> } = {}): DynamicModule {
    return {
      module: BootstrapControllerModule,
      providers: [
        {
          provide: BootstrapController,
          useFactory: () => {
            const metricsRegistry = new Registry();
            const scheduler = config.redisUrl
              ? new BullmqRepairScheduler({ redisUrl: config.redisUrl, intervalMs: config.repairIntervalMs ?? DEFAULT_REPAIR_INTERVAL_MS, metricsRegistry })
              : undefined;
            // garbage collection and namespace deletion: bullmq jobs on Redis when configured
            const gc = { scanIntervalMs: config.gcScanIntervalMs, watch: config.gcWatch, ...(config.redisUrl ? { queue: new BullmqWorkQueue({ redisUrl: config.redisUrl }) } : {}) };
            return new BootstrapController(opts.storage ?? new (loadEtcdBackend().EtcdStorage)({ endpoints: config.etcdServers ?? [], prefix: config.etcdPrefix ?? '/registry' }), {
              ...config,
              metricsRegistry,
              ...(scheduler ? { scheduler } : {}),
              gc,
              ...(opts.controller ?? {}),
            });
          },
        },
        {
          provide: BootstrapControllerLifecycle,
          useFactory: (controller: BootstrapController) => new BootstrapControllerLifecycle(controller, opts.storage === undefined),
          inject: [BootstrapController],
        },
        {
          // upstream's readyz check: not ready until the first repair pass of every range succeeded
          provide: EXTRA_READY_CHECKS,
          useFactory: (controller: BootstrapController): HealthCheck[] => [
            {
              name: 'poststarthook/start-service-ip-repair-controllers',
              check: async () => {
                if (!controller.repairedOnce) throw new Error('the first ClusterIP/NodePort repair pass has not finished');
              },
            },
          ],
          inject: [BootstrapController],
        },
        {
          provide: BOOTSTRAP_METRICS_REGISTRY,
          useFactory: (controller: BootstrapController): Registry => controller.metrics.registry,
          inject: [BootstrapController],
        },
        {
          // joins the /metrics of the app it is imported into (kubernest server)
          provide: EXTRA_METRICS_REGISTRIES,
          useFactory: (registry: Registry): Registry[] => [registry],
          inject: [BOOTSTRAP_METRICS_REGISTRY],
        },
      ],
      exports: [BootstrapController, BOOTSTRAP_METRICS_REGISTRY, EXTRA_READY_CHECKS, EXTRA_METRICS_REGISTRIES],
    };
  }
}
