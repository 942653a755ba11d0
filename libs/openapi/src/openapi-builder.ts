/**
 * Builds (once, then cached until `invalidate()`) the OpenAPI documents served at `/openapi/v2`
 * and `/openapi/v3[/<path>]` from the registered resource definitions.
 */
import { ResourceDefinition } from '../../registry/src/resource';
import { ApiModel, buildApiModel } from './api-model';
import { etagOfJson, serializeDocument } from './etag';
import { PatchMetaLookup, defaultPatchMeta } from './patch-meta-source';
import { PathSpec } from './routes';
import { OpenApiV3Document, OpenApiV3Index, SwaggerDocument } from './schema-types';
import { renderV2 } from './v2-document';
import { encodeV2Protobuf } from './v2-protobuf-encode';
import { renderV3, v3DocumentRoutes } from './v3-document';

export interface OpenApiBuilderOptions {
  /** strategic-merge-patch / list-type metadata per (client-node model, JSON field) */
  patchMeta?: PatchMetaLookup;
  /** `info.version` of the documents (kube-apiserver puts its git version there) */
  kubernetesVersion?: string;
}

interface Served<T> {
  doc: T;
  json: string;
  etag: string;
}

function served<T extends object>(doc: T): Served<T> {
  const json = serializeDocument(doc);
  return { doc, json, etag: etagOfJson(json) };
}

export class OpenApiBuilder {
  private model?: ApiModel;
  private docRoutes?: Map<string, PathSpec[]>;
  private v2Cache?: Served<SwaggerDocument>;
  private v2Proto?: Buffer;
  private v3Cache = new Map<string, Served<OpenApiV3Document>>();
  private indexCache?: OpenApiV3Index;
  private readonly patchMeta: PatchMetaLookup;
  private readonly kubernetesVersion: string;

  constructor(
    private readonly defs: () => ResourceDefinition[],
    options: OpenApiBuilderOptions = {},
  ) {
    this.patchMeta = options.patchMeta ?? defaultPatchMeta;
    this.kubernetesVersion = options.kubernetesVersion ?? 'v1.32.0';
  }

  /** Drops every cached document (call after resources were added or removed). */
  invalidate(): void {
    this.model = undefined;
    this.docRoutes = undefined;
    this.v2Cache = undefined;
    this.v2Proto = undefined;
    this.v3Cache.clear();
    this.indexCache = undefined;
  }

  /** The Swagger 2.0 document (`/openapi/v2`). Treat as read-only: it is cached. */
  v2(): SwaggerDocument {
    return this.v2Served().doc;
  }

  /** The exact JSON text to serve for `/openapi/v2`. */
  v2Json(): string {
    return this.v2Served().json;
  }

  /** ETag value (unquoted) of `/openapi/v2`, for JSON and protobuf alike (upstream hashes the JSON). */
  v2Etag(): string {
    return this.v2Served().etag;
  }

  /** `/openapi/v2` as gnostic protobuf (`application/com.github.proto-openapi.spec.v2.v1.0+protobuf`). */
  v2Protobuf(): Buffer {
    if (!this.v2Proto) this.v2Proto = encodeV2Protobuf(this.v2());
    return this.v2Proto;
  }

  /** The `/openapi/v3` index: every document path with `serverRelativeURL` `/openapi/v3/<path>?hash=<etag>`. */
  v3Index(): OpenApiV3Index {
    if (!this.indexCache) {
      const paths: OpenApiV3Index['paths'] = {};
      for (const key of this.documentRoutes().keys()) {
        const s = this.v3Served(key) as Served<OpenApiV3Document>;
        paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${s.etag}` };
      }
      this.indexCache = { paths };
    }
    return this.indexCache;
  }

  /** The document of one path of the index (`api/v1`, `apis/apps/v1`, `api`, `apis`, `apis/apps`, `version`). */
  v3GroupVersion(groupVersionPath: string): OpenApiV3Document | undefined {
    return this.v3Served(groupVersionPath)?.doc;
  }

  /** The exact JSON text to serve for `/openapi/v3/<path>`. */
  v3GroupVersionJson(groupVersionPath: string): string | undefined {
    return this.v3Served(groupVersionPath)?.json;
  }

  /** ETag value (unquoted) = the `hash` query value of `/openapi/v3/<path>`. */
  v3GroupVersionEtag(groupVersionPath: string): string | undefined {
    return this.v3Served(groupVersionPath)?.etag;
  }

  private apiModel(): ApiModel {
    if (!this.model) this.model = buildApiModel(this.defs(), this.patchMeta);
    return this.model;
  }

  private documentRoutes(): Map<string, PathSpec[]> {
    if (!this.docRoutes) this.docRoutes = v3DocumentRoutes(this.apiModel());
    return this.docRoutes;
  }

  private v2Served(): Served<SwaggerDocument> {
    if (!this.v2Cache) this.v2Cache = served(renderV2(this.apiModel(), this.kubernetesVersion));
    return this.v2Cache;
  }

  private v3Served(key: string): Served<OpenApiV3Document> | undefined {
    const normalized = key.replace(/^\/+|\/+$/g, '');
    const hit = this.v3Cache.get(normalized);
    if (hit) return hit;
    const routes = this.documentRoutes().get(normalized);
    if (!routes) return undefined;
    const s = served(renderV3(this.apiModel(), routes, this.kubernetesVersion));
    this.v3Cache.set(normalized, s);
    return s;
  }
}
