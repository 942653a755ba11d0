import { afterAll, describe, expect, it } from 'vitest';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { configMapsDefinition, namespacesDefinition, serviceAccountsDefinition } from '../../../../libs/resources/src';
import { Store } from '../../../../libs/registry/src/store';
import { SqliteStorage } from '../../../../libs/storage/src/sqlite/sqlite-storage';
import { ensureNamespaceDefaults, startNamespaceDefaultsController } from './namespace-defaults-controller';

const storage = new SqliteStorage({ path: ':memory:', progressNotifyIntervalMs: 200, ttlSweepIntervalMs: 200 });
afterAll(async () => storage.close());
const namespaces = new Store(namespacesDefinition(), storage);
const sas = new Store(serviceAccountsDefinition(), storage);
const cms = new Store(configMapsDefinition(), storage);
const deps = { namespaces: () => namespaces, serviceAccounts: () => sas, configMaps: () => cms, rootCA: () => 'PEM' };

async function ns(name: string): Promise<KObject> {
  const obj: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  namespaces.def.strategy.default?.(obj);
  return namespaces.create('', obj);
}

describe('namespace defaults controller', () => {
  it('creates the default ServiceAccount and kube-root-ca.crt, idempotently (two replicas racing)', async () => {
    const a = await ns('a');
    await Promise.all([ensureNamespaceDefaults(a, deps), ensureNamespaceDefaults(a, deps)]);
    expect((await sas.get('a', 'default')).metadata.name).toBe('default');
    expect((await cms.get('a', 'kube-root-ca.crt')).data).toEqual({ 'ca.crt': 'PEM' });
    await ensureNamespaceDefaults(a, { ...deps, rootCA: () => 'NEW' });
    expect((await cms.get('a', 'kube-root-ca.crt')).data).toEqual({ 'ca.crt': 'NEW' });
  });

  it('handles new namespaces within its poll interval', async () => {
    const stop = startNamespaceDefaultsController(deps, { intervalMs: 50 });
    try {
      await ns('b');
      const start = Date.now();
      for (;;) {
        const ok = await sas.get('b', 'default').then(() => true, () => false);
        if (ok) break;
        if (Date.now() - start > 5000) throw new Error('no default service account');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      stop();
    }
  });
});
