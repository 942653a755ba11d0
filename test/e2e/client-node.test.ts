/**
 * End to end with @kubernetes/client-node against one replica on a real etcd: load the harness
 * kubeconfig, list through CoreV1Api, and run an informer (list + watch) that sees a configmap
 * created, updated and deleted through CoreV1Api.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';

type K8s = typeof import('@kubernetes/client-node');
type ConfigMap = import('@kubernetes/client-node').V1ConfigMap;
/** makeInformer returns a ListWatch: an Informer that is also the ObjectCache */
type CachingInformer<T extends import('@kubernetes/client-node').KubernetesObject> = import('@kubernetes/client-node').Informer<T> & import('@kubernetes/client-node').ObjectCache<T>;

let server: ApiserverInstance;
let k8s: K8s;

beforeAll(async () => {
  server = await startApiserver();
  k8s = await import('@kubernetes/client-node');
});

afterAll(async () => {
  await server?.stop();
});

/** Resolves with the first value `pick` returns for an event, or rejects after `ms`. */
function waitFor<T>(what: string, ms: number, register: (done: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

describe('@kubernetes/client-node', () => {
  const namespace = 'client-node-e2e';

  it('loads the kubeconfig and lists namespaces and configmaps', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    expect(kc.getCurrentCluster()?.server).toBe(server.url);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nsList = await core.listNamespace();
    expect(nsList.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    for (const name of ['one', 'two']) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { app: 'e2e' } }, data: { name } } });
    }
    const list = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app=e2e' });
    expect(list.items.map((c) => c.metadata?.name).filter((n) => n !== 'kube-root-ca.crt').sort()).toEqual(['one', 'two']);
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    const one = await core.readNamespacedConfigMap({ namespace, name: 'one' });
    expect(one.data).toEqual({ name: 'one' });
    // errors surface as ApiException carrying the Status code
    await expect(core.readNamespacedConfigMap({ namespace, name: 'missing' })).rejects.toMatchObject({ code: 404 });
  });

  it('an informer sees add, update and delete', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer<ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace })) as CachingInformer<ConfigMap>;
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    const added: string[] = [];
    informer.on('add', (cm) => added.push(cm.metadata?.name ?? ''));
    await informer.start();
    try {
      // the initial list delivered the existing objects
      await waitFor<void>('initial adds', 10_000, (done) => {
        const check = () => (added.includes('one') && added.includes('two') ? done() : setTimeout(check, 50));
        check();
      });
      // (kube-root-ca.crt: every namespace gets it, as upstream's root-CA publisher does)
      expect(informer.list(namespace).map((c) => c.metadata?.name).filter((n) => n !== 'kube-root-ca.crt').sort()).toEqual(['one', 'two']);

      const sawAdd = waitFor<ConfigMap>('add of watched', 10_000, (done) =>
        informer.on('add', (cm) => {
          if (cm.metadata?.name === 'watched') done(cm);
        }),
      );
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'watched' }, data: { v: '1' } } });
      expect((await sawAdd).data).toEqual({ v: '1' });

      const sawUpdate = waitFor<ConfigMap>('update of watched', 10_000, (done) =>
        informer.on('update', (cm) => {
          if (cm.metadata?.name === 'watched' && cm.data?.v === '2') done(cm);
        }),
      );
      const current = await core.readNamespacedConfigMap({ namespace, name: 'watched' });
      await core.replaceNamespacedConfigMap({ namespace, name: 'watched', body: { ...current, data: { v: '2' } } });
      const updated = await sawUpdate;
      expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(current.metadata?.resourceVersion));
      expect(informer.get('watched', namespace)?.data).toEqual({ v: '2' });

      const sawDelete = waitFor<ConfigMap>('delete of watched', 10_000, (done) =>
        informer.on('delete', (cm) => {
          if (cm.metadata?.name === 'watched') done(cm);
        }),
      );
      await core.deleteNamespacedConfigMap({ namespace, name: 'watched' });
      expect((await sawDelete).metadata?.name).toBe('watched');
      expect(informer.get('watched', namespace)).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});
