/**
 * `kubernest apiserver [flags]`: validate flags into a typed config, make sure TLS material exists,
 * then start the Nest app on fastify over HTTPS with client-certificate authentication.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ensureCerts } from '../../../libs/pki/src';
import { Storage } from '../../../libs/storage/src/interface';
import { ApiserverModule } from './apiserver.module';
import { ApiserverConfig, parseApiserverFlags, startTracingFromFlag } from './config';
import { insecureCipherWarnings } from './config/tls-options';
import { goClientErrorHandler, statusFrameworkErrors } from './http/framework-errors';

export interface RunningApiserver {
  app: NestFastifyApplication;
  config: ApiserverConfig;
  kubeconfigPath?: string;
  close(): Promise<void>;
}

export async function startApiserver(config: ApiserverConfig, opts: { storage?: Storage; imports?: DynamicModule[] } = {}): Promise<RunningApiserver> {
  const host = config.advertiseAddress.includes(':') ? `[${config.advertiseAddress}]` : config.advertiseAddress;
  let key: string;
  let cert: string;
  let ca: string;
  let kubeconfigPath: string | undefined;
  if (config.tlsCertFile && config.tlsPrivateKeyFile) {
    cert = readFileSync(config.tlsCertFile, 'utf8');
    key = readFileSync(config.tlsPrivateKeyFile, 'utf8');
    ca = config.clientCAFile ? readFileSync(config.clientCAFile, 'utf8') : '';
  } else {
    const certs = await ensureCerts(config.certDir, {
      advertiseAddress: config.advertiseAddress,
      server: `https://${host}:${config.securePort}`,
    });
    cert = certs.servingCertPem;
    key = certs.servingKeyPem;
    ca = config.clientCAFile ? readFileSync(config.clientCAFile, 'utf8') : certs.caCertPem;
    kubeconfigPath = certs.adminKubeconfigPath;
  }
  for (const w of insecureCipherWarnings(config.tls)) console.warn(w);
  const adapter = new FastifyAdapter({
    // the client CA, and the front proxy's CA for request-header authentication (aggregator/requestheader.ts)
    https: { key, cert, ca: [ca, config.aggregator?.requestHeader?.clientCA ?? ''].filter(Boolean).join('\n') || undefined, requestCert: true, rejectUnauthorized: false, maxHeaderSize: 1 << 20, minVersion: config.tls?.minVersion ?? 'TLSv1.2', ...(config.tls?.ciphers ? { ciphers: config.tls.ciphers } : {}) },
    routerOptions: { maxParamLength: 8192 },
    bodyLimit: 3 * 1024 * 1024,
    logger: false,
    keepAliveTimeout: 75_000,
    clientErrorHandler: goClientErrorHandler,
    frameworkErrors: statusFrameworkErrors,
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const app = await NestFactory.create<NestFastifyApplication>(ApiserverModule.forRoot(config, opts), adapter, {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen(config.securePort, config.bindAddress);
  return { app, config, kubeconfigPath, close: () => app.close() };
}

export async function runApiserver(argv: string[]): Promise<void> {
  const config = parseApiserverFlags(argv);
  startTracingFromFlag('apiserver', config.tracingConfigFile);
  const running = await startApiserver(config);
  const addr = running.app.getHttpServer().address();
  const port = typeof addr === 'object' && addr ? addr.port : config.securePort;
  console.log(`kubernest apiserver serving on https://${config.bindAddress}:${port}`);
  if (running.kubeconfigPath) console.log(`admin kubeconfig: ${running.kubeconfigPath}`);
}
