/** Public API of libs/openapi (see README.md). */
export { OpenApiBuilder, OpenApiBuilderOptions } from './openapi-builder';
export { etagOf, etagOfJson, serializeDocument } from './etag';
export { encodeV2Protobuf } from './v2-protobuf-encode';
export { decodeV2Protobuf } from './v2-protobuf-decode';
export {
  findUnknownFields,
  unknownFieldMessages,
  findDuplicateFields,
  duplicateFieldMessages,
  modelTypeFieldNames,
} from './unknown-fields';
export { definitionNameOf } from './definition-names';
export { PatchMeta, PatchMetaLookup, defaultPatchMeta } from './patch-meta-source';
export { OpenApiV3Document, OpenApiV3Index, Schema, SwaggerDocument } from './schema-types';
