/** Nest wiring of the konnectivity-server component: the ProxyServer (libs/konnectivity) started on init, stopped on shutdown. */
import { DynamicModule, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ProxyServer, ProxyServerOptions } from '../../../libs/konnectivity/src/server';

export const KONNECTIVITY_SERVER_OPTIONS = Symbol('KONNECTIVITY_SERVER_OPTIONS');

export class KonnectivityServerLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(readonly server: ProxyServer) {}
  async onModuleInit(): Promise<void> {
    await this.server.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}

@Module({})
export class KonnectivityServerModule {
  static forRoot(options: ProxyServerOptions): DynamicModule {
    return {
      module: KonnectivityServerModule,
      providers: [
        { provide: KONNECTIVITY_SERVER_OPTIONS, useValue: options },
        { provide: ProxyServer, useFactory: () => new ProxyServer(options) },
        { provide: KonnectivityServerLifecycle, useFactory: (s: ProxyServer) => new KonnectivityServerLifecycle(s), inject: [ProxyServer] },
      ],
      exports: [ProxyServer, KonnectivityServerLifecycle],
    };
  }
}
