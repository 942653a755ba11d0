/**
 * `kubernest metrics-server --kubeconfig FILE [--secure-port 10250] [--metric-resolution 15s] ...`:
 * an aggregated API server for metrics.k8s.io/v1beta1, so that `kubectl top` works (see README).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCert } from '../../../libs/pki/src';
import { ApiError, KubeClient, loadKubeconfig, type KObject } from '../../kubelet-sim/src/kube-client';
import { DelegatingAuthenticator } from './authn';
import { AUTH_CONFIGMAP_PATH, buildAuthnConfig, tokenReviewer } from './authn-config';
import { DelegatingAuthorizer, type SubjectAccessReviewStatus } from './authz';
import { type MetricsServerConfig, parseMetricsServerFlags } from './options';
import { Scraper } from './scraper';
import { MetricsHttpsServer } from './server';
import { MetricsStorage } from './storage';

export interface RunningMetricsServer {
  port: number;
  /** PEM of the CA that signed the serving certificate (for APIService.spec.caBundle); '' with --tls-cert-file */
  caPem: string;
  certDir: string;
  scraper: Scraper;
  stop(): Promise<void>;
}

/** The serving certificate: the given files, or a CA + serving cert generated into certDir (reused when present). */
async function servingCert(config: MetricsServerConfig, certDir: string): Promise<{ cert: string; key: string; caPem: string }> {
  if (config.tlsCertFile) return { cert: readFileSync(config.tlsCertFile, 'utf8'), key: readFileSync(config.tlsPrivateKeyFile, 'utf8'), caPem: '' };
  const files = { ca: join(certDir, 'ca.crt'), cert: join(certDir, 'apiserver.crt'), key: join(certDir, 'apiserver.key') };
  if (existsSync(files.ca) && existsSync(files.cert) && existsSync(files.key)) {
    return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), caPem: readFileSync(files.ca, 'utf8') };
  }
  const ca = await createCA({ commonName: 'kubernest-metrics-server-ca' });
  const names = ['localhost', '127.0.0.1', ...config.tlsSans];
  if (config.bindAddress !== '0.0.0.0' && config.bindAddress !== '::') names.push(config.bindAddress);
  const serving = await issueCert(ca, {
    commonName: 'metrics-server',
    dnsNames: [...new Set(names.filter((n) => !isIP(n)))],
    ipAddresses: [...new Set(names.filter((n) => isIP(n)))],
    usage: 'server',
  });
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  writeFileSync(files.ca, ca.certPem, { mode: 0o644 });
  writeFileSync(files.cert, serving.certPem + ca.certPem, { mode: 0o644 });
  writeFileSync(files.key, serving.keyPem, { mode: 0o600 });
  return { cert: serving.certPem + ca.certPem, key: serving.keyPem, caPem: ca.certPem };
}

export async function startMetricsServer(config: MetricsServerConfig, log: (msg: string) => void = (m) => console.log(m)): Promise<RunningMetricsServer> {
  const client = new KubeClient(loadKubeconfig(config.kubeconfig));
  const authnClient = config.authenticationKubeconfig === config.kubeconfig ? client : new KubeClient(loadKubeconfig(config.authenticationKubeconfig));
  const authzClient = config.authorizationKubeconfig === config.kubeconfig ? client : new KubeClient(loadKubeconfig(config.authorizationKubeconfig));
  const certDir = config.certDir || mkdtempSync(join(tmpdir(), 'kubernest-metrics-server-'));
  const tls = await servingCert(config, certDir);

  const tokenReview = tokenReviewer(authnClient);
  let cmData: Record<string, string> | undefined;
  const readConfigMap = async (): Promise<boolean> => {
    try {
      const cm = await authnClient.get<KObject>(AUTH_CONFIGMAP_PATH);
      const next = (cm.data ?? {}) as Record<string, string>;
      const changed = JSON.stringify(next) !== JSON.stringify(cmData);
      cmData = next;
      return changed;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) log(`metrics-server: unable to get configmap/extension-apiserver-authentication in kube-system: ${(e as Error).message}`);
      return false;
    }
  };
  const lookup = !config.authenticationSkipLookup && !(config.clientCaFile && config.requestheaderClientCaFile);
  if (lookup) await readConfigMap();
  const authenticator = new DelegatingAuthenticator(buildAuthnConfig(config, cmData, tokenReview));
  const authorizer = new DelegatingAuthorizer(
    async (review) => ((await authzClient.request<KObject>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', review)).status ?? {}) as SubjectAccessReviewStatus,
    { alwaysAllowPaths: config.authorizationAlwaysAllowPaths, allowCacheTtlMs: config.authorizationCacheAuthorizedTtl, denyCacheTtlMs: config.authorizationCacheUnauthorizedTtl },
  );

  const storage = new MetricsStorage(config.metricResolution);
  const scraper = new Scraper(client, storage, { resolutionMs: config.metricResolution, timeoutMs: config.kubeletRequestTimeout, log });
  const https = new MetricsHttpsServer({
    cert: tls.cert,
    key: tls.key,
    authenticator,
    authorizer,
    sources: { storage, nodes: () => scraper.nodes, pods: () => scraper.pods },
    log,
  });
  const port = await https.listen(config.securePort, config.bindAddress);
  scraper.start();

  // the ConfigMap may appear or change later (CA rotation): poll it
  const cmTimer = lookup
    ? setInterval(() => {
        void readConfigMap().then((changed) => {
          if (!changed) return;
          authenticator.update(buildAuthnConfig(config, cmData, tokenReview));
          https.refreshTrustedCAs();
          log('metrics-server: authentication configuration reloaded from kube-system/extension-apiserver-authentication');
        });
      }, 10_000)
    : undefined;
  cmTimer?.unref();

  let stopped: Promise<void> | undefined;
  return {
    port,
    caPem: tls.caPem,
    certDir,
    scraper,
    stop: () =>
      (stopped ??= (async () => {
        if (cmTimer) clearInterval(cmTimer);
        await scraper.stop();
        await https.close();
        for (const c of new Set([client, authnClient, authzClient])) c.close();
      })()),
  };
}

export async function runMetricsServer(argv: string[]): Promise<void> {
  const config = parseMetricsServerFlags(argv);
  const ownCertDir = !config.certDir && !config.tlsCertFile;
  const ms = await startMetricsServer(config);
  const caNote = ms.caPem ? ` (serving CA in ${join(ms.certDir, 'ca.crt')})` : '';
  console.log(`kubernest metrics-server serving metrics.k8s.io/v1beta1 on https://${config.bindAddress}:${ms.port}${caNote}`);
  const shutdown = (signal: string) => {
    console.log(`metrics-server: ${signal}, stopping`);
    void ms.stop().finally(() => {
      if (ownCertDir) rmSync(ms.certDir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
