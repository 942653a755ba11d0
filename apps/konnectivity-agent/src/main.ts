/**
 * `kubernest konnectivity-agent --proxy-server-host --proxy-server-port --agent-id
 * --agent-identifiers [--agent-cert/--agent-key/--ca-cert] [--allow=cidr:port,...]`.
 * SIGTERM sends DRAIN to every server, waits for open connections (--drain-timeout), then exits.
 */
import { KonnectivityAgent } from '../../../libs/konnectivity/src/agent';
import { startTracingFromFlag } from '../../apiserver/src/config/tracing-flag';
import { parseKonnectivityAgentFlags } from './options';

export async function runKonnectivityAgent(argv: string[]): Promise<void> {
  const options = parseKonnectivityAgentFlags(argv);
  startTracingFromFlag('konnectivity-agent', options.tracingConfigFile);
  options.log = (m) => console.log(`konnectivity-agent ${options.agentId}: ${m}`);
  const agent = new KonnectivityAgent(options);
  agent.start();
  console.log(`kubernest konnectivity-agent ${options.agentId} connecting to ${options.proxyServerHost}:${options.proxyServerPort}`);
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    void agent.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
