/**
 * The default policy against a real etcd: two "replicas" bootstrapping at once create every object
 * exactly once, a second run is a no-op, and the aggregation controller fills admin/edit/view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../../test/harness/etcd';
import { rbacResources } from '../../../../libs/resources/src/rbac/rbac';
import { EtcdStorage } from '../../../../libs/storage/src/etcd/etcd-storage';
import { Store } from '../../../../libs/registry/src/store';
import { AggregationController } from './aggregation';
import { ensureBootstrapPolicy } from './bootstrap';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy';
import { Informer } from './informer';

let etcd: EtcdInstance;
let storage: EtcdStorage;
const defs = rbacResources();
const def = (plural: string) => defs.find((d) => d.plural === plural)!;

beforeAll(async () => {
  etcd = await startEtcd();
  storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/registry' });
}, 30_000);

afterAll(async () => {
  await storage?.close();
  await etcd?.stop();
});

describe('bootstrap policy', () => {
  it('is created once by concurrent replicas and is idempotent', async () => {
    const stores = () => ({
      clusterRoles: new Store(def('clusterroles'), storage),
      clusterRoleBindings: new Store(def('clusterrolebindings'), storage),
      roles: new Store(def('roles'), storage),
      roleBindings: new Store(def('rolebindings'), storage),
    });
    await Promise.all([ensureBootstrapPolicy(stores()), ensureBootstrapPolicy(stores())]);
    const crs = await stores().clusterRoles.list('', {});
    expect(crs.items.map((o) => o.metadata.name).sort()).toEqual(bootstrapClusterRoles().map((o) => o.metadata.name).sort());
    const crbs = await stores().clusterRoleBindings.list('', {});
    expect(crbs.items.length).toBe(bootstrapClusterRoleBindings().length);
    const roles = await stores().roles.list('kube-system', {});
    expect(roles.items.map((o) => o.metadata.name)).toContain('extension-apiserver-authentication-reader');
    expect((await stores().roleBindings.list('kube-public', {})).items.map((o) => o.metadata.name)).toEqual(['system:controller:bootstrap-signer']);
    const rv = crs.metadata.resourceVersion;
    await ensureBootstrapPolicy(stores());
    expect((await stores().clusterRoles.list('', {})).metadata.resourceVersion).toBe(rv);
  }, 30_000);

  it('aggregates admin, edit and view through the controller', async () => {
    const store = new Store(def('clusterroles'), storage);
    const informer = new Informer(() => store, 'clusterroles');
    const controller = new AggregationController(informer, () => store);
    informer.start();
    controller.start();
    try {
      let view: Record<string, unknown> = {};
      for (let i = 0; i < 100; i++) {
        view = await store.get('', 'view');
        const admin = await store.get('', 'admin');
        if (JSON.stringify(view.rules ?? []).includes('deployments') && JSON.stringify(admin.rules ?? []).includes('pods/exec')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(JSON.stringify(view.rules)).toContain('deployments');
      const admin = await store.get('', 'admin');
      // admin = edit + view + its own: it can exec into pods and manage role bindings
      expect(JSON.stringify(admin.rules)).toContain('pods/exec');
      expect(JSON.stringify(admin.rules)).toContain('rolebindings');
    } finally {
      controller.stop();
      informer.stop();
    }
  }, 30_000);
});
