/** /openapi/v2 (JSON or gnostic protobuf) and /openapi/v3 (index + one document per group-version). */
import { OpenApiBuilder } from '../../../../libs/openapi/src';
import type { RequestContext } from '../http/context';

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const V2_PROTOBUF_OLD = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export class OpenApiEndpoints {
  constructor(private readonly builder: OpenApiBuilder) {}

  invalidate(): void {
    this.builder.invalidate();
  }

  serve(ctx: RequestContext): boolean {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
    const accept = String(ctx.req.headers.accept ?? '');
    const path = ctx.path.replace(/\/$/, '');
    if (path === '/openapi/v2') {
      const etag = this.builder.v2Etag();
      // Both accepted spellings are answered with the dotted one: Go's mime parser (kubectl) rejects '@'.
      if (accept.includes(V2_PROTOBUF) || accept.includes(V2_PROTOBUF_OLD)) {
        return send(ctx, this.builder.v2Protobuf(), etag, V2_PROTOBUF_OLD);
      }
      return send(ctx, Buffer.from(this.builder.v2Json()), etag, 'application/json');
    }
    if (path === '/openapi/v3') {
      const body = Buffer.from(JSON.stringify(this.builder.v3Index()));
      return send(ctx, body, '', 'application/json');
    }
    if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length);
      const json = this.builder.v3GroupVersionJson(gv);
      if (json === undefined) return false;
      const etag = this.builder.v3GroupVersionEtag(gv) ?? '';
      const hash = ctx.query.get('hash');
      const bare = etag.replace(/"/g, '');
      if (hash && hash !== bare) {
        ctx.res.writeHead(301, { Location: `/openapi/v3/${gv}?hash=${bare}` });
        ctx.res.end();
        return true;
      }
      return send(ctx, Buffer.from(json), etag, 'application/json', !!hash);
    }
    return false;
  }
}

function send(ctx: RequestContext, body: Buffer, etag: string, contentType: string, immutable = false): boolean {
  const quoted = etag && !etag.startsWith('"') ? `"${etag}"` : etag;
  if (quoted && ctx.req.headers['if-none-match'] === quoted) {
    ctx.res.writeHead(304, { ETag: quoted });
    ctx.res.end();
    return true;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': contentType,
    'Content-Length': body.length,
    Vary: 'Accept',
    'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
  };
  if (quoted) headers.ETag = quoted;
  if (immutable) headers.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
  ctx.res.writeHead(200, headers);
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
  return true;
}
