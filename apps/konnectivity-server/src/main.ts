/**
 * `kubernest konnectivity-server --server-port --agent-port --health-port [--mode=grpc|http-connect]
 * [--server-id] [--server-count] [--proxy-strategies=...] [--cluster-cert/--cluster-key/--cluster-ca-cert]
 * [--server-cert/--server-key/--server-ca-cert] [--uds-name] [--agent-namespace --agent-service-account
 * --authentication-audience [--kubeconfig]] [--bind-agent-identity=false]`: the Konnectivity proxy server.
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ProxyServer, ProxyServerOptions } from '../../../libs/konnectivity/src/server';
import { KonnectivityServerModule } from './konnectivity-server.module';
import { startTracingFromFlag } from '../../apiserver/src/config/tracing-flag';
import { parseKonnectivityServerFlags } from './options';
import { agentTokenAuth } from './token-review';
import { FlagError } from '../../apiserver/src/config';

export interface RunningKonnectivityServer {
  app: INestApplicationContext;
  server: ProxyServer;
  close(): Promise<void>;
}

export async function startKonnectivityServer(options: ProxyServerOptions): Promise<RunningKonnectivityServer> {
  const app = await NestFactory.createApplicationContext(KonnectivityServerModule.forRoot(options), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.init();
  const server = app.get(ProxyServer);
  return { app, server, close: () => app.close() };
}

export async function runKonnectivityServer(argv: string[]): Promise<void> {
  const options = parseKonnectivityServerFlags(argv);
  startTracingFromFlag('konnectivity-server', options.tracingConfigFile);
  options.log = (m) => console.error(`konnectivity-server: ${m}`);
  if (options.tokenAuth) {
    try {
      options.agentAuth = agentTokenAuth(options.tokenAuth);
    } catch (e) {
      throw new FlagError(`failed to create kubernetes client for agent authentication: ${(e as Error).message}`);
    }
  }
  const { server } = await startKonnectivityServer(options);
  const p = server.ports;
  console.log(
    `kubernest konnectivity-server ${options.serverId} (count ${options.serverCount}) serving agents on port ${p.agent}, front end (${options.mode}) on ${options.udsName ? `unix socket ${options.udsName}` : `port ${p.server}`}, health on port ${p.health}`,
  );
}
