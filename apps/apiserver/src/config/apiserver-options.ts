/**
 * The API server's command line: flag declarations (named as kube-apiserver's) and the typed
 * ApiserverConfig built from them, with upstream's validation messages where upstream has them.
 */
import { FlagError, flag, parseFlags, type FlagValues } from './flags';
import { flagTypes, type PortRange } from './flag-types';
import { isHostPort, isHttpURL, parseCIDR, type ParsedCIDR } from './net-validation';
import { defaultAdvertiseAddress } from './advertise-address';
import { tracingConfigFileFlag } from './tracing-flag';
import { EgressConfigError, loadEgressSelectorConfig, type EgressSelectorConfig } from '../egress/egress-selector';
import { auditConfigFrom, auditFlagSpecs, type AuditConfig } from '../audit/audit-options';
import { encryptionConfigFrom, encryptionFlagSpecs } from '../encryption/encryption-options';
import type { EncryptionConfig } from '../../../../libs/storage/src/encryption/config';
import { authnConfigFrom, authnFlagSpecs, type AuthnConfig } from '../authn/options';
import { authzFlagSpecs } from '../authz/options';
import { tlsFlagSpecs, tlsServingConfigFrom, type TlsServingConfig } from './tls-options';
import { admissionFlagSpecs, enabledAdmissionPlugins, validateAdmissionPlugins } from '../admission/admission-options';
import { aggregatorConfigFrom, aggregatorFlagSpecs, type AggregatorConfig } from '../aggregator/options';

export interface ApiserverConfig {
  /** --etcd-servers */
  etcdServers: string[];
  /** --etcd-prefix */
  etcdPrefix: string;
  /** --secure-port (0 = pick a free port) */
  securePort: number;
  /** --bind-address */
  bindAddress: string;
  /** --advertise-address, defaulted as upstream */
  advertiseAddress: string;
  /** --cert-dir */
  certDir: string;
  /** --tls-cert-file ('' = generate into certDir) */
  tlsCertFile: string;
  /** --tls-private-key-file */
  tlsPrivateKeyFile: string;
  /** --tls-min-version, --tls-cipher-suites (tls-options.ts) */
  tls?: TlsServingConfig;
  /** --client-ca-file ('' = the generated CA) */
  clientCAFile: string;
  /** --max-requests-inflight (0 = unlimited) */
  maxRequestsInflight: number;
  /** --max-mutating-requests-inflight (0 = unlimited) */
  maxMutatingRequestsInflight: number;
  /** --request-timeout, in milliseconds */
  requestTimeoutMs: number;
  /** --min-request-timeout, in seconds */
  minRequestTimeoutSeconds: number;
  /** --shutdown-delay-duration, in milliseconds: /readyz fails but requests are served normally */
  shutdownDelayMs: number;
  /** --shutdown-send-retry-after: keep listening while draining, answering new requests 429 */
  shutdownSendRetryAfter: boolean;
  /** --shutdown-watch-termination-grace-period, in milliseconds */
  shutdownWatchTerminationGracePeriodMs: number;
  /** --tracing-config-file ('' = no tracing) */
  tracingConfigFile: string;
  /** --service-cluster-ip-range as given */
  serviceClusterIPRange: string;
  /** the same, parsed: primary first, then the optional secondary (other IP family) */
  serviceClusterIPRanges: ParsedCIDR[];
  /** --service-node-port-range */
  serviceNodePortRange: PortRange;
  /** --etcd-compaction-interval, in milliseconds (0 = disabled) */
  etcdCompactionIntervalMs: number;
  /** --cors-allowed-origins (regular expressions) */
  corsAllowedOrigins: string[];
  /** --anonymous-auth */
  anonymousAuth: boolean;
  /** --watch-cache-servers (host:port list) */
  watchCacheServers: string[];
  /** --endpoint-reconciler-type: lease (each replica keeps a TTL'd lease and Endpoints kubernetes in step) or none */
  endpointReconcilerType: EndpointReconcilerType;
  /** --apiserver-count (master-count reconciler) */
  apiserverCount: number;
  /** -v / --v */
  logLevel: number;
  /** --egress-selector-config-file ('' = dial cluster addresses directly) */
  egressSelectorConfigFile?: string;
  /** the same, parsed and validated at start */
  egressSelector?: EgressSelectorConfig;
  /** --kubelet-certificate-authority ('' = kubelet serving certificates are not verified) */
  kubeletCertificateAuthority?: string;
  /** --audit-* and --redis-url (audit/audit-options.ts) */
  audit?: AuditConfig;
  /** --encryption-provider-config, and the file parsed (encryption/encryption-options.ts) */
  encryptionProviderConfig?: string;
  encryption?: EncryptionConfig;
  /** --token-auth-file, --service-account-*, --api-audiences, --enable-bootstrap-token-auth (authn/options.ts) */
  authn?: AuthnConfig;
  /** --authorization-mode (authz/options.ts); absent = the built-in defaultAuthorizer */
  authorizationModes?: string[];
  /** the admission plugins enabled by --enable/--disable-admission-plugins, in upstream's order (admission/admission-options.ts); absent = the default-on set */
  admissionPlugins?: string[];
  /** --requestheader-*, --proxy-client-cert-file/--proxy-client-key-file, --enable-aggregator-routing (aggregator/options.ts) */
  aggregator?: AggregatorConfig;
  /**
   * Test-only, never a flag: the env var KUBERNEST_TEST_PANIC_PATH names a path whose requests throw
   * inside the handler (after the filter chain), so end-to-end tests can check panic recovery.
   * Unset (the default) = no such path.
   */
  testPanicPath?: string;
}

/** The env var read into ApiserverConfig.testPanicPath (end-to-end tests only). */
export const TEST_PANIC_PATH_ENV = 'KUBERNEST_TEST_PANIC_PATH';

export type EndpointReconcilerType = 'master-count' | 'lease' | 'none';
export const ENDPOINT_RECONCILER_TYPES: EndpointReconcilerType[] = ['master-count', 'lease', 'none'];

const nonNegative = (flagName: string) => (v: number) => (v < 0 ? `--${flagName} can not be negative value` : undefined);

export const apiserverFlagSpecs = {
  etcdServers: flag({
    name: 'etcd-servers',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of etcd servers to connect with (scheme://ip:port), comma separated.',
  }),
  etcdPrefix: flag({ name: 'etcd-prefix', type: flagTypes.string, default: '/registry', usage: 'The prefix to prepend to all resource paths in etcd.' }),
  securePort: flag({
    name: 'secure-port',
    type: flagTypes.int,
    default: 6443,
    usage: 'The port on which to serve HTTPS with authentication and authorization.',
    validate: (v: number) => (v < 0 || v > 65535 ? `--secure-port ${v} must be between 0 and 65535, inclusive. 0 picks a free port` : undefined),
  }),
  bindAddress: flag({
    name: 'bind-address',
    type: flagTypes.ip,
    default: '0.0.0.0',
    usage: 'The IP address on which to listen for the --secure-port port. If blank or an unspecified address (0.0.0.0 or ::), all interfaces and IP address families will be used.',
  }),
  advertiseAddress: flag({
    name: 'advertise-address',
    type: flagTypes.ip,
    default: '',
    usage: 'The IP address on which to advertise the apiserver to members of the cluster. If blank, the --bind-address will be used; if that is unspecified, the host\'s default interface will be used.',
  }),
  certDir: flag({
    name: 'cert-dir',
    type: flagTypes.string,
    default: '/var/run/kubernetes',
    usage: 'The directory where the TLS certs are located. If --tls-cert-file and --tls-private-key-file are provided, this flag will be ignored.',
  }),
  tlsCertFile: flag({ name: 'tls-cert-file', type: flagTypes.string, default: '', usage: 'File containing the default x509 Certificate for HTTPS. If not given, a self-signed CA and serving certificate are generated in --cert-dir.' }),
  tlsPrivateKeyFile: flag({ name: 'tls-private-key-file', type: flagTypes.string, default: '', usage: 'File containing the default x509 private key matching --tls-cert-file.' }),
  clientCAFile: flag({
    name: 'client-ca-file',
    type: flagTypes.string,
    default: '',
    usage: 'If set, any request presenting a client certificate signed by one of the authorities in the client-ca-file is authenticated with an identity corresponding to the CommonName of the client certificate.',
  }),
  maxRequestsInflight: flag({
    name: 'max-requests-inflight',
    type: flagTypes.int,
    default: 400,
    usage: 'The maximum number of non-mutating requests in flight at a given time. When the server exceeds this, it rejects requests. Zero for no limit.',
    validate: nonNegative('max-requests-inflight'),
  }),
  maxMutatingRequestsInflight: flag({
    name: 'max-mutating-requests-inflight',
    type: flagTypes.int,
    default: 200,
    usage: 'The maximum number of mutating requests in flight at a given time. When the server exceeds this, it rejects requests. Zero for no limit.',
    validate: nonNegative('max-mutating-requests-inflight'),
  }),
  requestTimeout: flag({
    name: 'request-timeout',
    type: flagTypes.duration,
    default: 60_000,
    usage: 'An optional field indicating the duration a handler must keep a request open before timing it out. This is the default request timeout for requests but may be overridden by the ?timeout= query parameter.',
    validate: (v: number) => (v < 0 ? '--request-timeout can not be negative value' : undefined),
  }),
  minRequestTimeout: flag({
    name: 'min-request-timeout',
    type: flagTypes.int,
    default: 1800,
    usage: 'An optional field indicating the minimum number of seconds a handler must keep a request open before timing it out. Currently only honored by the watch request handler, which picks a randomized value above this number as the connection timeout, to spread out load.',
    validate: nonNegative('min-request-timeout'),
  }),
  tracingConfigFile: tracingConfigFileFlag(),
  shutdownDelayDuration: flag({
    name: 'shutdown-delay-duration',
    type: flagTypes.duration,
    default: 0,
    usage: 'Time to delay the termination. During that time the server keeps serving requests normally. The endpoints /healthz and /livez will return success, but /readyz immediately returns failure. Graceful termination starts after this delay has elapsed. This can be used to allow load balancer to stop sending traffic to this server.',
    validate: (v: number) => (v < 0 ? '--shutdown-delay-duration can not be negative value' : undefined),
  }),
  shutdownSendRetryAfter: flag({
    name: 'shutdown-send-retry-after',
    type: flagTypes.bool,
    default: false,
    usage: "If true the HTTP Server will continue listening until all non long running request(s) in flight have been drained, during this window all incoming requests will be rejected with a status code 429 and a 'Retry-After' response header, in addition 'Connection: close' response header is set in order to tear down the TCP connection when idle.",
  }),
  shutdownWatchTerminationGracePeriod: flag({
    name: 'shutdown-watch-termination-grace-period',
    type: flagTypes.duration,
    default: 0,
    usage: 'This option, if set, represents the maximum amount of grace period the apiserver will wait for active watch request(s) to drain during the graceful server shutdown window.',
    validate: (v: number) => (v < 0 ? '--shutdown-watch-termination-grace-period can not be negative value' : undefined),
  }),
  serviceClusterIPRange: flag({
    name: 'service-cluster-ip-range',
    type: flagTypes.string,
    default: '10.0.0.0/24',
    usage: 'A CIDR notation IP range from which to assign service cluster IPs. This must not overlap with any IP ranges assigned to nodes or pods. Max of two dual-stack CIDRs is allowed.',
  }),
  serviceNodePortRange: flag({
    name: 'service-node-port-range',
    type: flagTypes.portRange,
    default: { base: 30000, size: 2768 } as PortRange,
    usage: 'A port range to reserve for services with NodePort visibility. This must not overlap with the ephemeral port range on nodes. Example: \'30000-32767\'. Inclusive at both ends of the range.',
  }),
  etcdCompactionInterval: flag({
    name: 'etcd-compaction-interval',
    type: flagTypes.duration,
    default: 300_000,
    usage: 'The interval of compaction requests. If 0, the compaction request from apiserver is disabled.',
    validate: (v: number) => (v < 0 ? '--etcd-compaction-interval can not be negative value' : undefined),
  }),
  corsAllowedOrigins: flag({
    name: 'cors-allowed-origins',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of allowed origins for CORS, comma separated. An allowed origin can be a regular expression to support subdomain matching. If this list is empty CORS will not be enabled. Please ensure each expression matches the entire hostname by anchoring to the start with \'^\' or including the \'//\' prefix, and by anchoring to the end with \'$\' or including the \':\' port separator suffix.',
  }),
  anonymousAuth: flag({
    name: 'anonymous-auth',
    type: flagTypes.bool,
    default: true,
    usage: 'Enables anonymous requests to the secure port of the API server. Requests that are not rejected by another authentication method are treated as anonymous requests. Anonymous requests have a username of system:anonymous, and a group name of system:unauthenticated.',
  }),
  watchCacheServers: flag({
    name: 'watch-cache-servers',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of external watch-cache servers (host:port), comma separated.',
  }),
  apiserverCount: flag({
    name: 'apiserver-count',
    type: flagTypes.int,
    default: 1,
    usage: 'The number of apiservers running in the cluster, must be a positive number. (In use when --endpoint-reconciler-type=master-count is enabled.)',
    validate: (v: number) => (v < 1 ? 'apiserver-count must be a positive number' : undefined),
  }),
  endpointReconcilerType: flag({
    name: 'endpoint-reconciler-type',
    type: flagTypes.string,
    default: 'lease',
    usage: 'Use an endpoint reconciler (master-count, lease, none).',
    validate: (v: string) => (ENDPOINT_RECONCILER_TYPES.includes(v as EndpointReconcilerType) ? undefined : `invalid endpoint reconciler type: ${v}, must be one of master-count, lease, none`),
  }),
  egressSelectorConfigFile: flag({
    name: 'egress-selector-config-file',
    type: flagTypes.string,
    default: '',
    usage: 'File with apiserver egress selector configuration.',
  }),
  kubeletCertificateAuthority: flag({
    name: 'kubelet-certificate-authority',
    type: flagTypes.string,
    default: '',
    usage: 'Path to a cert file for the certificate authority.',
  }),
  logLevel: flag({ name: 'v', shorthand: 'v', type: flagTypes.level, default: 0, usage: 'number for the log level verbosity' }),
  ...auditFlagSpecs,
  ...encryptionFlagSpecs,
  ...authnFlagSpecs,
  ...authzFlagSpecs,
  ...tlsFlagSpecs,
  ...admissionFlagSpecs,
  ...aggregatorFlagSpecs,
};

export type ApiserverFlagSpecs = typeof apiserverFlagSpecs;
export type ApiserverFlagValues = FlagValues<ApiserverFlagSpecs>;

export interface ParseApiserverFlagsOptions {
  /** replace flag defaults, keyed like apiserverFlagSpecs (e.g. { etcdServers: ['http://127.0.0.1:2379'] }) */
  defaults?: Partial<ApiserverFlagValues>;
  /** command path used in messages (default 'kubernest apiserver') */
  command?: string;
}

function validateServiceClusterIPRange(text: string): ParsedCIDR[] {
  const parts = text === '' ? [] : text.split(',');
  if (parts.length > 2) throw new FlagError('--service-cluster-ip-range must not contain more than two entries');
  const parsed: ParsedCIDR[] = [];
  parts.forEach((p, i) => {
    const c = parseCIDR(p.trim());
    if (!c) throw new FlagError(`service-cluster-ip-range[${i}] is not a valid cidr`);
    parsed.push(c);
  });
  if (parsed.length === 0) throw new FlagError('--service-cluster-ip-range must contain at least one valid cidr');
  const maxCIDRBits = 20;
  const primary = parsed[0];
  if (primary.bits - primary.prefixLength > maxCIDRBits) {
    throw new FlagError(`specified --service-cluster-ip-range is too large; for ${primary.bits}-bit addresses, the mask must be >= ${primary.bits - maxCIDRBits}`);
  }
  if (parsed.length === 2) {
    if (parsed[0].family === parsed[1].family) {
      throw new FlagError('--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family');
    }
    const secondary = parsed[1];
    if (secondary.bits - secondary.prefixLength > maxCIDRBits) {
      throw new FlagError(`specified --secondary-service-cluster-ip-range is too large; for ${secondary.bits}-bit addresses, the mask must be >= ${secondary.bits - maxCIDRBits}`);
    }
  }
  return parsed;
}

/** Build the config from already-parsed values (cross-flag validation and defaulting). */
export function apiserverConfigFrom(v: ApiserverFlagValues, opts: { requireEtcd?: boolean } = {}): ApiserverConfig {
  if (v.etcdServers.length === 0 && opts.requireEtcd !== false) throw new FlagError('--etcd-servers must be specified');
  for (const s of v.etcdServers) {
    if (!isHttpURL(s)) throw new FlagError(`--etcd-servers: invalid URL ${JSON.stringify(s)}: must be http://host:port or https://host:port`);
  }
  if ((v.tlsCertFile === '') !== (v.tlsPrivateKeyFile === '')) {
    throw new FlagError('--tls-cert-file and --tls-private-key-file must be specified together');
  }
  for (const s of v.watchCacheServers) {
    if (!isHostPort(s)) throw new FlagError(`--watch-cache-servers: invalid address ${JSON.stringify(s)}: must be host:port`);
  }
  for (const pattern of v.corsAllowedOrigins) {
    try {
      new RegExp(pattern);
    } catch (e) {
      throw new FlagError(`--cors-allowed-origins has an invalid regular expression: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let tls: TlsServingConfig;
  try {
    tls = tlsServingConfigFrom(v);
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  if (v.serviceNodePortRange.size === 0) throw new FlagError('--service-node-port-range must not be empty');
  const serviceClusterIPRanges = validateServiceClusterIPRange(v.serviceClusterIPRange);
  let egressSelector: EgressSelectorConfig | undefined;
  if (v.egressSelectorConfigFile) {
    try {
      egressSelector = loadEgressSelectorConfig(v.egressSelectorConfigFile);
    } catch (e) {
      if (e instanceof EgressConfigError) throw new FlagError(`--egress-selector-config-file: ${e.message}`);
      throw e;
    }
  }
  let security: Pick<ApiserverConfig, 'audit' | 'encryptionProviderConfig' | 'encryption'>;
  try {
    const audit = auditConfigFrom(v);
    const auditOn = audit.policyFile !== '' || audit.logPath !== '' || audit.webhookConfigFile !== '';
    security = { ...(auditOn ? { audit } : {}), ...encryptionConfigFrom(v) };
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  return {
    etcdServers: v.etcdServers,
    etcdPrefix: v.etcdPrefix,
    securePort: v.securePort,
    bindAddress: v.bindAddress,
    advertiseAddress: v.advertiseAddress || defaultAdvertiseAddress(v.bindAddress),
    certDir: v.certDir,
    tlsCertFile: v.tlsCertFile,
    tlsPrivateKeyFile: v.tlsPrivateKeyFile,
    tls,
    clientCAFile: v.clientCAFile,
    maxRequestsInflight: v.maxRequestsInflight,
    maxMutatingRequestsInflight: v.maxMutatingRequestsInflight,
    requestTimeoutMs: v.requestTimeout,
    minRequestTimeoutSeconds: v.minRequestTimeout,
    shutdownDelayMs: v.shutdownDelayDuration,
    shutdownSendRetryAfter: v.shutdownSendRetryAfter,
    shutdownWatchTerminationGracePeriodMs: v.shutdownWatchTerminationGracePeriod,
    tracingConfigFile: v.tracingConfigFile,
    ...(v.authorizationMode.length ? { authorizationModes: v.authorizationMode } : {}),
    ...admissionPluginsFrom(v.enableAdmissionPlugins, v.disableAdmissionPlugins),
    serviceClusterIPRange: v.serviceClusterIPRange,
    serviceClusterIPRanges,
    serviceNodePortRange: v.serviceNodePortRange,
    etcdCompactionIntervalMs: v.etcdCompactionInterval,
    corsAllowedOrigins: v.corsAllowedOrigins,
    anonymousAuth: v.anonymousAuth,
    watchCacheServers: v.watchCacheServers,
    endpointReconcilerType: v.endpointReconcilerType as EndpointReconcilerType,
    apiserverCount: v.apiserverCount,
    logLevel: v.logLevel,
    egressSelectorConfigFile: v.egressSelectorConfigFile,
    ...(egressSelector ? { egressSelector } : {}),
    kubeletCertificateAuthority: v.kubeletCertificateAuthority,
    ...security,
    authn: authnConfigFrom(v),
    aggregator: aggregatorConfigFrom(v),
    ...(process.env[TEST_PANIC_PATH_ENV] ? { testPanicPath: process.env[TEST_PANIC_PATH_ENV] } : {}),
  };
}

/**
 * Parse kube-apiserver style flags. Throws FlagError (print `Error: <message>`, exit 1) or
 * HelpRequested (print `.usage`, exit 0).
 */
export function parseApiserverFlags(argv: string[], opts: ParseApiserverFlagsOptions = {}): ApiserverConfig {
  const { values } = parseFlags(apiserverFlagSpecs, argv, {
    command: opts.command ?? 'kubernest apiserver',
    defaults: opts.defaults,
    description: 'The Kubernetes API server validates and configures data for the api objects which include pods, services, replicationcontrollers, and others.',
  });
  return apiserverConfigFrom(values);
}

/** absent when neither flag is given: the chain then uses upstream's default-on set */
function admissionPluginsFrom(enable: string[], disable: string[]): { admissionPlugins?: string[] } {
  const err = validateAdmissionPlugins(enable, disable);
  if (err) throw new FlagError(err);
  return enable.length || disable.length ? { admissionPlugins: enabledAdmissionPlugins(enable, disable) } : {};
}
