/**
 * `kubernest watch-cache --etcd-servers=URL [--etcd-prefix=/registry] --port=PORT
 * [--bind-address=127.0.0.1] [--metrics-port=PORT]`: the shared watch cache for API replicas (started with
 * `--watch-cache-servers=host:port,...`).
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startTracingFromFlag } from '../../apiserver/src/config/tracing-flag';
import { installEncryptionAtRest } from '../../apiserver/src/encryption/encryption-at-rest';
import { ResourceRegistry } from '../../../libs/registry/src/registry';
import { builtinResources } from '../../../libs/resources/src';
import { parseWatchCacheFlags, WatchCacheConfig } from './options';
import { WatchCacheLifecycle, WatchCacheModule } from './watch-cache.module';

export interface RunningWatchCache {
  app: INestApplicationContext;
  config: WatchCacheConfig;
  port: number;
  /** the --metrics-port bound (0 = disabled) */
  metricsPort: number;
  close(): Promise<void>;
}

export async function startWatchCache(config: WatchCacheConfig): Promise<RunningWatchCache> {
  const app = await NestFactory.createApplicationContext(WatchCacheModule.forRoot(config), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.init();
  const { port, metricsPort } = app.get(WatchCacheLifecycle);
  return { app, config, port, metricsPort, close: () => app.close() };
}

export async function runWatchCache(argv: string[]): Promise<void> {
  const config = parseWatchCacheFlags(argv);
  startTracingFromFlag('watch-cache', config.tracingConfigFile);
  // reads of encrypted values are decrypted here (the registry only maps keys to resources)
  installEncryptionAtRest(config.encryption, new ResourceRegistry(builtinResources()), config.etcdPrefix);
  const running = await startWatchCache(config);
  console.log(`kubernest watch-cache serving gRPC on ${config.bindAddress}:${running.port}`);
  if (running.metricsPort) console.log(`kubernest watch-cache serving metrics on http://${config.bindAddress}:${running.metricsPort}/metrics`);
}
