/**
 * `kubernest konnectivity-agent --proxy-server-host --proxy-server-port --agent-id
 * --agent-identifiers [--agent-cert/--agent-key/--ca-cert] [--service-account-token-path]
 * [--allow=cidr:port,...] [--health-server-port=8093] [--admin-server-port=8094]`.
 * SIGTERM sends DRAIN to every server, waits for open connections (--drain-timeout), then exits.
 */
import { KonnectivityAgent } from '../../../libs/konnectivity/src/agent';
import { AgentHealthServers } from '../../../libs/konnectivity/src/agent-health';
import { startTracingFromFlag } from '../../apiserver/src/config/tracing-flag';
import { parseKonnectivityAgentFlags } from './options';

export async function runKonnectivityAgent(argv: string[]): Promise<void> {
  const options = parseKonnectivityAgentFlags(argv);
  startTracingFromFlag('konnectivity-agent', options.tracingConfigFile);
  options.log = (m) => console.log(`konnectivity-agent ${options.agentId}: ${m}`);
  const agent = new KonnectivityAgent(options);
  agent.start();
  // as upstream, a health/admin port that cannot be bound is logged and the agent keeps running
  const health = new AgentHealthServers(agent, options.health);
  const bound = await health.start().then(
    () => `, health on port ${health.ports.health}, admin on port ${health.ports.admin}`,
    (e: Error) => (console.error(`konnectivity-agent ${options.agentId}: health/admin server could not listen: ${e.message}`), ''),
  );
  console.log(`kubernest konnectivity-agent ${options.agentId} connecting to ${options.proxyServerHost}:${options.proxyServerPort}${bound}`);
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    void agent.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
