/**
 * Nest wiring of the watch-cache component: the WatchCacheService (libs/watchcache) over an etcd
 * client, bound on module init and shut down gracefully with the application.
 */
import { DynamicModule, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EtcdStorage } from '../../../libs/storage/src/etcd/etcd-storage';
import { MetricsRegistry } from '../../../libs/metrics/src';
import { watchCacheServiceMetricsRegistry } from '../../../libs/watchcache/src/metrics';
import { WatchCacheService } from '../../../libs/watchcache/src/server';
import { MetricsServer, startMetricsServer } from '../../../libs/metrics/src/metrics-server';
import { WatchCacheConfig } from './options';

export const WATCH_CACHE_CONFIG = Symbol('WATCH_CACHE_CONFIG');

export class WatchCacheLifecycle implements OnModuleInit, OnApplicationShutdown {
  /** the bound port (after init) */
  port = 0;
  /** the bound --metrics-port (0 = none) */
  metricsPort = 0;
  /** this process's metrics (with --metrics-port): Node defaults plus the service's cachers and streams */
  metrics: MetricsRegistry | undefined;
  private metricsServer: MetricsServer | undefined;

  constructor(
    readonly service: WatchCacheService,
    private readonly config: WatchCacheConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.port = await this.service.listen(this.config.port, this.config.bindAddress);
    if (this.config.metricsPort > 0) {
      this.metrics = new MetricsRegistry();
      this.metrics.join(watchCacheServiceMetricsRegistry(() => this.service.stats()));
      this.metricsServer = await startMetricsServer(this.metrics, this.config.metricsPort, this.config.bindAddress);
      this.metricsPort = this.metricsServer.port;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.metricsServer?.close();
    await this.service.shutdown(this.config.shutdownGraceMs);
  }
}

@Module({})
export class WatchCacheModule {
  static forRoot(config: WatchCacheConfig): DynamicModule {
    return {
      module: WatchCacheModule,
      providers: [
        { provide: WATCH_CACHE_CONFIG, useValue: config },
        {
          provide: WatchCacheService,
          useFactory: () => new WatchCacheService(new EtcdStorage({ endpoints: config.etcdServers, prefix: config.etcdPrefix })),
        },
        {
          provide: WatchCacheLifecycle,
          useFactory: (service: WatchCacheService) => new WatchCacheLifecycle(service, config),
          inject: [WatchCacheService],
        },
      ],
      exports: [WatchCacheService, WatchCacheLifecycle],
    };
  }
}
