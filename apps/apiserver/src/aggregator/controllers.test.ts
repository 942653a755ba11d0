/** resolver, auto-registration and the authentication ConfigMap against real stores (in-memory SQLite). */
import { afterAll, describe, expect, it } from 'vitest';
import { configMapsDefinition, endpointSlicesDefinition, endpointsDefinition, servicesDefinition } from '../../../../libs/resources/src';
import { apiServicesDefinition } from '../../../../libs/resources/src/apiregistration/apiservices';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { Store } from '../../../../libs/registry/src/store';
import { SqliteStorage } from '../../../../libs/storage/src/sqlite/sqlite-storage';
import { authenticationData, mergeBundles, publishAuthenticationConfigMap } from './auth-configmap';
import { AUTOMANAGED_LABEL, AutoRegister, builtinPriority } from './autoregister';
import { resolveBackends, ResolveError } from './resolver';
import { ServiceWatch } from './service-watch';

const storage = new SqliteStorage({ path: ':memory:', progressNotifyIntervalMs: 200, ttlSweepIntervalMs: 200 });
afterAll(async () => storage.close());
const services = new Store(servicesDefinition(), storage);
const slices = new Store(endpointSlicesDefinition(), storage);
const endpoints = new Store(endpointsDefinition(), storage);
const configMaps = new Store(configMapsDefinition(), storage);
const apiServices = new Store(apiServicesDefinition(), storage);
const stores = { services: () => services, endpointSlices: () => slices, endpoints: () => endpoints };

const PEM_A = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const PEM_B = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';

async function reason(ns: string, name: string, port: number): Promise<string> {
  try {
    await resolveBackends(stores, ns, name, port);
    return 'ok';
  } catch (e) {
    return e instanceof ResolveError ? `${e.reason}: ${e.message}` : String(e);
  }
}

describe('service resolution', () => {
  it('walks Service → port → EndpointSlices with upstream reasons', async () => {
    expect(await reason('default', 'api', 443)).toBe('ServiceNotFound: service/api in "default" is not present');
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } };
    services.def.strategy.default?.(svc);
    await services.create('default', svc);
    expect(await reason('default', 'api', 444)).toBe('ServicePortError: service/api in "default" is not listening on port 444');
    expect(await reason('default', 'api', 443)).toBe('EndpointsNotFound: cannot find endpointslices for service/api in "default"');
    await slices.create('default', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'api-1', labels: { 'kubernetes.io/service-name': 'api' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: false } }],
      ports: [{ name: 'https', port: 8443, protocol: 'TCP' }],
    });
    expect(await reason('default', 'api', 443)).toBe('MissingEndpoints: endpointslices for service/api in "default" have no addresses with port name "https"');
    await slices.update('default', 'api-1', (s) => ({ ...s, endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }] }));
    expect(await resolveBackends(stores, 'default', 'api', 443)).toEqual([{ ip: '10.1.0.5', port: 8443 }]);
  });
});

describe('auto-registration', () => {
  it('registers the built-in group versions (onstart) and CRD ones (true), removing those no CRD serves', async () => {
    const registry = new ResourceRegistry([configMapsDefinition(), apiServicesDefinition()]);
    const ar = new AutoRegister({ registry, store: () => apiServices });
    ar.start();
    for (let i = 0; i < 50 && (await apiServices.list('', {})).items.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const core = await apiServices.get('', 'v1.');
    expect(core.metadata.labels).toEqual({ [AUTOMANAGED_LABEL]: 'onstart' });
    expect(core.spec).toEqual({ group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    expect(builtinPriority('apps', 'v1')).toEqual({ group: 17800, version: 15 });
    registry.add({ ...configMapsDefinition(), group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', singular: 'crontab' });
    await ar.syncCRDs();
    const crd = await apiServices.get('', 'v1.stable.example.com');
    expect(crd.metadata.labels).toEqual({ [AUTOMANAGED_LABEL]: 'true' });
    expect(crd.spec).toMatchObject({ groupPriorityMinimum: 1000, versionPriority: 100 });
    registry.remove('stable.example.com', 'v1', 'crontabs');
    await ar.syncCRDs();
    await expect(apiServices.get('', 'v1.stable.example.com')).rejects.toThrow('not found');
    // a second replica changes nothing
    const before = (await apiServices.get('', 'v1.')).metadata.resourceVersion;
    const other = new AutoRegister({ registry, store: () => apiServices });
    await other.syncCRDs();
    other.start();
    await new Promise((r) => setTimeout(r, 200));
    expect((await apiServices.get('', 'v1.')).metadata.resourceVersion).toBe(before);
    ar.stop();
    other.stop();
  });
});

describe('extension-apiserver-authentication', () => {
  const rh = { clientCAFile: 'f', clientCA: PEM_B, allowedNames: ['front-proxy-client'], usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };

  it('publishes the CAs and the header settings as JSON arrays, merging with other replicas', async () => {
    await publishAuthenticationConfigMap(configMaps, PEM_A, rh);
    const cm = await configMaps.get('kube-system', 'extension-apiserver-authentication');
    expect(cm.data).toEqual({
      'client-ca-file': PEM_A,
      'requestheader-client-ca-file': PEM_B,
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
      'requestheader-allowed-names': '["front-proxy-client"]',
    });
    await publishAuthenticationConfigMap(configMaps, PEM_A, rh);
    expect((await configMaps.get('kube-system', 'extension-apiserver-authentication')).metadata.resourceVersion).toBe(cm.metadata.resourceVersion);
    expect(mergeBundles(PEM_A, PEM_B)).toBe(PEM_A + PEM_B);
    expect(authenticationData({}, PEM_A, undefined)).toEqual({ 'client-ca-file': PEM_A });
  });
});

describe('service watch', () => {
  it('re-checks the APIServices whose Service or EndpointSlices change', async () => {
    const changed: string[] = [];
    const w = new ServiceWatch({ ...stores, apiServicesFor: (ns, name) => (ns === 'watched' && name === 'backend' ? ['v1.watched.example.io'] : []), changed: (n) => changed.push(n) });
    w.start();
    await new Promise((r) => setTimeout(r, 300));
    const other = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'unrelated' }, spec: { ports: [{ port: 80 }] } };
    services.def.strategy.default?.(other);
    await services.create('watched', other);
    await slices.create('watched', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'backend-x', labels: { 'kubernetes.io/service-name': 'backend' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.0.9'] }],
      ports: [{ name: '', port: 443, protocol: 'TCP' }],
    });
    for (let i = 0; i < 50 && !changed.length; i++) await new Promise((r) => setTimeout(r, 20));
    w.stop();
    expect(changed).toEqual(['v1.watched.example.io']);
  });
});
