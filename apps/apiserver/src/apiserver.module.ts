/**
 * Nest wiring for the API front end: configuration, storage, registry and the HTTP server's
 * lifecycle. Usable as its own app (bin/kubernest apiserver) or inside the embedded server.
 */
import { BeforeApplicationShutdown, DynamicModule, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { EXTRA_METRICS_REGISTRIES, MetricsRegistry } from '../../../libs/metrics/src/metrics-registry';
import { builtinResources, newServiceAllocators, ServiceAllocation } from '../../../libs/resources/src';
import { ResourceRegistry } from '../../../libs/registry/src/registry';
import { crdDefinition } from '../../../libs/apiextensions/src/crd-resource';
import { apiServicesDefinition } from '../../../libs/resources/src/apiregistration/apiservices';
import { CrdController } from './apiextensions/crd-controller';
import { isEtcdStorage, loadEtcdBackend } from '../../../libs/storage/src/etcd/load';
import { Storage } from '../../../libs/storage/src/interface';
import { EtcdRequestMetrics } from '../../../libs/storage/src/etcd/request-metrics';
import { tracedStorage } from '../../../libs/storage/src/traced-storage';
import { startPeriodicCompactor } from '../../../libs/storage/src/periodic-compactor';
import { RemoteCachedStorage } from '../../../libs/watchcache/src/remote-cached-storage';
import { EndpointReconcilerLifecycle } from '../../bootstrap-controller/src/endpoint-reconciler';
import { ApiServer } from './apiserver';
import { runGracefulShutdown } from './lifecycle/graceful-shutdown';
import type { HealthCheck } from './handlers/health';
import { EXTRA_READY_CHECKS } from './ready-checks';
import { ApiserverConfig } from './config';
import { X509Authenticator } from './filters/x509-authenticator';
import { ensureSystemNamespaces } from './system-namespaces';
import { AuthorizationSetup } from './authz/setup';
import { SystemPriorityClassesHook } from './system-priority-classes';
import { auditSinkFor } from './audit/backend';
import { installEncryptionAtRest } from './encryption/encryption-at-rest';

export const APISERVER_CONFIG = Symbol('APISERVER_CONFIG');
/** etcd_request_duration_seconds of this process's etcd backend */
const ETCD_REQUEST_METRICS = new EtcdRequestMetrics();
export const STORAGE = Symbol('STORAGE');
export const REGISTRY = Symbol('REGISTRY');


/** Mounts the API server on the fastify instance and owns background work (etcd compaction). */
export class ApiServerLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private stopCompactor?: () => void;

  constructor(
    readonly server: ApiServer,
    private readonly adapterHost: HttpAdapterHost,
    private readonly storage: Storage,
    private readonly config: ApiserverConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensureNamespaces();
    const fastify = this.adapterHost.httpAdapter.getInstance() as FastifyInstance;
    this.server.mount(fastify);
    const intervalMs = this.config.etcdCompactionIntervalMs;
    if (intervalMs > 0) {
      const target = this.storage instanceof RemoteCachedStorage ? this.storage.backend : this.storage;
      this.stopCompactor =
        isEtcdStorage(target)
          ? loadEtcdBackend().startCompactor(target, { intervalMs })
          : startPeriodicCompactor(target, { intervalMs, onError: (e) => console.warn(`compaction failed: ${(e as Error).message}`) });
    }
  }

  /** Retried until etcd answers, so a replica started before etcd still comes up. */
  private async ensureNamespaces(): Promise<void> {
    const def = this.server.registry.lookup('', 'v1', 'namespaces');
    if (!def) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await ensureSystemNamespaces(this.server.storeFor(def));
        return;
      } catch (e) {
        if (attempt === 0) console.warn(`waiting for storage to create system namespaces: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  /** SIGTERM: fail /readyz, wait --shutdown-delay-duration, drain requests, end watches cleanly. */
  async beforeApplicationShutdown(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance() as FastifyInstance | undefined;
    if (!fastify?.server) return;
    await runGracefulShutdown({
      signals: this.server.shutdown,
      server: fastify.server,
      shutdownDelayMs: this.config.shutdownDelayMs,
      sendRetryAfter: this.config.shutdownSendRetryAfter,
      watchTerminationGracePeriodMs: this.config.shutdownWatchTerminationGracePeriodMs,
      drainTimeoutMs: this.config.requestTimeoutMs > 0 ? this.config.requestTimeoutMs : 60_000,
      log: (m) => console.log(m),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.server.beginShutdown();
    this.stopCompactor?.();
    await (this.server.auditSink as { close?(): Promise<void> } | undefined)?.close?.();
    await this.storage.close();
  }
}

/**
 * etcd; with --watch-cache-servers, etcd for writes and quorum GETs, and the watch-cache service
 * (one gRPC stream per resource, fanned out locally) for lists and watches.
 */
function storageFor(config: ApiserverConfig): Storage {
  const etcd = ETCD_REQUEST_METRICS.measure(new (loadEtcdBackend().EtcdStorage)({ endpoints: config.etcdServers, prefix: config.etcdPrefix }));
  if (config.watchCacheServers.length === 0) return etcd;
  return new RemoteCachedStorage(etcd, {
    servers: config.watchCacheServers,
    onAvailabilityChange: (up) =>
      up ? console.log('watch-cache: serving lists and watches from the watch cache') : console.warn('watch-cache: no server reachable, reading from etcd'),
  });
}

@Module({})
export class ApiserverModule {
  static forRoot(config: ApiserverConfig, opts: { storage?: Storage; imports?: DynamicModule[] } = {}): DynamicModule {
    return {
      module: ApiserverModule,
      imports: opts.imports ?? [],
      providers: [
        { provide: APISERVER_CONFIG, useValue: config },
        {
          provide: STORAGE,
          useFactory: () => {
            const storage = opts.storage ?? storageFor(config);
            return tracedStorage(storage, storage.constructor.name);
          },
        },
        {
          provide: REGISTRY,
          useFactory: (storage: Storage) =>
            new ResourceRegistry(
              builtinResources({
                services: {
                  allocation: new ServiceAllocation(
                    newServiceAllocators(storage, {
                      serviceClusterIPRanges: config.serviceClusterIPRanges.map((r) => r.cidr),
                      serviceNodePortRange: config.serviceNodePortRange,
                    }),
                  ),
                },
              }),
            ),
          inject: [STORAGE],
        },
        {
          provide: ApiServer,
          useFactory: (storage: Storage, registry: ResourceRegistry, extra?: HealthCheck[], extraMetrics?: Registry[]) => {
            const metrics = new MetricsRegistry();
            metrics.join(ETCD_REQUEST_METRICS.registry);
            for (const r of extraMetrics ?? []) metrics.join(r);
            // apiextensions.k8s.io: CustomResourceDefinitions (apiextensions/crd-controller.ts serves them)
            if (!registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')) registry.add(crdDefinition());
            // apiregistration.k8s.io: APIServices (aggregator/ proxies the remote ones)
            if (!registry.lookup('apiregistration.k8s.io', 'v1', 'apiservices')) registry.add(apiServicesDefinition());
            const encryptionMetrics = installEncryptionAtRest(config.encryption, registry, config.etcdPrefix);
            if (encryptionMetrics) metrics.join(encryptionMetrics);
            const priorityClasses = new SystemPriorityClassesHook();
            const authz = new AuthorizationSetup(config.authorizationModes);
            const server = new ApiServer(
              config,
              storage,
              registry,
              { authenticator: new X509Authenticator(), auditSink: auditSinkFor(config.audit, config.securePort), authorizer: authz.authorizer },
              [...(storage instanceof RemoteCachedStorage ? [storage.readyCheck()] : []), priorityClasses.readyCheck, authz.readyCheck, ...(extra ?? [])],
              metrics,
            );
            server.startAdmissionControllers();
            priorityClasses.start(() => {
              const def = registry.lookup('scheduling.k8s.io', 'v1', 'priorityclasses');
              return def && server.storeFor(def);
            });
            authz.start(server);
            const crds = new CrdController(server, registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!);
            // before the CRDs load: the aggregator takes the built-in group versions as they are now
            server.aggregator.start({ crdsSynced: crds.waitForSync() });
            crds.start();
            return server;
          },
          inject: [STORAGE, REGISTRY, { token: EXTRA_READY_CHECKS, optional: true }, { token: EXTRA_METRICS_REGISTRIES, optional: true }],
        },
        {
          provide: ApiServerLifecycle,
          useFactory: (server: ApiServer, host: HttpAdapterHost, storage: Storage) => new ApiServerLifecycle(server, host, storage, config),
          inject: [ApiServer, HttpAdapterHost, STORAGE],
        },
        {
          // --endpoint-reconciler-type=lease: this replica's master lease and Endpoints kubernetes
          provide: EndpointReconcilerLifecycle,
          useFactory: (storage: Storage, registry: ResourceRegistry, host: HttpAdapterHost) =>
            EndpointReconcilerLifecycle.forApiserver(config, storage instanceof RemoteCachedStorage ? storage.backend : storage, registry, () => {
              const addr = host.httpAdapter?.getHttpServer()?.address();
              return typeof addr === 'object' && addr ? addr.port : undefined;
            }),
          inject: [STORAGE, REGISTRY, HttpAdapterHost],
        },
      ],
      exports: [ApiServer, STORAGE, REGISTRY],
    };
  }
}
