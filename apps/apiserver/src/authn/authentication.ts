/**
 * The API server's authentication, assembled from AuthnConfig as kube-apiserver does: the request
 * authenticator (x509 client certificates, then bearer tokens: --token-auth-file, legacy and bound
 * service-account tokens, bootstrap tokens), the service-account signing key and verification keys,
 * and the endpoints that belong to authentication (serviceaccounts/token, tokenreviews,
 * selfsubjectreviews, OIDC discovery), plus the admission hook that fills legacy token Secrets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { isStatusError } from '../../../../libs/apimachinery/src/status';
import type { ResourceRegistry } from '../../../../libs/registry/src/registry';
import type { AdmissionHook } from '../../../../libs/registry/src/store';
import type { StoreProvider } from '../handlers/resource-handler';
import type { RequestContext } from '../http/context';
import { unionAuthenticator } from '../filters/authentication';
import type { Authenticator } from '../filters/types';
import { BootstrapTokenAuthenticator } from './bootstrap-token';
import { legacyTokenSecretsHook } from './legacy-token-secrets';
import { OidcDiscovery } from './oidc-discovery';
import { defaultAuthnConfig, type AuthnConfig } from './options';
import { serveSelfSubjectReview, serveTokenReview } from './reviews';
import { ensureGeneratedSigningKey, loadPublicKeyFiles, loadSigningKeyFile, type PublicKeyEntry, type SigningKey } from './sa-keys';
import { LEGACY_TOKEN_LAST_USED_LABEL, ServiceAccountTokenAuthenticator } from './service-account-token';
import { TokenFileAuthenticator } from './token-file';
import { audienceAgnostic, bearerTokenAuthenticator, tokenUnion, type TokenAuthenticator } from './token-authenticator';
import { serveTokenRequest } from './token-request';
import { cachedTokenAuthenticator } from './token-cache';
import { websocketProtocolAuthenticator } from './websocket-protocol';

type Resource = 'serviceaccounts' | 'secrets' | 'pods' | 'nodes';

/** What Authentication needs from ApiserverConfig. */
export interface AuthenticationSettings {
  certDir: string;
  clientCAFile: string;
  advertiseAddress: string;
  securePort: number;
  authn?: AuthnConfig;
}

export class Authentication {
  readonly config: AuthnConfig;
  readonly signingKey: SigningKey;
  readonly publicKeys: PublicKeyEntry[];
  /** the bearer-token authenticators in upstream's order */
  readonly tokens: TokenAuthenticator;
  readonly oidc: OidcDiscovery;
  readonly admissionHook: AdmissionHook;
  private caCache?: string;

  constructor(
    private readonly settings: AuthenticationSettings,
    private readonly registry: ResourceRegistry,
    private readonly stores: StoreProvider,
  ) {
    this.config = settings.authn ?? defaultAuthnConfig();
    const c = this.config;
    this.signingKey = c.serviceAccountSigningKeyFile ? loadSigningKeyFile(c.serviceAccountSigningKeyFile) : ensureGeneratedSigningKey(settings.certDir);
    this.publicKeys = c.serviceAccountKeyFiles.length
      ? loadPublicKeyFiles(c.serviceAccountKeyFiles)
      : [{ key: this.signingKey.publicKey, kid: this.signingKey.kid, alg: this.signingKey.alg }];
    const getter = {
      get: (r: Resource, ns: string, name: string) => this.get(r, ns, name),
      markLegacyTokenUsed: (secret: KObject, day: string) => this.markLegacyTokenUsed(secret, day),
    };
    const list: TokenAuthenticator[] = [];
    if (c.tokenFileUsers) list.push(audienceAgnostic(c.apiAudiences, new TokenFileAuthenticator(c.tokenFileUsers)));
    // legacy (issuer kubernetes/serviceaccount) and bound tokens share the keys; one authenticator checks both
    list.push(
      new ServiceAccountTokenAuthenticator({
        issuers: c.serviceAccountIssuers,
        keys: this.publicKeys,
        apiAudiences: c.apiAudiences,
        getter,
        lookup: c.serviceAccountLookup,
        legacy: true,
      }),
    );
    if (c.enableBootstrapTokenAuth) {
      list.push(audienceAgnostic(c.apiAudiences, new BootstrapTokenAuthenticator((ns, name) => this.find('secrets', ns, name))));
    }
    this.tokens = tokenUnion(...list);
    const host = settings.advertiseAddress.includes(':') ? `[${settings.advertiseAddress}]` : settings.advertiseAddress;
    this.oidc = new OidcDiscovery(c.serviceAccountIssuers[0], c.serviceAccountJwksURI, `${host}:${settings.securePort}`, this.publicKeys);
    this.admissionHook = legacyTokenSecretsHook({
      signingKey: this.signingKey,
      getServiceAccount: (ns, name) => this.find('serviceaccounts', ns, name),
      rootCA: () => this.rootCA(),
    });
  }

  /** upstream's union: x509 (the given authenticator) first, then bearer tokens (header, then WebSocket protocol), cached 10 s */
  requestAuthenticator(x509?: Authenticator): Authenticator {
    const cached = cachedTokenAuthenticator(this.tokens);
    const tokenAuths = [bearerTokenAuthenticator(cached), websocketProtocolAuthenticator(cached)];
    return x509 ? unionAuthenticator(x509, ...tokenAuths) : unionAuthenticator(...tokenAuths);
  }

  handles(ctx: RequestContext): boolean {
    const i = ctx.info;
    if (!i.isResourceRequest) return this.oidc.handles(ctx.path);
    if (i.apiGroup === '' && i.apiVersion === 'v1' && i.resource === 'serviceaccounts' && i.subresource === 'token' && i.name !== '' && i.namespace !== '') return true;
    return (
      i.apiGroup === 'authentication.k8s.io' &&
      i.apiVersion === 'v1' &&
      i.verb === 'create' &&
      i.namespace === '' &&
      i.name === '' &&
      (i.resource === 'tokenreviews' || i.resource === 'selfsubjectreviews')
    );
  }

  async serve(ctx: RequestContext): Promise<void> {
    const i = ctx.info;
    if (!i.isResourceRequest) return this.oidc.serve(ctx);
    if (i.resource === 'serviceaccounts') {
      return serveTokenRequest(ctx, {
        issuer: this.config.serviceAccountIssuers[0],
        apiAudiences: this.config.apiAudiences,
        signingKey: this.signingKey,
        maxExpirationSeconds: this.config.serviceAccountMaxTokenExpirationSeconds,
        extendExpiration: this.config.serviceAccountExtendTokenExpiration,
        get: (r, ns, name) => this.get(r, ns, name),
      });
    }
    if (i.resource === 'tokenreviews') return serveTokenReview(ctx, this.tokens, this.config.apiAudiences);
    return serveSelfSubjectReview(ctx);
  }

  private async get(resource: Resource, namespace: string, name: string): Promise<KObject> {
    const def = this.registry.lookup('', 'v1', resource);
    if (!def) throw new Error(`resource ${resource} is not served`);
    return this.stores.storeFor(def).get(def.namespaced ? namespace : '', name);
  }

  private async markLegacyTokenUsed(secret: KObject, day: string): Promise<void> {
    const def = this.registry.lookup('', 'v1', 'secrets');
    if (!def) return;
    await this.stores.storeFor(def).update(secret.metadata.namespace ?? '', secret.metadata.name ?? '', (cur) => {
      if (cur.metadata.uid !== secret.metadata.uid) throw new Error('the secret was replaced');
      cur.metadata.labels = { ...(cur.metadata.labels ?? {}), [LEGACY_TOKEN_LAST_USED_LABEL]: day };
      return cur;
    });
  }

  private async find(resource: Resource, namespace: string, name: string): Promise<KObject | null> {
    try {
      return await this.get(resource, namespace, name);
    } catch (e) {
      if (isStatusError(e) && e.code === 404) return null;
      throw e;
    }
  }

  private rootCA(): string {
    if (this.caCache !== undefined) return this.caCache;
    const path = this.settings.clientCAFile || join(this.settings.certDir, 'ca.crt');
    try {
      this.caCache = readFileSync(path, 'utf8');
    } catch {
      this.caCache = '';
    }
    return this.caCache;
  }
}
