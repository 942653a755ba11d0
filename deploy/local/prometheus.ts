/**
 * The local cluster's Prometheus: a scrape configuration for every component's /metrics (API
 * replicas over HTTPS with the admin client certificate, the watch caches, the konnectivity
 * servers' health ports, the bootstrap controller) written to `<dir>/prometheus.yml`.
 */
import { stringify } from 'yaml';

export interface PrometheusTargets {
  /** host:port of each API replica (HTTPS) */
  apiservers: string[];
  watchCaches: string[];
  konnectivityServers: string[];
  bootstrapController: string[];
  /** the admin client certificate (system:masters) and the cluster CA, as files */
  tls: { caFile: string; certFile: string; keyFile: string };
  scrapeIntervalSeconds?: number;
}

export function prometheusConfig(t: PrometheusTargets): string {
  const interval = `${t.scrapeIntervalSeconds ?? 5}s`;
  const job = (name: string, targets: string[], extra: Record<string, unknown> = {}) => ({
    job_name: name,
    ...extra,
    static_configs: [{ targets }],
  });
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      job('apiserver', t.apiservers, {
        scheme: 'https',
        tls_config: { ca_file: t.tls.caFile, cert_file: t.tls.certFile, key_file: t.tls.keyFile },
      }),
      job('watch-cache', t.watchCaches),
      job('konnectivity-server', t.konnectivityServers),
      job('bootstrap-controller', t.bootstrapController),
    ],
  });
}

/** The arguments of `prometheus` for this cluster. */
export function prometheusArgs(configFile: string, dataDir: string, listen: string): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=${listen}`,
    '--storage.tsdb.retention.time=1d',
    '--log.level=warn',
  ];
}
