/**
 * The `kubernest` command: dispatches to a component (apiserver, server, watch-cache,
 * bootstrap-controller, konnectivity-server, konnectivity-agent, kubelet-sim).
 * Flag errors print one clear line and exit 1, as kube-apiserver does.
 */
import { FlagError, HelpRequested } from '../../apiserver/src/config';

type Component = (argv: string[]) => Promise<void>;

// Each component is loaded only when asked for, so one component's start-up does not pay for the
// others' dependencies (e.g. the embedded server never loads the etcd client).
/* eslint-disable @typescript-eslint/no-require-imports */
const components: Record<string, () => Promise<Component>> = {
  apiserver: async () => (require('../../apiserver/src/main') as typeof import('../../apiserver/src/main')).runApiserver,
  server: async () => (require('../../server/src/main') as typeof import('../../server/src/main')).runServer,
  'bootstrap-controller': async () =>
    (require('../../bootstrap-controller/src/main') as typeof import('../../bootstrap-controller/src/main')).runBootstrapController,
  'watch-cache': async () => (require('../../watch-cache/src/main') as typeof import('../../watch-cache/src/main')).runWatchCache,
  'konnectivity-server': async () => (require('../../konnectivity-server/src/main') as typeof import('../../konnectivity-server/src/main')).runKonnectivityServer,
  'konnectivity-agent': async () => (require('../../konnectivity-agent/src/main') as typeof import('../../konnectivity-agent/src/main')).runKonnectivityAgent,
  'kubelet-sim': async () => (require('../../kubelet-sim/src/main') as typeof import('../../kubelet-sim/src/main')).runKubeletSim,
  'metrics-server': async () => (require('../../metrics-server/src/main') as typeof import('../../metrics-server/src/main')).runMetricsServer,
};
/* eslint-enable @typescript-eslint/no-require-imports */

const usage = `Usage: kubernest <component> [flags]

Components:
  apiserver   an API front-end replica (kube-apiserver compatible flags)
  server      the whole control plane in one process, embedded store in --data-dir
  watch-cache the shared watch cache for replicas (gRPC; replicas use --watch-cache-servers)
  bootstrap-controller  system namespaces, Service kubernetes and the ClusterIP/NodePort repair loops
  konnectivity-server   the Konnectivity proxy server (agents connect in; the API server dials through it)
  konnectivity-agent    the Konnectivity agent (runs in the cluster network, dials for the proxy server)
  kubelet-sim           N simulated kubelets: Nodes, Leases, fake pods and the kubelet HTTPS API per node
  metrics-server        an aggregated API server for metrics.k8s.io (kubectl top), scraping kubelets via the node proxy

Run 'kubernest <component> --help' for the component's flags.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    console.log(usage);
    return name ? 0 : 1;
  }
  const load = components[name];
  if (!load) {
    console.error(`Error: unknown component "${name}" for "kubernest"\n\n${usage}`);
    return 1;
  }
  try {
    await (await load())(rest);
    return -1; // keep running
  } catch (e) {
    if (e instanceof HelpRequested) {
      console.log(e.usage);
      return 0;
    }
    if (e instanceof FlagError) {
      console.error(`Error: ${e.message}`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      console.error(`Error: failed to listen: ${(e as Error).message}`);
      return 1;
    }
    console.error(`Error: ${(e as Error).message ?? e}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exit(code);
  });
}
