/**
 * `kubernest bootstrap-controller --etcd-servers=URL [--etcd-prefix] [--redis-url] [--service-cluster-ip-range]
 * [--service-node-port-range] [--secure-port] [--repair-interval=3m]`: the bootstrap controller as
 * its own process, next to API replicas sharing its etcd.
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MetricsRegistry } from '../../../libs/metrics/src';
import { startMetricsServer } from '../../../libs/metrics/src/metrics-server';
import type { Storage } from '../../../libs/storage/src/interface';
import { startTracingFromFlag } from '../../apiserver/src/config/tracing-flag';
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
  startTracingFromFlag('bootstrap-controller', config.tracingConfigFile ?? '');
  const running = await startBootstrapController(config);
  if (config.metricsPort) {
    const metrics = new MetricsRegistry();
    metrics.join(running.controller.metrics.registry);
    const server = await startMetricsServer(metrics, config.metricsPort, config.metricsBindAddress ?? '127.0.0.1');
    console.log(`kubernest bootstrap-controller serving metrics on http://${config.metricsBindAddress}:${server.port}/metrics`);
  }
  console.log(
    `kubernest bootstrap-controller running against ${config.etcdServers.join(',')} (service CIDR ${config.serviceClusterIPRanges.join(',')}, node ports ${config.serviceNodePortRange.base}-${config.serviceNodePortRange.base + config.serviceNodePortRange.size - 1})`,
  );
}
