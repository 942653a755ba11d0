import { describe, expect, it } from 'vitest';
import { apiserverFlagSpecs, parseApiserverFlags } from './apiserver-options';
import { FlagError, HelpRequested } from './flags';

const ETCD = '--etcd-servers=http://127.0.0.1:2379';
const errorOf = (argv: string[]): Error => {
  try {
    parseApiserverFlags(argv);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('parseApiserverFlags', () => {
  it('defaults as kube-apiserver', () => {
    const cfg = parseApiserverFlags([ETCD, '--bind-address=127.0.0.1']);
    expect(cfg).toEqual({
      etcdServers: ['http://127.0.0.1:2379'],
      etcdPrefix: '/registry',
      securePort: 6443,
      bindAddress: '127.0.0.1',
      advertiseAddress: '127.0.0.1',
      certDir: '/var/run/kubernetes',
      tlsCertFile: '',
      tlsPrivateKeyFile: '',
      tls: { minVersion: 'TLSv1.2' },
      clientCAFile: '',
      maxRequestsInflight: 400,
      maxMutatingRequestsInflight: 200,
      requestTimeoutMs: 60_000,
      minRequestTimeoutSeconds: 1800,
      shutdownDelayMs: 0,
      shutdownSendRetryAfter: false,
      shutdownWatchTerminationGracePeriodMs: 0,
      tracingConfigFile: '',
      serviceClusterIPRange: '10.0.0.0/24',
      serviceClusterIPRanges: [{ network: '10.0.0.0', prefixLength: 24, family: 4, bits: 32, cidr: '10.0.0.0/24' }],
      serviceNodePortRange: { base: 30000, size: 2768 },
      etcdCompactionIntervalMs: 300_000,
      corsAllowedOrigins: [],
      anonymousAuth: true,
      watchCacheServers: [],
      endpointReconcilerType: 'lease',
      apiserverCount: 1,
      logLevel: 0,
      egressSelectorConfigFile: '',
      kubeletCertificateAuthority: '',
      authn: expect.objectContaining({ serviceAccountIssuers: ['https://kubernetes.default.svc.cluster.local'], apiAudiences: ['https://kubernetes.default.svc.cluster.local'] }),
      aggregator: expect.objectContaining({ proxyClientCertFile: '', enableAggregatorRouting: false }),
    });
  });

  it('parses every flag', () => {
    const cfg = parseApiserverFlags([
      '--etcd-servers',
      'http://127.0.0.1:2379,https://127.0.0.2:2379',
      '--etcd-prefix=/kubernest',
      '--secure-port',
      '0',
      '--bind-address=127.0.0.1',
      '--advertise-address=10.9.8.7',
      '--cert-dir=/tmp/certs',
      '--tls-cert-file=/tmp/a.crt',
      '--tls-private-key-file=/tmp/a.key',
      '--client-ca-file=/tmp/ca.crt',
      '--max-requests-inflight=0',
      '--max-mutating-requests-inflight=5',
      '--request-timeout=30s',
      '--min-request-timeout=60',
      '--service-cluster-ip-range=10.96.0.0/16,fd00::/108',
      '--service-node-port-range=20000+99',
      '--etcd-compaction-interval=0',
      '--cors-allowed-origins=^https://a\\.example$,//localhost(:|$)',
      '--anonymous-auth=false',
      '--watch-cache-servers=127.0.0.1:7001,cache:7002',
      '-v=4',
    ]);
    expect(cfg).toMatchObject({
      etcdServers: ['http://127.0.0.1:2379', 'https://127.0.0.2:2379'],
      etcdPrefix: '/kubernest',
      securePort: 0,
      advertiseAddress: '10.9.8.7',
      certDir: '/tmp/certs',
      tlsCertFile: '/tmp/a.crt',
      tlsPrivateKeyFile: '/tmp/a.key',
      tls: { minVersion: 'TLSv1.2' },
      clientCAFile: '/tmp/ca.crt',
      maxRequestsInflight: 0,
      maxMutatingRequestsInflight: 5,
      requestTimeoutMs: 30_000,
      minRequestTimeoutSeconds: 60,
      serviceNodePortRange: { base: 20000, size: 100 },
      etcdCompactionIntervalMs: 0,
      corsAllowedOrigins: ['^https://a\\.example$', '//localhost(:|$)'],
      anonymousAuth: false,
      watchCacheServers: ['127.0.0.1:7001', 'cache:7002'],
      logLevel: 4,
    });
    expect(cfg.serviceClusterIPRanges.map((c) => c.cidr)).toEqual(['10.96.0.0/16', 'fd00::/108']);
  });

  it('takes a caller-provided etcd default', () => {
    expect(parseApiserverFlags([], { defaults: { etcdServers: ['http://127.0.0.1:12379'] } }).etcdServers).toEqual(['http://127.0.0.1:12379']);
  });

  it('defaults the advertise address from the host when binding all interfaces', () => {
    const cfg = parseApiserverFlags([ETCD]);
    expect(cfg.advertiseAddress).not.toBe('0.0.0.0');
    expect(cfg.advertiseAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it.each([
    [[], '--etcd-servers must be specified'],
    [['--etcd-servers=127.0.0.1:2379'], '--etcd-servers: invalid URL "127.0.0.1:2379": must be http://host:port or https://host:port'],
    [[ETCD, '--secure-port=70000'], '--secure-port 70000 must be between 0 and 65535, inclusive. 0 picks a free port'],
    [[ETCD, '--secure-port=abc'], 'invalid argument "abc" for "--secure-port" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [[ETCD, '--tls-cert-file=/a'], '--tls-cert-file and --tls-private-key-file must be specified together'],
    [[ETCD, '--max-requests-inflight=-1'], '--max-requests-inflight can not be negative value'],
    [[ETCD, '--request-timeout=-1s'], '--request-timeout can not be negative value'],
    [[ETCD, '--request-timeout=1x'], 'invalid argument "1x" for "--request-timeout" flag: time: unknown unit "x" in duration "1x"'],
    [[ETCD, '--service-cluster-ip-range=10.0.0.0'], 'service-cluster-ip-range[0] is not a valid cidr'],
    [[ETCD, '--service-cluster-ip-range=10.0.0.0/8'], 'specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12'],
    [[ETCD, '--service-cluster-ip-range=10.0.0.0/24,10.1.0.0/24'], '--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family'],
    [[ETCD, '--service-cluster-ip-range=10.0.0.0/24,fd00::/108,10.1.0.0/24'], '--service-cluster-ip-range must not contain more than two entries'],
    [[ETCD, '--service-node-port-range=32767-30000'], 'invalid argument "32767-30000" for "--service-node-port-range" flag: end port cannot be less than start port: 32767-30000'],
    [[ETCD, '--watch-cache-servers=nohost'], '--watch-cache-servers: invalid address "nohost": must be host:port'],
    [[ETCD, '--cors-allowed-origins=(unclosed'], '--cors-allowed-origins has an invalid regular expression: Invalid regular expression: /(unclosed/: Unterminated group'],
    [[ETCD, '--advertise-address=example.com'], 'invalid argument "example.com" for "--advertise-address" flag: failed to parse IP: "example.com"'],
    [[ETCD, '--nope'], 'unknown flag: --nope'],
  ])('%j -> %s', (argv, message) => {
    const err = errorOf(argv);
    expect(err).toBeInstanceOf(FlagError);
    expect(err.message).toBe(message);
  });

  it('--help carries the usage of every flag', () => {
    const err = errorOf(['--help']);
    expect(err).toBeInstanceOf(HelpRequested);
    const usage = (err as HelpRequested).usage;
    for (const def of Object.values(apiserverFlagSpecs)) expect(usage).toContain(`--${def.name}`);
    expect(usage).toContain('(default 1m0s)');
    expect(usage).toContain('(default 30000-32767)');
  });
});
