/** Storage keys as upstream lays them out: /<prefix>/<namespace>/<name> or /<prefix>/<name>. */
import { ResourceDefinition } from './resource';

export function storagePrefixOf(def: ResourceDefinition): string {
  return `/${def.storagePrefix ?? def.plural}`;
}

export function objectKey(def: ResourceDefinition, namespace: string, name: string): string {
  return def.namespaced ? `${storagePrefixOf(def)}/${namespace}/${name}` : `${storagePrefixOf(def)}/${name}`;
}

/** The prefix to list or watch: one namespace, or everything (namespace ''). Always ends with '/'. */
export function listPrefix(def: ResourceDefinition, namespace: string): string {
  return def.namespaced && namespace ? `${storagePrefixOf(def)}/${namespace}/` : `${storagePrefixOf(def)}/`;
}
