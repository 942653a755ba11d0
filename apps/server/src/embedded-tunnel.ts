/**
 * The tunnel server inside `kubernest server`: a konnectivity ProxyServer whose agent port node
 * agents dial (TLS with the data dir's serving certificate; agents verify it with ca.crt), and
 * whose front end listens on a loopback port only this process uses. The API server's `cluster`
 * egress goes through it, so kubelets and pods are reached through the agents, as on a replica.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { CERT_FILES } from '../../../libs/pki/src';
import type { EgressSelectorConfig } from '../../apiserver/src/egress/egress-selector';
import { KonnectivityServerModule } from '../../konnectivity-server/src/konnectivity-server.module';

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface EmbeddedTunnel {
  module: DynamicModule;
  egress: EgressSelectorConfig;
  agentPort: number;
}

/** undefined when --konnectivity-agent-port=0 (no tunnel: kubelets are dialled directly). */
export async function embeddedTunnel(opts: { agentPort: number; bindAddress: string; certDir: string }): Promise<EmbeddedTunnel | undefined> {
  if (opts.agentPort === 0) return undefined;
  const frontPort = await freeLoopbackPort();
  const module = KonnectivityServerModule.forRoot({
    serverId: randomUUID(),
    serverCount: 1,
    mode: 'grpc',
    strategies: ['destHost', 'default'],
    agentPort: opts.agentPort,
    agentBindAddress: opts.bindAddress,
    agentTls: { certFile: join(opts.certDir, CERT_FILES.servingCert), keyFile: join(opts.certDir, CERT_FILES.servingKey) },
    serverPort: frontPort,
    serverBindAddress: '127.0.0.1',
    healthPort: 0,
    healthBindAddress: '127.0.0.1',
    dialTimeoutMs: 10_000,
    log: () => undefined,
  });
  return {
    module,
    agentPort: opts.agentPort,
    egress: { selections: [{ name: 'cluster', proxyProtocol: 'GRPC', transport: { tcp: { url: `http://127.0.0.1:${frontPort}` } } }] },
  };
}
