/**
 * Service-account issuer discovery, as upstream's openidmetadata: GET
 * /.well-known/openid-configuration (issuer, jwks_uri, response_types_supported,
 * subject_types_supported, id_token_signing_alg_values_supported) and GET /openid/v1/jwks (the
 * verification keys as a JWK set, `application/jwk-set+json`), both `Cache-Control: public,
 * max-age=3600`. Served only when the first issuer is an https URL (upstream otherwise does not
 * install them). Access goes through authorization like any non-resource path.
 */
import { errors } from '../../../../libs/apimachinery/src/status';
import type { RequestContext } from '../http/context';
import { publicJWK, type PublicKeyEntry } from './sa-keys';

export const OPENID_CONFIG_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export class OidcDiscovery {
  private readonly configBody?: string;
  private readonly jwksBody: string;

  constructor(issuer: string, jwksURI: string, externalAddress: string, keys: PublicKeyEntry[]) {
    this.jwksBody = JSON.stringify({ keys: keys.map(publicJWK) });
    let iss: URL | undefined;
    try {
      iss = new URL(issuer);
    } catch {
      iss = undefined;
    }
    if (!iss || iss.protocol !== 'https:' || iss.search || iss.hash) return;
    const algs = [...new Set(keys.map((k) => k.alg))].sort();
    this.configBody = JSON.stringify({
      issuer,
      jwks_uri: jwksURI || `https://${externalAddress}${JWKS_PATH}`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: algs,
    });
  }

  get enabled(): boolean {
    return this.configBody !== undefined;
  }

  handles(path: string): boolean {
    return this.enabled && (path === OPENID_CONFIG_PATH || path === JWKS_PATH);
  }

  serve(ctx: RequestContext): void {
    if (ctx.method !== 'GET') throw errors.methodNotAllowed();
    const [body, type] = ctx.path === JWKS_PATH ? [this.jwksBody, 'application/jwk-set+json'] : [this.configBody ?? '', 'application/json'];
    ctx.res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600', 'Content-Length': Buffer.byteLength(body) });
    ctx.res.end(body);
  }
}
