import { afterAll, describe, expect, it } from 'vitest';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { configMapsDefinition, podsDefinition } from '../../../../libs/resources/src';
import { resourceQuotasDefinition } from '../../../../libs/resources/src/core/resourcequotas';
import { Store } from '../../../../libs/registry/src/store';
import { SqliteStorage } from '../../../../libs/storage/src/sqlite/sqlite-storage';
import { ResourceQuotaAdmission } from './resource-quota';
import { formatQuantity, usageOf } from './quota-usage';

const storage = new SqliteStorage({ path: ':memory:', progressNotifyIntervalMs: 200, ttlSweepIntervalMs: 200 });
afterAll(async () => storage.close());

/** one "replica": its own plugin instance and stores over the shared storage */
function replica() {
  const stores = new Map<string, Store>();
  const quota = new ResourceQuotaAdmission(
    {
      quotas: () => stores.get('/resourcequotas'),
      storeFor: (g, r) => stores.get(`${g}/${r}`),
    },
    { settleMs: 50 },
  );
  for (const def of [podsDefinition(), configMapsDefinition(), resourceQuotasDefinition()]) stores.set(`${def.group}/${def.plural}`, new Store(def, storage, [quota.hook]));
  return { quota, pods: stores.get('/pods')!, quotas: stores.get('/resourcequotas')!, cms: stores.get('/configmaps')! };
}

const pod = (name: string, cpu?: string): KObject => {
  const p: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx', ...(cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {}) }] },
  };
  podsDefinition().strategy.default?.(p);
  return p;
};

describe('ResourceQuota admission', () => {
  it('admits exactly the quota under concurrent creates through three replicas, and status.used says so', async () => {
    const rs = [replica(), replica(), replica()];
    await rs[0].quotas.create('q1', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '10' } } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => rs[i % 3].pods.create('q1', pod(`p${i}`))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(10);
    const denied = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(denied.reason.message)).toMatch(/^pods "p\d+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10$/);
    expect(denied.reason.code).toBe(403);
    const q = await rs[1].quotas.get('q1', 'q');
    expect(q.status).toEqual({ hard: { pods: '10' }, used: { pods: '10' } });
    // release: delete two pods, recalculation frees them
    await rs[0].pods.delete('q1', (results.map((r, i) => (r.status === 'fulfilled' ? `p${i}` : '')).filter(Boolean))[0], { gracePeriodSeconds: 0 });
    await rs[2].quota.recalcNamespace('q1');
    expect(((await rs[1].quotas.get('q1', 'q')).status as { used: Record<string, string> }).used.pods).toBe('9');
    await rs[0].pods.create('q1', pod('again'));
  }, 30_000);

  it('counts requests/limits and count/<resource>, and asks pods to state requests', async () => {
    const r = replica();
    await r.quotas.create('q2', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'cpu' }, spec: { hard: { 'requests.cpu': '1', 'count/configmaps': '1' } } });
    await expect(r.pods.create('q2', pod('nocpu'))).rejects.toThrow('pods "nocpu" is forbidden: failed quota: cpu: must specify requests.cpu');
    await r.pods.create('q2', pod('a', '600m'));
    await expect(r.pods.create('q2', pod('b', '500m'))).rejects.toThrow('exceeded quota: cpu, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
    await r.cms.create('q2', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } });
    await expect(r.cms.create('q2', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2' } })).rejects.toThrow(
      'configmaps "c2" is forbidden: exceeded quota: cpu, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
    );
  });

  it('usage and quantity formatting', () => {
    const u = usageOf('', 'pods', pod('x', '250m'));
    expect(formatQuantity(u.get('requests.cpu')!)).toBe('250m');
    expect(u.get('pods')).toBe(1_000_000_000n);
    expect(formatQuantity(2n * 1_000_000_000n * (1n << 30n))).toBe('2Gi');
  });
});
