/**
 * CORS as upstream's WithCORS with kube-apiserver's arguments: when the Origin header matches one
 * of the allowed regular expressions, echo it with the default allowed methods/headers, expose
 * `Date`, allow credentials; answer OPTIONS preflights with 204 right here. Disabled when no
 * patterns are configured.
 */
import type { Filter } from '../http/context';

const ALLOW_METHODS = ['POST', 'GET', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'].join(', ');
const ALLOW_HEADERS = ['Content-Type', 'Content-Length', 'Accept-Encoding', 'X-CSRF-Token', 'Authorization', 'X-Requested-With', 'If-Modified-Since'].join(', ');
const EXPOSE_HEADERS = ['Date'].join(', ');

export interface CorsOptions {
  corsAllowedOrigins: string[];
}

export function withCORS(opts: CorsOptions): Filter {
  return (next) => {
    if (opts.corsAllowedOrigins.length === 0) return next;
    const patterns = opts.corsAllowedOrigins.map((p) => new RegExp(p));
    return async (ctx) => {
      const origin = ctx.req.headers.origin;
      if (!origin || !patterns.some((re) => re.test(origin))) return next(ctx);
      const res = ctx.res;
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      if (ctx.method === 'OPTIONS') {
        res.writeHead(204);
        res.end();
        return;
      }
      await next(ctx);
    };
  };
}
