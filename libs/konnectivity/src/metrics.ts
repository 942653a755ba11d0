/** Prometheus metrics of the proxy server and the agent, with upstream's names (prefix konnectivity_network_proxy_). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const P = 'konnectivity_network_proxy_';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly dialDuration = new Histogram({
    name: `${P}server_dial_duration_seconds`,
    help: 'Latency of dial to the remote endpoint in seconds',
    buckets: [0.005, 0.025, 0.1, 0.5, 2.5, 12.5],
    registers: [this.registry],
  });
  readonly frontendWriteDuration = new Histogram({
    name: `${P}server_frontend_write_duration_seconds`,
    help: 'Latency of write to the frontend in seconds',
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5],
    registers: [this.registry],
  });
  readonly connectionDuration = new Histogram({
    name: `${P}server_connection_duration_seconds`,
    help: 'Duration of tunnelled connections in seconds',
    buckets: [0.1, 1, 10, 60, 600, 3600],
    registers: [this.registry],
  });
  readonly dialFailures = new Counter({ name: `${P}server_dial_failure_count`, help: 'Number of dial failures by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly pendingDials = new Gauge({ name: `${P}server_pending_backend_dials`, help: 'Current number of pending backend dial requests', registers: [this.registry] });
  readonly establishedConnections = new Gauge({ name: `${P}server_established_connections`, help: 'Current number of established end-to-end connections', registers: [this.registry] });
  readonly readyBackendConnections = new Gauge({
    name: `${P}server_ready_backend_connections`,
    help: 'Number of agent streams (backends) ready to take dials (not draining)',
    registers: [this.registry],
  });
  readonly readyBackends = new Gauge({ name: `${P}server_ready_backends`, help: 'Number of ready backends per proxy strategy', labelNames: ['proxy_strategy'], registers: [this.registry] });
  readonly grpcConnections = new Gauge({ name: `${P}server_grpc_connections`, help: 'Number of open gRPC streams', labelNames: ['service_method'], registers: [this.registry] });
  readonly httpConnections = new Gauge({ name: `${P}server_http_connections`, help: 'Number of open HTTP CONNECT connections', registers: [this.registry] });
  readonly streamPackets = new Counter({ name: `${P}server_stream_packets_total`, help: 'Packets on the server streams', labelNames: ['segment', 'packet_type'], registers: [this.registry] });
  readonly streamErrors = new Counter({ name: `${P}server_stream_errors_total`, help: 'Errors on the server streams', labelNames: ['segment', 'code', 'packet_type'], registers: [this.registry] });
  readonly agentRejections = new Counter({
    name: `${P}server_agent_rejected_total`,
    help: 'Agent streams refused: reason authentication_failed (token review) or identity_mismatch (claims its credentials do not allow) (Kubernest)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly flowOverflows = new Counter({
    name: `${P}server_flow_control_overflow_total`,
    help: 'Connections closed because an uncontrolled peer outran a slow reader (Kubernest)',
    registers: [this.registry],
  });
}

export class AgentMetrics {
  readonly registry = new Registry();
  readonly dialDuration = new Histogram({
    name: `${P}agent_dial_duration_seconds`,
    help: 'Latency of dial to the remote endpoint in seconds',
    buckets: [0.005, 0.025, 0.1, 0.5, 2.5, 10, 30],
    registers: [this.registry],
  });
  readonly dialFailures = new Counter({ name: `${P}agent_endpoint_dial_failure_total`, help: 'Number of failures dialing the remote endpoint, by reason (example: timeout).', labelNames: ['reason'], registers: [this.registry] });
  readonly openServerConnections = new Gauge({ name: `${P}agent_open_server_connections`, help: 'Current number of open server connections', registers: [this.registry] });
  readonly knownServerCount = new Gauge({ name: `${P}agent_known_server_count`, help: 'The server count the agent last learned', registers: [this.registry] });
  readonly openEndpointConnections = new Gauge({ name: `${P}agent_open_endpoint_connections`, help: 'Current number of open endpoint connections', registers: [this.registry] });
  readonly streamPackets = new Counter({ name: `${P}agent_stream_packets_total`, help: 'Packets on the agent streams', labelNames: ['segment', 'packet_type'], registers: [this.registry] });
  readonly streamErrors = new Counter({ name: `${P}agent_stream_errors_total`, help: 'Errors on the agent streams', labelNames: ['segment', 'code', 'packet_type'], registers: [this.registry] });
}
