/**
 * Nest wiring of the watch-cache component: the WatchCacheService (libs/watchcache) over an etcd
 * client, bound on module init and shut down gracefully with the application.
 */
import { DynamicModule, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EtcdStorage } from '../../../libs/storage/src/etcd/etcd-storage';
import { WatchCacheService } from '../../../libs/watchcache/src/server';
import { WatchCacheConfig } from './options';

export const WATCH_CACHE_CONFIG = Symbol('WATCH_CACHE_CONFIG');

export class WatchCacheLifecycle implements OnModuleInit, OnApplicationShutdown {
  /** the bound port (after init) */
  port = 0;

  constructor(
    readonly service: WatchCacheService,
    private readonly config: WatchCacheConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.port = await this.service.listen(this.config.port, this.config.bindAddress);
  }

  async onApplicationShutdown(): Promise<void> {
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
