/** Flags of `kubernest metrics-server` (names as upstream metrics-server / k8s.io/apiserver). */
import { FlagError, flag, flagTypes, parseFlags } from '../../apiserver/src/config';

export const metricsServerFlagSpecs = {
  kubeconfig: flag({ name: 'kubeconfig', type: flagTypes.string, default: '', usage: 'The path to the kubeconfig used to connect to the Kubernetes API server (scraping through the node proxy, Nodes, Pods).' }),
  authenticationKubeconfig: flag({ name: 'authentication-kubeconfig', type: flagTypes.string, default: '', usage: 'kubeconfig for TokenReviews and the extension-apiserver-authentication ConfigMap (default: --kubeconfig).' }),
  authorizationKubeconfig: flag({ name: 'authorization-kubeconfig', type: flagTypes.string, default: '', usage: 'kubeconfig for SubjectAccessReviews (default: --kubeconfig).' }),
  securePort: flag({
    name: 'secure-port',
    type: flagTypes.int,
    default: 10250,
    usage: 'The port on which to serve HTTPS with authentication and authorization. 0 picks a free port.',
    validate: (v: number) => (v < 0 || v > 65535 ? `--secure-port ${v} must be between 0 and 65535, inclusive` : undefined),
  }),
  bindAddress: flag({ name: 'bind-address', type: flagTypes.ip, default: '0.0.0.0', usage: 'The IP address on which to listen for the --secure-port port.' }),
  certDir: flag({ name: 'cert-dir', type: flagTypes.string, default: '', usage: 'The directory where the generated CA (ca.crt) and serving certificate (apiserver.crt/.key) are written when --tls-cert-file is not given (default: a temp dir).' }),
  tlsCertFile: flag({ name: 'tls-cert-file', type: flagTypes.string, default: '', usage: 'File containing the default x509 certificate for HTTPS (CA cert, if any, concatenated after server cert).' }),
  tlsPrivateKeyFile: flag({ name: 'tls-private-key-file', type: flagTypes.string, default: '', usage: 'File containing the default x509 private key matching --tls-cert-file.' }),
  tlsSans: flag({
    name: 'tls-sans',
    type: flagTypes.stringSlice,
    default: ['metrics-server', 'metrics-server.kube-system', 'metrics-server.kube-system.svc', 'metrics-server.kube-system.svc.cluster.local'],
    usage: 'Extra DNS names / IPs of the generated serving certificate (localhost and 127.0.0.1 are always included).',
  }),
  clientCaFile: flag({ name: 'client-ca-file', type: flagTypes.string, default: '', usage: 'Client certificates signed by these CAs authenticate as their CN (user) and O (groups). Default: the client-ca-file key of the extension-apiserver-authentication ConfigMap.' }),
  requestheaderClientCaFile: flag({ name: 'requestheader-client-ca-file', type: flagTypes.string, default: '', usage: 'Root certificates to verify the front proxy client certificate before trusting the usernames in --requestheader-username-headers. Default: from the extension-apiserver-authentication ConfigMap.' }),
  requestheaderAllowedNames: flag({ name: 'requestheader-allowed-names', type: flagTypes.stringSlice, default: [] as string[], usage: 'List of client certificate common names allowed to provide usernames in the request headers. Empty: any certificate from the requestheader CA.' }),
  requestheaderUsernameHeaders: flag({ name: 'requestheader-username-headers', type: flagTypes.stringSlice, default: ['x-remote-user'], usage: 'List of request headers to inspect for usernames. X-Remote-User is common.' }),
  requestheaderUidHeaders: flag({ name: 'requestheader-uid-headers', type: flagTypes.stringSlice, default: [] as string[], usage: 'List of request headers to inspect for UIDs. X-Remote-Uid is suggested.' }),
  requestheaderGroupHeaders: flag({ name: 'requestheader-group-headers', type: flagTypes.stringSlice, default: ['x-remote-group'], usage: 'List of request headers to inspect for groups. X-Remote-Group is suggested.' }),
  requestheaderExtraHeadersPrefix: flag({ name: 'requestheader-extra-headers-prefix', type: flagTypes.stringSlice, default: ['x-remote-extra-'], usage: 'List of request header prefixes to inspect. X-Remote-Extra- is suggested.' }),
  authenticationSkipLookup: flag({ name: 'authentication-skip-lookup', type: flagTypes.bool, default: false, usage: 'If false, missing authentication configuration is looked up in the kube-system/extension-apiserver-authentication ConfigMap.' }),
  authorizationAlwaysAllowPaths: flag({ name: 'authorization-always-allow-paths', type: flagTypes.stringSlice, default: ['/healthz', '/readyz', '/livez'], usage: 'Paths that are not authorized (a trailing * matches a prefix).' }),
  authorizationCacheAuthorizedTtl: flag({ name: 'authorization-webhook-cache-authorized-ttl', type: flagTypes.duration, default: 10_000, usage: 'How long to cache authorized responses from the SubjectAccessReview.' }),
  authorizationCacheUnauthorizedTtl: flag({ name: 'authorization-webhook-cache-unauthorized-ttl', type: flagTypes.duration, default: 10_000, usage: 'How long to cache unauthorized responses from the SubjectAccessReview.' }),
  metricResolution: flag({
    name: 'metric-resolution',
    type: flagTypes.duration,
    default: 15_000,
    usage: 'The resolution at which metrics-server will retain metrics (how often kubelets are scraped); at least 1s here (upstream: 10s).',
    validate: (v: number) => (v < 1000 ? `metric-resolution should be a time duration at least 1s, but value ${v}ms provided` : undefined),
  }),
  kubeletRequestTimeout: flag({ name: 'kubelet-request-timeout', type: flagTypes.duration, default: 10_000, usage: 'The length of time to wait before giving up on a single request to Kubelet.' }),
};

export interface MetricsServerConfig {
  kubeconfig: string;
  authenticationKubeconfig: string;
  authorizationKubeconfig: string;
  securePort: number;
  bindAddress: string;
  certDir: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  tlsSans: string[];
  clientCaFile: string;
  requestheaderClientCaFile: string;
  requestheaderAllowedNames: string[];
  requestheaderUsernameHeaders: string[];
  requestheaderUidHeaders: string[];
  requestheaderGroupHeaders: string[];
  requestheaderExtraHeadersPrefix: string[];
  authenticationSkipLookup: boolean;
  authorizationAlwaysAllowPaths: string[];
  authorizationCacheAuthorizedTtl: number;
  authorizationCacheUnauthorizedTtl: number;
  metricResolution: number;
  kubeletRequestTimeout: number;
}

export function parseMetricsServerFlags(argv: string[]): MetricsServerConfig {
  const { values } = parseFlags(metricsServerFlagSpecs, argv, {
    command: 'kubernest metrics-server',
    description:
      'An aggregated API server for metrics.k8s.io/v1beta1 (what `kubectl top` reads): scrapes every node\'s kubelet /stats/summary through the API server\'s node proxy and serves NodeMetrics and PodMetrics, with delegated authentication (front-proxy request headers) and authorization (SubjectAccessReview).',
  });
  if (!values.kubeconfig) throw new FlagError('--kubeconfig must be specified');
  if (!!values.tlsCertFile !== !!values.tlsPrivateKeyFile) throw new FlagError('--tls-cert-file and --tls-private-key-file must be given together');
  return {
    ...values,
    authenticationKubeconfig: values.authenticationKubeconfig || values.kubeconfig,
    authorizationKubeconfig: values.authorizationKubeconfig || values.kubeconfig,
  };
}
