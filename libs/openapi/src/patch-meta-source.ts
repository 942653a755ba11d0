/**
 * Strategic-merge-patch / list-type metadata of a field, used to emit
 * `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type` and
 * `x-kubernetes-list-map-keys`. The table is owned by libs/patch; typeName is the client-node model
 * name ('V1PodSpec'), jsonField the JSON field name ('containers').
 */
import { getPatchMeta } from '../../patch/src/patch-meta';

export interface PatchMeta {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

export type PatchMetaLookup = (typeName: string, jsonField: string) => PatchMeta | undefined;

export const defaultPatchMeta: PatchMetaLookup = getPatchMeta;
