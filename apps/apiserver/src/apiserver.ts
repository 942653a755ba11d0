/**
 * The API front end as one object: storage, registry, stores, the filter chain and the router,
 * served over HTTPS through fastify. Built by the Nest module (apiserver.module.ts); kept free of
 * per-request framework machinery.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ResourceRegistry } from '../../../libs/registry/src/registry';
import { ResourceDefinition } from '../../../libs/registry/src/resource';
import { AdmissionHook, Store } from '../../../libs/registry/src/store';
import { CachedStorage } from '../../../libs/cacher/src/cached-storage';
import { cacherMetricsRegistry } from '../../../libs/cacher/src/metrics';
import { MetricsRegistry } from '../../../libs/metrics/src/metrics-registry';
import { OpenApiBuilder } from '../../../libs/openapi/src';
import { replicaCacheMetricsRegistry } from '../../../libs/watchcache/src/metrics';
import { RemoteCachedStorage } from '../../../libs/watchcache/src/remote-cached-storage';
import { Storage } from '../../../libs/storage/src/interface';
import { buildAdmissionChain, type AdmissionChain } from './admission/admission-chain';
import { rootCAReader, startNamespaceDefaultsController } from './admission/namespace-defaults-controller';
import { extensionAdmission, ExtensionAdmission } from './admission/setup-extension-admission';
import { ApiserverConfig } from './config';
import { buildHandlerChain } from './filters/chain';
import type { ChainDeps } from './filters/types';
import { Discovery } from './handlers/discovery';
import { HealthCheck, HealthEndpoints } from './handlers/health';
import { OpenApiEndpoints } from './handlers/openapi';
import { createEntry } from './http/entry';
import { routeFallbacksToEntry } from './http/framework-errors';
import { createRouter } from './http/router';
import { ConnectHandler, serveUpgrade } from './handlers/connect';
import { dialerFor, Dialer } from './egress/egress-selector';
import { ApiserverMetrics } from './metrics';
import { withAuthorizationScope } from './authz/setup';
import { ShutdownSignals } from './lifecycle/shutdown-signals';
import { requestGauges, storageObjectsGauge } from './request-gauges';
import { Authentication } from './authn/authentication';
import { Aggregator } from './aggregator/aggregator';
import { withRequestHeaderAuthentication } from './aggregator/requestheader';
import { conversionWebhookEnv } from './apiextensions/conversion-webhook';

export class ApiServer {
  readonly stores = new Map<string, Store>();
  readonly admission: AdmissionHook[] = [];
  /** the enabled admission plugins (admission/admission-chain.ts) */
  readonly admissionChain: AdmissionChain;
  private stopAdmissionControllers: (() => void)[] = [];
  /** graceful shutdown state (lifecycle/graceful-shutdown.ts); /readyz fails once initiated */
  readonly shutdown = new ShutdownSignals();
  readonly entry: (req: IncomingMessage, res: ServerResponse) => void;
  /** the process's /metrics: Node defaults, request and watch metrics, the watch cache's, joined modules' */
  readonly metrics: MetricsRegistry;
  readonly apiMetrics: ApiserverMetrics;
  /** the `cluster` egress: kubelets, pods, services (konnectivity or direct) */
  readonly clusterDialer: Dialer;
  /** the audit backends (closed at shutdown: buffered webhook events are enqueued) */
  readonly auditSink: ChainDeps['auditSink'];
  /** token authenticators, service-account keys and the authentication endpoints (authn/) */
  readonly authn: Authentication;
  /** admission webhooks and ValidatingAdmissionPolicy (admission/webhook, admission/policy) */
  readonly extensionAdmission: ExtensionAdmission;
  /** the aggregation layer: APIServices, the proxy to aggregated API servers (aggregator/) */
  readonly aggregator: Aggregator;

  constructor(
    readonly config: ApiserverConfig,
    readonly storage: Storage,
    readonly registry: ResourceRegistry,
    chainDeps: Omit<ChainDeps, 'config'>,
    extraReadyChecks: HealthCheck[] = [],
    metrics?: MetricsRegistry,
  ) {
    this.metrics = metrics ?? new MetricsRegistry();
    this.auditSink = chainDeps.auditSink;
    this.apiMetrics = new ApiserverMetrics({ isKnownResource: (i) => registry.lookup(i.apiGroup, i.apiVersion, i.resource) !== undefined });
    this.metrics.join(this.apiMetrics.registry);
    requestGauges(this.apiMetrics.registry, this.shutdown, (ctx) => this.apiMetrics.requestLabels(ctx));
    this.stopStorageObjects = storageObjectsGauge(this.apiMetrics.registry, storage, () => registry.all());
    if (storage instanceof RemoteCachedStorage) this.metrics.join(replicaCacheMetricsRegistry(() => storage.stats(), () => storage.available));
    else if (storage instanceof CachedStorage) this.metrics.join(cacherMetricsRegistry(() => storage.stats()));
    // --enable/--disable-admission-plugins, in upstream's order (admission/admission-chain.ts)
    this.admissionChain = buildAdmissionChain(config.admissionPlugins, { storeFor: (g, r) => this.storeForResource(g, r) });
    this.admission.push(...this.admissionChain.hooks);
    this.authn = new Authentication(config, registry, this);
    this.admission.push(this.authn.admissionHook);
    const openapi = new OpenApiEndpoints(new OpenApiBuilder(() => registry.all()));
    registry.onChange(() => {
      this.stores.clear();
      openapi.invalidate();
    });
    const etcdCheck: HealthCheck = {
      name: 'etcd',
      check: () => withTimeout(storage.currentRevision().then(() => undefined), 2000, 'etcd did not answer in 2s'),
    };
    const ping: HealthCheck = { name: 'ping', check: async () => undefined };
    const log: HealthCheck = { name: 'log', check: async () => undefined };
    const shutdown: HealthCheck = {
      name: 'shutdown',
      check: async () => {
        if (this.shutdown.shutdownInitiated) throw new Error('process is shutting down');
      },
    };
    const health = new HealthEndpoints({
      healthz: [ping, log, etcdCheck],
      livez: [ping, log, etcdCheck],
      readyz: [ping, log, etcdCheck, ...extraReadyChecks, shutdown],
    });
    const discovery = new Discovery(registry, () => `${config.advertiseAddress}:${config.securePort}`);
    this.clusterDialer = dialerFor(config.egressSelector, 'cluster');
    this.extensionAdmission = extensionAdmission(registry, (def) => this.storeFor(def), this.clusterDialer, this.admissionChain.plugins);
    const clientCA = rootCAReader(config.clientCAFile, config.certDir);
    this.aggregator = new Aggregator({ registry, storeFor: (def) => this.storeFor(def), dialer: this.clusterDialer, config: config.aggregator, clientCA });
    discovery.setExternal(this.aggregator.discovery);
    this.admission.push(...this.extensionAdmission.hooks);
    // ResourceQuota charges last, after the webhooks and policies, as upstream orders it
    const quotaHook = this.admissionChain.quota?.hook;
    if (quotaHook) this.admission.push(...this.admission.splice(this.admission.indexOf(quotaHook), 1));
    const connect = new ConnectHandler({
      registry,
      stores: this,
      dialer: this.clusterDialer,
      kubeletCA: config.kubeletCertificateAuthority ? readFileSync(config.kubeletCertificateAuthority) : undefined,
    });
    const router = createRouter({
      connect,
      registry,
      stores: this,
      discovery,
      health,
      openapi,
      minRequestTimeoutSeconds: config.minRequestTimeoutSeconds,
      testPanicPath: config.testPanicPath,
      metrics: this.metrics,
      watchMetrics: this.apiMetrics,
      authn: this.authn,
    });
    // request-header (front proxy) authentication before x509; remote APIServices proxied after authorization (aggregator/)
    const x509 = chainDeps.authenticator && withRequestHeaderAuthentication(chainDeps.authenticator, config.aggregator?.requestHeader, clientCA);
    this.entry = createEntry(buildHandlerChain(withAuthorizationScope(chainDeps.authorizer)(this.aggregator.wrap(router)), { ...chainDeps, authenticator: this.authn.requestAuthenticator(x509), config, shutdown: this.shutdown }), this.apiMetrics);
  }

  private readonly conversionWebhooks = conversionWebhookEnv({
    dialer: () => this.clusterDialer,
    storeFor: (g, v, p) => {
      const d = this.registry.lookup(g, v, p);
      return d && this.storeFor(d);
    },
  });

  storeFor(def: ResourceDefinition): Store {
    const key = `${def.group}/${def.version}/${def.plural}`;
    let s = this.stores.get(key);
    if (!s) {
      // custom resources with Webhook conversion: a converting storage (apiextensions/conversion-webhook.ts)
      const storage = def.wrapStorage ? def.wrapStorage(this.storage, this.conversionWebhooks) : this.storage;
      s = new Store(def, storage, this.admission);
      this.stores.set(key, s);
    }
    return s;
  }

  /** The store of a resource by group and plural (its first registered version), if served. */
  storeForResource(group: string, plural: string): Store | undefined {
    const def = this.registry.all().find((d) => d.group === group && d.plural === plural);
    return def && this.storeFor(def);
  }

  /**
   * In-process controllers the admission plugins rely on (upstream runs them in
   * kube-controller-manager): default ServiceAccount and kube-root-ca.crt per namespace, and the
   * quota recalculation. Started once per replica by the module; stopped at shutdown.
   */
  startAdmissionControllers(rootCA: () => string = rootCAReader(this.config.clientCAFile, this.config.certDir)): void {
    if (this.stopAdmissionControllers.length) return;
    this.stopAdmissionControllers.push(
      startNamespaceDefaultsController({
        namespaces: () => this.storeForResource('', 'namespaces'),
        serviceAccounts: () => this.storeForResource('', 'serviceaccounts'),
        configMaps: () => this.storeForResource('', 'configmaps'),
        rootCA,
      }),
    );
    if (this.admissionChain.quota) this.stopAdmissionControllers.push(this.admissionChain.quota.start());
  }

  kindRegistered(apiVersion: string, kind: string): boolean {
    return this.registry.lookupKind(apiVersion, kind) !== undefined;
  }

  /** Route every request on the fastify instance to our entry, bypassing fastify's body parsing. */
  mount(fastify: FastifyInstance): void {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    const handler = (req: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack();
      this.entry(req.raw, reply.raw);
    };
    routeFallbacksToEntry(fastify, (req, res) => this.entry(req, res)); // first: other methods, refused content types (http/framework-errors.ts)
    fastify.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/', handler });
    fastify.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/*', handler });
    // WebSocket / SPDY upgrades (exec, attach, portforward, proxy) through the same entry and chain
    fastify.server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => serveUpgrade(this.entry, req, socket, head));
  }

  private readonly stopStorageObjects: () => void;

  beginShutdown(): void {
    this.stopStorageObjects();
    this.shutdown.shutdownInitiated = true;
    for (const stop of this.stopAdmissionControllers.splice(0)) stop();
    this.clusterDialer.close?.();
    this.extensionAdmission.stop();
    this.aggregator.stop();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
