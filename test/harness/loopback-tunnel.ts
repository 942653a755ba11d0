/**
 * The cluster egress of a single-host e2e test through konnectivity: one server (--server-id=s1)
 * and one agent (node-agent, ipv4=127.0.0.1, allowed to dial 127.0.0.1:*) connected to it, and the
 * API server's --egress-selector-config-file for it (written to `dir`).
 */
import { KonnectivityAgentInstance, KonnectivityServerInstance, startKonnectivityAgent, startKonnectivityServer, waitFor } from './konnectivity';
import { writeTunnelEgressConfig } from './kubelet-sim';

export interface LoopbackTunnel {
  server: KonnectivityServerInstance;
  agent: KonnectivityAgentInstance;
  /** `--egress-selector-config-file=...` for the API server */
  egressArg: string;
  /** stops the agent, then the server */
  stop(): Promise<void>;
}

export async function startLoopbackTunnel(dir: string): Promise<LoopbackTunnel> {
  const server = await startKonnectivityServer(['--server-id=s1']);
  let agent: KonnectivityAgentInstance | undefined;
  try {
    agent = await startKonnectivityAgent('127.0.0.1', server.agentPort, ['--agent-id=node-agent', '--agent-identifiers=ipv4=127.0.0.1', '--allow=127.0.0.1:*']);
    await waitFor(async () => (await server.get('/readyz')).status === 200, 15_000, 'an agent to connect');
  } catch (e) {
    // nothing half-started is left behind when the tunnel does not come up
    await agent?.stop();
    await server.stop();
    throw e;
  }
  return {
    server,
    agent,
    egressArg: `--egress-selector-config-file=${writeTunnelEgressConfig(dir, server.serverPort)}`,
    stop: async () => {
      await agent!.stop();
      await server.stop();
    },
  };
}
