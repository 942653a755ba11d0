/**
 * The type information strategic merge patch walks (upstream's LookupPatchMeta over Go structs):
 * for a field of the current type, its sub-schema and its patch strategy / merge key.
 * Types come from the @kubernetes/client-node models; an unknown type (or none) has no metadata,
 * so its lists are replaced and its maps merged, like a JSON merge patch.
 */
import { elementType, getFieldType, getPatchMeta } from './patch-meta';
import { smpErrors } from './smp-errors';

export interface PatchMeta {
  strategies: string[];
  mergeKey: string;
}

const NO_META: PatchMeta = { strategies: [], mergeKey: '' };

export class PatchSchema {
  constructor(readonly typeName: string | undefined) {}

  /** LookupPatchMetadataForStruct: a field holding an object (or a map's value). */
  lookupStruct(key: string): [PatchSchema, PatchMeta] {
    if (this.typeName === undefined) return [new PatchSchema(undefined), NO_META];
    const meta = getPatchMeta(this.typeName, key);
    const patchMeta: PatchMeta = meta
      ? { strategies: meta.patchStrategy ? meta.patchStrategy.split(',') : [], mergeKey: meta.patchMergeKey ?? '' }
      : NO_META;
    return [new PatchSchema(getFieldType(this.typeName, key)), patchMeta];
  }

  /** LookupPatchMetadataForSlice: a field holding a list; the sub-schema is the element type. */
  lookupSlice(key: string): [PatchSchema, PatchMeta] {
    const [sub, meta] = this.lookupStruct(key);
    const elem = sub.typeName === undefined ? undefined : elementType(sub.typeName);
    return [new PatchSchema(elem), meta];
  }

  /** what upstream prints for a struct schema in "cannot merge lists without merge key for ..." */
  name(): string {
    return 'struct';
  }
}

/** extractRetainKeysPatchStrategy: the strategy besides retainKeys ('' when none). */
export function patchStrategyOf(strategies: string[]): string {
  switch (strategies.length) {
    case 0:
      return '';
    case 1:
      return strategies[0] === 'retainKeys' ? '' : strategies[0];
    case 2:
      if (strategies[0] === 'retainKeys') return strategies[1];
      if (strategies[1] === 'retainKeys') return strategies[0];
      throw smpErrors.unexpectedStrategy(strategies);
    default:
      throw smpErrors.unexpectedStrategy(strategies);
  }
}
