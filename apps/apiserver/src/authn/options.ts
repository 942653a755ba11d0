/**
 * The authentication flags of kube-apiserver (names, defaults and validation messages as
 * upstream's BuiltInAuthenticationOptions), spread into apiserverFlagSpecs, and the AuthnConfig
 * built from them. Differences: --service-account-issuer defaults to
 * https://kubernetes.default.svc.cluster.local and the signing key to a key generated in --cert-dir
 * (upstream requires both flags).
 */
import { FlagError, flag, type FlagValues, type FlagValueType } from '../config/flags';
import { flagTypes } from '../config/flag-types';
import { loadTokenFile, type TokenFileUsers } from './token-file';

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** pflag's stringArray: repeatable, no comma splitting. */
const stringArray: FlagValueType<string[]> = {
  typeName: 'stringArray',
  parse: (raw, previous, firstSet) => (firstSet ? [raw] : [...previous, raw]),
  format: (v) => `[${v.join(',')}]`,
};

export interface AuthnConfig {
  /** --token-auth-file, parsed at start ('' = none) */
  tokenAuthFile: string;
  tokenFileUsers?: TokenFileUsers;
  /** --service-account-issuer (first one issues); defaulted */
  serviceAccountIssuers: string[];
  /** --service-account-key-file */
  serviceAccountKeyFiles: string[];
  /** --service-account-signing-key-file ('' = generated in certDir) */
  serviceAccountSigningKeyFile: string;
  /** --service-account-max-token-expiration, seconds (0 = no maximum) */
  serviceAccountMaxTokenExpirationSeconds: number;
  /** --service-account-lookup */
  serviceAccountLookup: boolean;
  /** --service-account-extend-token-expiration */
  serviceAccountExtendTokenExpiration: boolean;
  /** --service-account-jwks-uri ('' = https://<advertise-address>:<port>/openid/v1/jwks) */
  serviceAccountJwksURI: string;
  /** --api-audiences; defaults to the issuers */
  apiAudiences: string[];
  /** --enable-bootstrap-token-auth */
  enableBootstrapTokenAuth: boolean;
}

export const authnFlagSpecs = {
  tokenAuthFile: flag({ name: 'token-auth-file', type: flagTypes.string, default: '', usage: 'If set, the file that will be used to secure the secure port of the API server via token authentication.' }),
  serviceAccountIssuer: flag({
    name: 'service-account-issuer',
    type: stringArray,
    default: [] as string[],
    usage: 'Identifier of the service account token issuer. The issuer will assert this identifier in "iss" claim of issued tokens. This value is a string or URI. When this flag is specified multiple times, the first is used to generate tokens and all are used to determine which issuers are accepted. (default https://kubernetes.default.svc.cluster.local)',
  }),
  serviceAccountKeyFile: flag({
    name: 'service-account-key-file',
    type: stringArray,
    default: [] as string[],
    usage: 'File containing PEM-encoded x509 RSA or ECDSA private or public keys, used to verify ServiceAccount tokens. The specified file can contain multiple keys, and the flag can be specified multiple times with different files. If unspecified, the public key of --service-account-signing-key-file is used.',
  }),
  serviceAccountSigningKeyFile: flag({
    name: 'service-account-signing-key-file',
    type: flagTypes.string,
    default: '',
    usage: 'Path to the file that contains the current private key of the service account token issuer. The issuer will sign issued ID tokens with this private key. If unset, a key is generated in --cert-dir.',
  }),
  serviceAccountMaxTokenExpiration: flag({
    name: 'service-account-max-token-expiration',
    type: flagTypes.duration,
    default: 0,
    usage: 'The maximum validity duration of a token created by the service account token issuer. If an otherwise valid TokenRequest with a validity duration larger than this value is requested, a token will be issued with a validity duration of this value.',
  }),
  serviceAccountLookup: flag({ name: 'service-account-lookup', type: flagTypes.bool, default: true, usage: 'If true, validate ServiceAccount tokens exist in etcd as part of authentication.' }),
  serviceAccountExtendTokenExpiration: flag({
    name: 'service-account-extend-token-expiration',
    type: flagTypes.bool,
    default: true,
    usage: 'Turns on projected service account expiration extension during token generation, which helps safe transition from legacy token to bound service account token feature. If this flag is enabled, admission injected tokens would be extended up to 1 year to prevent unexpected failure during transition, ignoring value of service-account-max-token-expiration.',
  }),
  serviceAccountJwksURI: flag({
    name: 'service-account-jwks-uri',
    type: flagTypes.string,
    default: '',
    usage: 'Overrides the URI for the JSON Web Key Set in the discovery doc served at /.well-known/openid-configuration.',
  }),
  apiAudiences: flag({
    name: 'api-audiences',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'Identifiers of the API. The service account token authenticator will validate that tokens used against the API are bound to at least one of these audiences. If the --service-account-issuer flag is configured and this flag is not, this field defaults to a single element list containing the issuer URL.',
  }),
  enableBootstrapTokenAuth: flag({
    name: 'enable-bootstrap-token-auth',
    type: flagTypes.bool,
    default: false,
    usage: "Enable to allow secrets of type 'bootstrap.kubernetes.io/token' in the 'kube-system' namespace to be used for TLS bootstrapping authentication.",
  }),
};

export type AuthnFlagValues = FlagValues<typeof authnFlagSpecs>;

/** Cross-flag validation and defaulting (upstream messages); reads the token file. Throws FlagError. */
export function authnConfigFrom(v: AuthnFlagValues): AuthnConfig {
  const issuers = v.serviceAccountIssuer.length ? v.serviceAccountIssuer : [DEFAULT_SERVICE_ACCOUNT_ISSUER];
  const seen = new Set<string>();
  for (const issuer of issuers) {
    if (issuer === '') throw new FlagError('service-account-issuer should not be an empty string');
    if (issuer.includes(':')) {
      try {
        new URL(issuer);
      } catch (e) {
        throw new FlagError(`service-account-issuer ${JSON.stringify(issuer)} contained a ':' but was not a valid URL: ${(e as Error).message}`);
      }
    }
    if (seen.has(issuer)) throw new FlagError(`service-account-issuer ${JSON.stringify(issuer)} is already specified`);
    seen.add(issuer);
  }
  const max = v.serviceAccountMaxTokenExpiration;
  if (max !== 0 && (max < 3_600_000 || max > 2 ** 32 * 1000)) {
    throw new FlagError('the service-account-max-token-expiration must be between 1 hour and 2^32 seconds');
  }
  if (v.serviceAccountJwksURI) {
    let u: URL | undefined;
    try {
      u = new URL(v.serviceAccountJwksURI);
    } catch {
      u = undefined;
    }
    if (!u || u.protocol !== 'https:') throw new FlagError('service-account-jwks-uri requires https scheme, parsed as: ' + v.serviceAccountJwksURI);
  }
  let tokenFileUsers: TokenFileUsers | undefined;
  if (v.tokenAuthFile) {
    try {
      tokenFileUsers = loadTokenFile(v.tokenAuthFile);
    } catch (e) {
      throw new FlagError(`invalid authentication config: ${(e as Error).message}`);
    }
  }
  return {
    tokenAuthFile: v.tokenAuthFile,
    ...(tokenFileUsers ? { tokenFileUsers } : {}),
    serviceAccountIssuers: issuers,
    serviceAccountKeyFiles: v.serviceAccountKeyFile,
    serviceAccountSigningKeyFile: v.serviceAccountSigningKeyFile,
    serviceAccountMaxTokenExpirationSeconds: Math.floor(max / 1000),
    serviceAccountLookup: v.serviceAccountLookup,
    serviceAccountExtendTokenExpiration: v.serviceAccountExtendTokenExpiration,
    serviceAccountJwksURI: v.serviceAccountJwksURI,
    apiAudiences: v.apiAudiences.length ? v.apiAudiences : [...issuers],
    enableBootstrapTokenAuth: v.enableBootstrapTokenAuth,
  };
}

/** The config when flags were not parsed (tests building ApiserverConfig by hand). */
export function defaultAuthnConfig(): AuthnConfig {
  return authnConfigFrom(Object.fromEntries(Object.entries(authnFlagSpecs).map(([k, d]) => [k, d.default])) as AuthnFlagValues);
}
