/**
 * Installs the process-wide storage transformer (libs/storage/src/encryption) for a parsed
 * EncryptionConfiguration. Storage keys are mapped to group-resources through the registry: the
 * longest registered storage prefix (`/secrets`, `/deployments`, `/example.com/widgets`) wins.
 */
import type { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { storagePrefixOf } from '../../../../libs/registry/src/keys';
import { storageTransformerFor, type EncryptionConfig, type GroupResource } from '../../../../libs/storage/src/encryption/config';
import { onStorageTransformation, setStorageTransformer } from '../../../../libs/storage/src/encryption/transformer';
import { Counter, Registry } from 'prom-client';

export function keyResolver(registry: ResourceRegistry, etcdPrefix: string): (fullKey: string) => GroupResource | undefined {
  const base = etcdPrefix.replace(/\/+$/, '');
  let table: Array<[string, GroupResource]> | undefined;
  registry.onChange(() => {
    table = undefined;
  });
  const build = () => {
    const m = new Map<string, GroupResource>();
    for (const d of registry.all()) {
      const p = `${storagePrefixOf(d)}/`;
      const prev = m.get(p);
      // one prefix for two groups (events, events.k8s.io): the core group's name is used
      if (!prev || (prev.group !== '' && d.group === '')) m.set(p, { group: d.group, resource: d.plural });
    }
    return [...m.entries()].sort((a, b) => b[0].length - a[0].length);
  };
  return (fullKey) => {
    if (!fullKey.startsWith(`${base}/`)) return undefined;
    const rel = fullKey.slice(base.length);
    table ??= build();
    for (const [p, gr] of table) if (rel.startsWith(p)) return gr;
    return undefined;
  };
}

/**
 * Encrypt from now on in this process (before any storage read or write). Returns the registry of
 * `apiserver_storage_transformation_operations_total` (to join into /metrics), or undefined.
 */
export function installEncryptionAtRest(cfg: EncryptionConfig | undefined, registry: ResourceRegistry, etcdPrefix: string): Registry | undefined {
  if (!cfg) return undefined;
  setStorageTransformer(storageTransformerFor(cfg, keyResolver(registry, etcdPrefix)));
  const metrics = new Registry();
  const ops = new Counter({
    name: 'apiserver_storage_transformation_operations_total',
    help: '[ALPHA] Total number of transformations. Successful transformation will have a status \'OK\' and a varied status string when the transformation fails. This status and transformation_type fields may be used for alerting on encryption/decryption failure using transformation_type from_storage for decryption and to_storage for encryption',
    labelNames: ['transformation_type', 'transformer_prefix', 'status'],
    registers: [metrics],
  });
  onStorageTransformation((op, prefix, ok) => ops.inc({ transformation_type: op, transformer_prefix: prefix, status: ok ? 'OK' : 'Unknown' }));
  return metrics;
}
