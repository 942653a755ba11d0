/**
 * `kubernest bootstrap-controller --etcd-servers=URL [--etcd-prefix] [--redis-url] [--service-cluster-ip-range]
 * [--service-node-port-range] [--secure-port] [--repair-interval=3m]`: the bootstrap controller as
 * its own process, next to API replicas sharing its etcd.
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Storage } from '../../../libs/storage/src/interface';
import { BootstrapControllerModule } from './bootstrap-controller.module';
import { BootstrapController } from './controller';
import { BootstrapControllerConfig, parseBootstrapControllerFlags } from './options';

export interface RunningBootstrapController {
  app: INestApplicationContext;
  controller: BootstrapController;
  close(): Promise<void>;
}

export async function startBootstrapController(config: BootstrapControllerConfig, opts: { storage?: Storage } = {}): Promise<RunningBootstrapController> {
  const app = await NestFactory.createApplicationContext(BootstrapControllerModule.forRoot(config, opts), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.init();
  return { app, controller: app.get(BootstrapController), close: () => app.close() };
}

export async function runBootstrapController(argv: string[]): Promise<void> {
  const config = parseBootstrapControllerFlags(argv);
  await startBootstrapController(config);
  console.log(
    `kubernest bootstrap-controller running against ${config.etcdServers.join(',')} (service CIDR ${config.serviceClusterIPRanges.join(',')}, node ports ${config.serviceNodePortRange.base}-${config.serviceNodePortRange.base + config.serviceNodePortRange.size - 1})`,
  );
}
