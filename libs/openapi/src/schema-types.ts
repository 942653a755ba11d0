/** Shapes of the OpenAPI documents this library produces (only what it emits). */

export interface GroupVersionKindExt {
  group: string;
  kind: string;
  version: string;
}

/** A JSON schema as used in Swagger 2.0 `definitions` and OpenAPI 3 `components.schemas`. */
export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  format?: string;
  description?: string;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  uniqueItems?: boolean;
  [extension: `x-${string}`]: unknown;
}

export interface V2Parameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: Schema;
}

export interface V2Response {
  description: string;
  schema?: Schema;
}

export interface V2Operation {
  description?: string;
  consumes?: string[];
  produces?: string[];
  schemes?: string[];
  tags?: string[];
  operationId?: string;
  parameters?: V2Parameter[];
  responses: Record<string, V2Response>;
  [extension: `x-${string}`]: unknown;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

export type V2PathItem = { [M in HttpMethod]?: V2Operation } & { parameters?: V2Parameter[] };

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, V2PathItem>;
  definitions: Record<string, Schema>;
  securityDefinitions: Record<string, { type: string; name: string; in: string; description?: string }>;
  security: Record<string, string[]>[];
}

export interface V3Parameter {
  name: string;
  in: 'query' | 'path';
  description?: string;
  required?: boolean;
  schema: Schema;
}

export interface V3MediaContent {
  [mediaType: string]: { schema: Schema };
}

export interface V3Operation {
  tags?: string[];
  description?: string;
  operationId?: string;
  parameters?: V3Parameter[];
  requestBody?: { content: V3MediaContent; required?: boolean };
  responses: Record<string, { description: string; content?: V3MediaContent }>;
  [extension: `x-${string}`]: unknown;
}

export type V3PathItem = { [M in HttpMethod]?: V3Operation } & { parameters?: V3Parameter[] };

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, V3PathItem>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; name: string; in: string; description?: string }>;
  };
}

export interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}
