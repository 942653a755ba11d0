/**
 * The aggregation layer of one replica: an informer over the APIServices, the proxy for remote
 * group versions (proxy.ts), the Available condition (availability.ts), remote discovery
 * (remote-discovery.ts), auto-registration of local APIServices (autoregister.ts) and the
 * extension-apiserver-authentication ConfigMap (auth-configmap.ts). Built by ApiServer, started
 * by the Nest module, stopped at shutdown.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { ResourceRegistry } from '../../../../libs/registry/src/registry';
import type { ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { Store } from '../../../../libs/registry/src/store';
import { apiServiceService, APIREGISTRATION_GROUP } from '../../../../libs/resources/src/apiregistration/apiservices';
import { Informer } from '../authz/informer';
import type { Dialer } from '../egress/egress-selector';
import type { Handler } from '../http/context';
import { startAuthenticationConfigMapPublisher } from './auth-configmap';
import { AutoRegister } from './autoregister';
import { AvailabilityController } from './availability';
import type { AggregatorConfig } from './options';
import { withAggregatorProxy } from './proxy';
import { RemoteDiscovery } from './remote-discovery';
import type { ResolverStores } from './resolver';
import { ServiceWatch } from './service-watch';
import { loadProxyClientCert, type ProxyClientCert } from './transport';

export interface AggregatorDeps {
  registry: ResourceRegistry;
  storeFor(def: ResourceDefinition): Store;
  /** the `cluster` egress */
  dialer: Dialer;
  config?: AggregatorConfig;
  /** PEM of the client CA (--client-ca-file or the generated CA), published in the ConfigMap */
  clientCA(): string;
}

export class Aggregator {
  readonly discovery: RemoteDiscovery;
  readonly availability: AvailabilityController;
  private readonly informer: Informer;
  /** `<group>/<version>` → remote APIService */
  private readonly remote = new Map<string, KObject>();
  /** APIService name → its spec as last checked */
  private readonly specs = new Map<string, string>();
  private readonly stores: ResolverStores;
  private readonly client?: ProxyClientCert;
  private autoregister?: AutoRegister;
  private serviceWatch?: ServiceWatch;
  private stopConfigMap?: () => void;
  private started = false;

  constructor(private readonly deps: AggregatorDeps) {
    const store = (g: string, v: string, r: string) => () => this.storeOf(g, v, r);
    this.stores = { services: store('', 'v1', 'services'), endpointSlices: store('discovery.k8s.io', 'v1', 'endpointslices'), endpoints: store('', 'v1', 'endpoints') };
    const c = deps.config;
    this.client = c ? loadProxyClientCert(c.proxyClientCertFile, c.proxyClientKeyFile) : undefined;
    this.informer = new Informer(() => this.apiServiceStore()!, 'apiservices');
    this.discovery = new RemoteDiscovery(() => [...this.remote.values()]);
    this.availability = new AvailabilityController({
      list: () => [...this.informer.items.values()],
      get: (name) => this.informer.items.get(`/${name}`),
      apiServices: () => this.apiServiceStore(),
      stores: this.stores,
      dialer: deps.dialer,
      client: () => this.client,
      discovery: this.discovery,
    });
    this.informer.onChange((type, obj) => this.onAPIService(type, obj));
  }

  private storeOf(group: string, version: string, plural: string): Store | undefined {
    const def = this.deps.registry.lookup(group, version, plural);
    return def && this.deps.storeFor(def);
  }

  private apiServiceStore(): Store | undefined {
    return this.storeOf(APIREGISTRATION_GROUP, 'v1', 'apiservices');
  }

  private onAPIService(type: string, s: KObject): void {
    const spec = (s.spec ?? {}) as Record<string, unknown>;
    const key = `${String(spec.group ?? '')}/${String(spec.version ?? '')}`;
    for (const [k, v] of this.remote) if (v.metadata.name === s.metadata.name && k !== key) this.remote.delete(k);
    if (type === 'DELETED' || !apiServiceService(s)) {
      if (this.remote.get(key)?.metadata.name === s.metadata.name) this.remote.delete(key);
    } else {
      this.remote.set(key, s);
    }
    this.discovery.touch();
    const name = s.metadata.name ?? '';
    if (type === 'DELETED') {
      this.discovery.forget(name);
      this.specs.delete(name);
      return;
    }
    // status writes come back as MODIFIED: re-check only when the spec changed
    const fp = JSON.stringify(s.spec ?? {});
    if (this.specs.get(name) === fp && (s.status as Record<string, unknown> | undefined)?.conditions) return;
    this.specs.set(name, fp);
    this.availability.enqueue(name);
  }

  /** the remote APIService for a group version (only those with spec.service) */
  remoteFor(group: string, version: string): KObject | undefined {
    return this.remote.get(`${group}/${version}`);
  }

  /** Wraps the local handler: remote group versions are proxied. */
  wrap(next: Handler): Handler {
    const rh = this.deps.config;
    return withAggregatorProxy(next, {
      remoteFor: (g, v) => this.remoteFor(g, v),
      stores: this.stores,
      dialer: this.deps.dialer,
      client: () => this.client,
      requestHeaderNames: rh ? { usernameHeaders: rh.usernameHeaders, groupHeaders: rh.groupHeaders, extraHeaderPrefixes: rh.extraHeaderPrefixes } : undefined,
      onBackendError: (name) => this.availability.recheck(name),
    });
  }

  /**
   * Starts the controllers. Call before CRDs load into the registry (built-in group versions are
   * taken then); `crdsSynced` resolves once they have (stale CRD APIServices are removed after).
   */
  start(opts: { crdsSynced?: Promise<void> } = {}): void {
    if (this.started) return;
    this.started = true;
    this.informer.start();
    this.availability.start();
    this.serviceWatch = new ServiceWatch({
      ...this.stores,
      apiServicesFor: (ns, name) =>
        [...this.remote.values()].filter((s) => {
          const svc = apiServiceService(s);
          return svc?.namespace === ns && svc.name === name;
        }).map((s) => s.metadata.name ?? ''),
      changed: (name) => this.availability.enqueue(name),
    });
    this.serviceWatch.start();
    this.autoregister = new AutoRegister({ registry: this.deps.registry, store: () => this.apiServiceStore(), crdsSynced: opts.crdsSynced });
    this.autoregister.start();
    this.stopConfigMap = startAuthenticationConfigMapPublisher(
      () => this.storeOf('', 'v1', 'configmaps'),
      () => this.deps.clientCA(),
      this.deps.config?.requestHeader,
    );
  }

  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  stop(): void {
    this.informer.stop();
    this.availability.stop();
    this.serviceWatch?.stop();
    this.autoregister?.stop();
    this.stopConfigMap?.();
  }
}
