/**
 * Tracing across services (issue: operations): an API replica, a watch-cache, a tunnel server and
 * its agent, all started with --tracing-config-file, export spans to an OTLP/gRPC receiver. One
 * request carrying a client's `traceparent` yields one trace with the replica's KubernetesAPI span
 * (a child of the client's span), its storage span and the watch-cache's server span; one
 * `kubectl logs` yields one trace with spans from the replica, the watch-cache, the tunnel server
 * and the agent (the dial's context travels in the DIAL_REQ).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { KonnectivityAgentInstance, KonnectivityServerInstance, startKonnectivityAgent, startKonnectivityServer, waitFor } from '../harness/konnectivity';
import { KubeletSimInstance, startKubeletSim, writeTunnelEgressConfig } from '../harness/kubelet-sim';
import { OtlpReceiver, startOtlpReceiver, tracingConfigYaml } from '../harness/otlp-receiver';
import { startWatchCache, WatchCacheInstance } from '../harness/watch-cache';

let receiver: OtlpReceiver;
let etcd: EtcdInstance;
let cache: WatchCacheInstance;
let server: ApiserverInstance;
let dir: string;
let tunnel: KonnectivityServerInstance;
let agent: KonnectivityAgentInstance;
let sim: KubeletSimInstance;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dir = await mkdtemp(join(tmpdir(), 'kubernest-tracing-'));
  const config = join(dir, 'tracing.yaml');
  await writeFile(config, tracingConfigYaml(receiver.endpoint));
  etcd = await startEtcd();
  cache = await startWatchCache(etcd, [`--tracing-config-file=${config}`]);
  tunnel = await startKonnectivityServer(['--server-id=traced', `--tracing-config-file=${config}`]);
  agent = await startKonnectivityAgent('127.0.0.1', tunnel.agentPort, ['--agent-id=traced-agent', '--agent-identifiers=ipv4=127.0.0.1', '--allow=127.0.0.1:*', `--tracing-config-file=${config}`]);
  await waitFor(async () => (await tunnel.get('/readyz')).status === 200, 15_000, 'the agent to connect');
  const egress = writeTunnelEgressConfig(dir, tunnel.serverPort);
  server = await startApiserver({
    etcd,
    extraArgs: [`--watch-cache-servers=${cache.address}`, `--tracing-config-file=${config}`, `--egress-selector-config-file=${egress}`],
  });
  sim = await startKubeletSim(server.kubeconfig, { nodes: 1, sandboxDir: dir, extraArgs: [`--tracing-config-file=${config}`] });
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  await server?.stop();
  await agent?.stop();
  await tunnel?.stop();
  await cache?.stop();
  await etcd?.stop();
  await receiver?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('--tracing-config-file', () => {
  it('one trace spans the client, the API replica, storage and the watch-cache', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const r = await server.request('GET', '/api/v1/namespaces/default/configmaps', { headers: { traceparent: `00-${traceId}-${parent}-01` } });
    expect(r.status).toBe(200);

    await waitFor(() => receiver.spans.some((s) => s.traceId === traceId && s.service === 'watch-cache'), 15_000, 'the watch-cache span');
    await waitFor(() => receiver.spans.some((s) => s.traceId === traceId && s.name === 'KubernetesAPI'), 15_000, 'the replica span');
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const api = trace.find((s) => s.name === 'KubernetesAPI')!;
    expect(api.service).toBe('apiserver');
    expect(api.parentSpanId).toBe(parent);
    expect(api.kind).toBe(2); // SERVER
    expect(api.attributes['http.method']).toBe('GET');
    expect(api.attributes['k8s.verb']).toBe('list');
    expect(api.attributes['k8s.resource']).toBe('configmaps');
    expect(api.attributes['http.status_code']).toBe(200);
    expect(trace.some((s) => s.service === 'apiserver' && s.name === 'storage.List')).toBe(true);
    const wc = trace.find((s) => s.service === 'watch-cache')!;
    expect(wc.name).toMatch(/^watchcache\.WatchCache\//);
    // every span of the trace hangs off another span of the trace or the client's
    const ids = new Set([parent, ...trace.map((s) => s.spanId)]);
    for (const s of trace) expect(ids.has(s.parentSpanId)).toBe(true);
  });

  it('one kubectl logs: spans from the replica, the watch-cache, the tunnel server and the agent in one trace', async () => {
    const run = await kubectl('1.32', server.kubeconfig, ['run', 'traced', '--image=busybox', `--overrides={"spec":{"nodeName":"sim-0"}}`]);
    expect(run.code, run.stderr).toBe(0);
    await waitFor(async () => /\bRunning\b/.test((await kubectl('1.32', server.kubeconfig, ['get', 'pod', 'traced'])).stdout), 20_000, 'pod Running');
    const logs = await kubectl('1.32', server.kubeconfig, ['logs', 'traced']);
    expect(logs.code, logs.stderr).toBe(0);
    const isLogRequest = (s: (typeof receiver.spans)[number]) => s.name === 'KubernetesAPI' && s.attributes['k8s.subresource'] === 'log';
    await waitFor(() => receiver.spans.some(isLogRequest), 15_000, 'the log request span');
    const traceId = receiver.spans.find(isLogRequest)!.traceId;
    await waitFor(
      () => ['apiserver', 'watch-cache', 'konnectivity-server', 'konnectivity-agent', 'kubelet'].every((svc) => receiver.spans.some((s) => s.traceId === traceId && s.service === svc)),
      15_000,
      `spans of every service in trace ${traceId}: ${JSON.stringify(receiver.spans.filter((s) => s.traceId === traceId).map((s) => `${s.service}/${s.name}`))}`,
    );
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const dial = trace.find((s) => s.name === 'konnectivity.Dial')!;
    const serverDial = trace.find((s) => s.name === 'konnectivity-server.Dial')!;
    const agentDial = trace.find((s) => s.name === 'konnectivity-agent.Dial')!;
    expect(dial.service).toBe('apiserver');
    expect(serverDial.parentSpanId).toBe(dial.spanId);
    expect(serverDial.attributes['konnectivity.agent_id']).toBe('traced-agent');
    expect(agentDial.parentSpanId).toBe(serverDial.spanId);
    // the kubelet's span is a child of the replica's request span (its traceparent header)
    const kubelet = trace.find((s) => s.service === 'kubelet')!;
    expect(kubelet.name).toBe('kubelet /containerLogs');
    expect(kubelet.parentSpanId).toBe(trace.find(isLogRequest)!.spanId);
  });

  it('a create has mutating and validating admission spans', async () => {
    const before = receiver.spans.length;
    const r = await server.request('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'traced-admission' } }) });
    expect(r.status).toBe(201);
    const isCreate = (s: (typeof receiver.spans)[number]) => s.name === 'KubernetesAPI' && s.attributes['k8s.verb'] === 'create' && s.attributes['k8s.resource'] === 'configmaps';
    await waitFor(() => receiver.spans.slice(before).some(isCreate), 15_000, 'the create span');
    const traceId = receiver.spans.slice(before).find(isCreate)!.traceId;
    await waitFor(() => receiver.spans.filter((s) => s.traceId === traceId && s.name.startsWith('admission.')).length >= 2, 15_000, 'admission spans');
    const names = receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['admission.Mutate', 'admission.Validate', 'storage.Create']));
    // the filter-chain stages after the tracing filter, each a child of the request span
    const api = receiver.spans.find((s) => s.traceId === traceId && s.name === 'KubernetesAPI')!;
    const stages = receiver.spans.filter((s) => s.traceId === traceId && s.name.startsWith('filter.'));
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['filter.authentication', 'filter.audit', 'filter.authorization']));
    for (const s of stages) expect(s.parentSpanId).toBe(api.spanId);
  });

  it('a request without traceparent starts its own trace at the replica', async () => {
    const before = receiver.spans.length;
    const r = await server.request('GET', '/api/v1/namespaces');
    expect(r.status).toBe(200);
    await waitFor(() => receiver.spans.slice(before).some((s) => s.name === 'KubernetesAPI' && s.attributes['k8s.resource'] === 'namespaces'), 15_000, 'a root span');
    const root = receiver.spans.slice(before).find((s) => s.name === 'KubernetesAPI' && s.attributes['k8s.resource'] === 'namespaces')!;
    expect(root.parentSpanId).toBe('');
  });
});
