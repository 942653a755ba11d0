/**
 * One simulated node's kubelet HTTPS API: /healthz, /pods, /runningpods/, /stats/summary,
 * /metrics (+ /metrics/resource, /metrics/cadvisor, /metrics/probes), /configz, /spec/,
 * /containerLogs, /run, and exec/attach/portForward over WebSocket. No authentication: anyone
 * reaching the port is treated as the API server.
 */
import { extractContext, runInContext, SpanKind, startSpan, tracingEnabled } from '../../../libs/tracing/src';
import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { negotiateProtocol, PORTFORWARD_PROTOCOLS, REMOTECOMMAND_PROTOCOLS } from './channels';
import type { KObject } from './kube-client';
import { listenOn } from './listen';
import type { LogLine, SimContainer, SimPod } from './sim-pod';
import { parsePorts, parseStreamOptions, serveAttach, serveExec, servePortForward } from './streaming';

/** what the server needs from its node */
export interface KubeletNode {
  readonly name: string;
  readonly ip: string;
  readonly startTime: Date;
  readonly capacity: { cpu: number; memoryBytes: number; pods: number };
  readonly configz: KObject;
  port: number;
  pods(): SimPod[];
  findPod(namespace: string, name: string, uid?: string): SimPod | undefined;
  machineInfo(): KObject;
}

const BUILD = { major: '1', minor: '32', gitVersion: 'v1.32.0' };

function send(res: ServerResponse, status: number, body: string | object, contentType?: string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json'), 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sec(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function podList(items: KObject[]): KObject {
  return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items };
}

/** deterministic, slowly growing usage numbers so consecutive scrapes look plausible */
function usage(seed: string, uptimeSec: number): { cpuNanoCores: number; cpuCoreNanoSeconds: number; memBytes: number } {
  let h = 0;
  for (const ch of seed) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const cpuNanoCores = 1_000_000 + (h % 20) * 500_000; // 1m..11m
  return { cpuNanoCores, cpuCoreNanoSeconds: Math.round(cpuNanoCores * Math.max(0, uptimeSec)), memBytes: (8 + (h % 24)) * 1024 * 1024 };
}

export class KubeletServer {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly node: KubeletNode,
    tls: { cert: string; key: string },
  ) {
    this.server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      try {
        this.traced(req, res);
      } catch (e) {
        send(res, 500, `Internal Error: ${(e as Error).message}`);
      }
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
  }

  listen(port: number, host: string): Promise<number> {
    return listenOn(this.server, port, host);
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private route(url: URL): { kind: string; ns?: string; pod?: string; uid?: string; container?: string } | undefined {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [head] = parts;
    if (head === 'exec' || head === 'attach' || head === 'run') {
      if (parts.length === 4) return { kind: head, ns: parts[1], pod: parts[2], container: parts[3] };
      if (parts.length === 5) return { kind: head, ns: parts[1], pod: parts[2], uid: parts[3], container: parts[4] };
      return undefined;
    }
    if (head === 'portForward') {
      if (parts.length === 3) return { kind: head, ns: parts[1], pod: parts[2] };
      if (parts.length === 4) return { kind: head, ns: parts[1], pod: parts[2], uid: parts[3] };
      return undefined;
    }
    if (head === 'containerLogs' && parts.length === 4) return { kind: head, ns: parts[1], pod: parts[2], container: parts[3] };
    return undefined;
  }

  private lookup(r: { ns?: string; pod?: string; uid?: string; container?: string }): { pod?: SimPod; container?: SimContainer; error?: [number, string] } {
    const pod = this.node.findPod(r.ns!, r.pod!, r.uid);
    if (!pod) return { error: [404, `pod does not exist`] };
    if (r.container === undefined) return { pod };
    const container = pod.container(r.container);
    if (!container) return { error: [404, `container not found (${JSON.stringify(r.container)})`] };
    return { pod, container };
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const reject = (status: number, msg: string) => {
      socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(msg)}\r\nConnection: close\r\n\r\n${msg}`);
    };
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return reject(400, 'SPDY is not supported by kubernest kubelet-sim: use a WebSocket (v5.channel.k8s.io / v4.channel.k8s.io)');
    }
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const r = this.route(url);
    if (!r || r.kind === 'containerLogs' || r.kind === 'run') return reject(404, '404 page not found');
    const found = this.lookup(r);
    if (found.error) return reject(found.error[0], found.error[1]);
    const pod = found.pod!;
    if (r.kind === 'portForward') {
      const ports = parsePorts(url.searchParams);
      if (typeof ports === 'string') return reject(400, ports);
      const protocol = negotiateProtocol(req, PORTFORWARD_PROTOCOLS);
      if (protocol === undefined) return reject(400, `requested protocol(s) are not supported; supports ${PORTFORWARD_PROTOCOLS.join(', ')}`);
      return this.wss.handleUpgrade(req, socket, head, (ws) => servePortForward(ws, protocol, pod, ports));
    }
    const opts = parseStreamOptions(url.searchParams);
    if (typeof opts === 'string') return reject(400, opts);
    if (r.kind === 'exec' && opts.command.length === 0) return reject(400, 'you must specify at least one command for the container');
    const protocol = negotiateProtocol(req, REMOTECOMMAND_PROTOCOLS);
    if (protocol === undefined) return reject(400, `requested protocol(s) are not supported; supports ${REMOTECOMMAND_PROTOCOLS.filter(Boolean).join(', ')}`);
    const container = found.container!;
    this.wss.handleUpgrade(req, socket, head, (ws) => (r.kind === 'exec' ? serveExec(ws, protocol, pod, container, opts) : serveAttach(ws, protocol, pod, container, opts)));
  }

  /** With tracing on, a `kubelet <path>` server span continuing the API server's traceparent. */
  private traced(req: IncomingMessage, res: ServerResponse): void {
    if (!tracingEnabled()) return this.handle(req, res);
    const path = (req.url ?? '/').split('?')[0];
    const name = `kubelet ${path.split('/').slice(0, 2).join('/') || '/'}`;
    const s = startSpan(name, { 'http.method': req.method, 'http.target': path, 'k8s.node': this.node.name }, SpanKind.SERVER, extractContext(req.headers as Record<string, unknown>));
    if (!s) return this.handle(req, res);
    res.once('close', () => {
      s.span.setAttribute('http.status_code', res.statusCode);
      s.span.end();
    });
    runInContext(s.ctx, () => this.handle(req, res));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/healthz' || path.startsWith('/healthz/')) return send(res, 200, 'ok');
    if (path === '/pods' || path === '/pods/') return send(res, 200, podList(this.node.pods().map((p) => ({ ...p.pod, status: { ...(p.pod.status ?? {}), ...p.status() } }))));
    if (path === '/runningpods' || path === '/runningpods/') return send(res, 200, podList(this.node.pods().map((p) => this.runningPod(p))));
    if (path === '/stats/summary' || path === '/stats/summary/') return send(res, 200, this.summary());
    if (path === '/metrics') return send(res, 200, this.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/metrics/resource') return send(res, 200, this.resourceMetrics(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/metrics/cadvisor') return send(res, 200, this.cadvisorMetrics(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/metrics/probes') return send(res, 200, '', 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/configz') return send(res, 200, { kubeletconfig: this.node.configz });
    if (path === '/spec' || path === '/spec/') return send(res, 200, this.node.machineInfo());
    const r = this.route(url);
    if (!r) return send(res, 404, '404 page not found');
    const found = this.lookup(r);
    if (found.error) return send(res, found.error[0], found.error[1]);
    if (r.kind === 'containerLogs') return this.containerLogs(req, res, url, found.container!);
    if (r.kind === 'run') {
      if (method !== 'POST') return send(res, 405, 'Method Not Allowed');
      const cmd = url.searchParams.get('cmd') ?? '';
      return this.run(res, found.pod!, found.container!, cmd);
    }
    return send(res, 400, 'Upgrade request required');
  }

  private runningPod(p: SimPod): KObject {
    return {
      metadata: { name: p.name, namespace: p.namespace, uid: p.uid, creationTimestamp: null },
      spec: { containers: [...p.containers.values()].map((c) => ({ name: c.name, image: c.containerID.slice(0, 13 + 64), resources: {} })) },
      status: {},
    };
  }

  /** GET /containerLogs/{ns}/{pod}/{container}: follow, tailLines, timestamps, previous, limitBytes, sinceSeconds, sinceTime */
  private containerLogs(req: IncomingMessage, res: ServerResponse, url: URL, c: SimContainer): void {
    const q = url.searchParams;
    const bool = (n: string) => ['1', 'true', 'True'].includes(q.get(n) ?? '');
    const int = (n: string): number | undefined | 'bad' => {
      const v = q.get(n);
      if (v === null || v === '') return undefined;
      return /^-?\d+$/.test(v) ? Number(v) : 'bad';
    };
    const tail = int('tailLines');
    const limit = int('limitBytes');
    const sinceSeconds = int('sinceSeconds');
    if (tail === 'bad' || limit === 'bad' || sinceSeconds === 'bad') return send(res, 400, 'invalid query parameter');
    if (typeof limit === 'number' && limit < 1) return send(res, 422, 'limitBytes: Invalid value: must be greater than 0');
    if (typeof sinceSeconds === 'number' && sinceSeconds < 1) return send(res, 422, 'sinceSeconds: Invalid value: must be greater than 0');
    if (bool('previous')) return send(res, 400, `previous terminated container "${c.name}" in pod "${c.pod.name}" not found`);
    const sinceTimeRaw = q.get('sinceTime');
    let since: number | undefined = sinceSeconds !== undefined ? Date.now() - sinceSeconds * 1000 : undefined;
    if (sinceTimeRaw) {
      const t = Date.parse(sinceTimeRaw);
      if (Number.isNaN(t)) return send(res, 400, `invalid sinceTime ${JSON.stringify(sinceTimeRaw)}`);
      since = Math.max(since ?? t, t);
    }
    const timestamps = bool('timestamps');
    const follow = bool('follow');
    let budget = typeof limit === 'number' ? limit : Infinity;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    const format = (l: LogLine) => (timestamps ? `${formatNano(l.time)} ${l.text}\n` : `${l.text}\n`);
    /** writes a line within limitBytes; false when the limit is used up */
    const emit = (l: LogLine): boolean => {
      if (budget <= 0) return false;
      let buf = Buffer.from(format(l));
      if (buf.length > budget) buf = buf.subarray(0, budget);
      budget -= buf.length;
      res.write(buf);
      return budget > 0;
    };
    let lines = c.logs.filter((l) => since === undefined || l.time.getTime() >= since);
    if (typeof tail === 'number' && tail >= 0) lines = tail === 0 ? [] : lines.slice(-tail);
    for (const l of lines) if (!emit(l)) return void res.end();
    if (!follow || c.stopped) return void res.end();
    const release = c.follow();
    const onLine = (l: LogLine) => {
      if (!emit(l)) stop();
    };
    const stop = () => {
      c.off('line', onLine);
      c.off('stopped', stop);
      release();
      if (!res.writableEnded) res.end();
    };
    c.on('line', onLine);
    c.once('stopped', stop);
    req.on('close', stop);
    res.on('close', stop);
  }

  /** POST /run/{ns}/{pod}/{container}?cmd=...: runs the command (split on spaces) and returns its output */
  private run(res: ServerResponse, pod: SimPod, c: SimContainer, cmd: string): void {
    const [bin, ...args] = cmd.split(' ').filter(Boolean);
    if (!bin) return send(res, 400, 'missing cmd');
    const child = spawn(bin, args, { cwd: pod.sandboxDir, env: pod.execEnv(c.name, false), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => out.push(d));
    child.on('error', (e) => send(res, 500, `failed to run ${bin}: ${e.message}`));
    child.on('close', () => {
      if (!res.headersSent) send(res, 200, Buffer.concat(out).toString('utf8'));
    });
  }

  private summary(): KObject {
    // whole seconds, as `time` is serialized: cumulative counters then match their timestamps exactly
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const up = (now.getTime() - this.node.startTime.getTime()) / 1000;
    const cap = this.node.capacity;
    const pods = this.node.pods();
    const fs = (used: number) => ({ time: sec(now), availableBytes: 90 * 2 ** 30, capacityBytes: 100 * 2 ** 30, usedBytes: used, inodesFree: 6_000_000, inodes: 6_553_600, inodesUsed: 553_600 });
    const podStats = pods.map((p) => {
      const containers = [...p.containers.values()].map((c) => {
        const u = usage(c.containerID, (now.getTime() - c.startedAt.getTime()) / 1000);
        return {
          name: c.name,
          startTime: sec(c.startedAt),
          cpu: { time: sec(now), usageNanoCores: u.cpuNanoCores, usageCoreNanoSeconds: u.cpuCoreNanoSeconds },
          memory: { time: sec(now), usageBytes: u.memBytes + 2 ** 20, workingSetBytes: u.memBytes, rssBytes: u.memBytes, pageFaults: 1200, majorPageFaults: 0 },
          rootfs: { ...fs(4096), usedBytes: 4096 },
          logs: { ...fs(c.logs.reduce((n, l) => n + l.text.length + 40, 0)) },
        };
      });
      const sum = (f: (c: (typeof containers)[number]) => number) => containers.reduce((n, c) => n + f(c), 0);
      return {
        podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
        startTime: sec(p.startTime),
        containers,
        cpu: { time: sec(now), usageNanoCores: sum((c) => c.cpu.usageNanoCores), usageCoreNanoSeconds: sum((c) => c.cpu.usageCoreNanoSeconds) },
        memory: { time: sec(now), usageBytes: sum((c) => c.memory.usageBytes), workingSetBytes: sum((c) => c.memory.workingSetBytes), rssBytes: sum((c) => c.memory.rssBytes), pageFaults: 0, majorPageFaults: 0 },
        network: { time: sec(now), name: 'eth0', rxBytes: 1024, rxErrors: 0, txBytes: 1024, txErrors: 0, interfaces: [{ name: 'eth0', rxBytes: 1024, rxErrors: 0, txBytes: 1024, txErrors: 0 }] },
        volume: [],
        'ephemeral-storage': fs(8192),
        process_stats: { process_count: containers.length },
      };
    });
    const podCpu = podStats.reduce((n, p) => n + p.cpu.usageNanoCores, 0);
    const podMem = podStats.reduce((n, p) => n + p.memory.workingSetBytes, 0);
    const base = usage(this.node.name, up);
    const nodeCpu = base.cpuNanoCores * 10 + podCpu;
    const nodeMem = base.memBytes * 16 + podMem;
    return {
      node: {
        nodeName: this.node.name,
        systemContainers: ['kubelet', 'runtime', 'pods'].map((name) => ({
          name,
          startTime: sec(this.node.startTime),
          cpu: { time: sec(now), usageNanoCores: base.cpuNanoCores, usageCoreNanoSeconds: base.cpuCoreNanoSeconds },
          memory: { time: sec(now), usageBytes: base.memBytes, workingSetBytes: base.memBytes, rssBytes: base.memBytes, pageFaults: 0, majorPageFaults: 0 },
        })),
        startTime: sec(this.node.startTime),
        cpu: { time: sec(now), usageNanoCores: nodeCpu, usageCoreNanoSeconds: Math.round(nodeCpu * up) },
        memory: {
          time: sec(now),
          availableBytes: cap.memoryBytes - nodeMem,
          usageBytes: nodeMem + 2 ** 28,
          workingSetBytes: nodeMem,
          rssBytes: nodeMem,
          pageFaults: 10_000,
          majorPageFaults: 10,
        },
        network: { time: sec(now), name: 'eth0', rxBytes: 1 << 20, rxErrors: 0, txBytes: 1 << 20, txErrors: 0, interfaces: [{ name: 'eth0', rxBytes: 1 << 20, rxErrors: 0, txBytes: 1 << 20, txErrors: 0 }] },
        fs: fs(10 * 2 ** 30),
        runtime: { imageFs: fs(2 * 2 ** 30), containerFs: fs(2 * 2 ** 30) },
        rlimit: { time: sec(now), maxpid: 4_194_304, curproc: 200 + pods.length },
      },
      pods: podStats,
    };
  }

  private metrics(): string {
    const pods = this.node.pods();
    const containers = pods.reduce((n, p) => n + p.containers.size, 0);
    return [
      '# HELP kubernetes_build_info [ALPHA] A metric with a constant \'1\' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.',
      '# TYPE kubernetes_build_info gauge',
      `kubernetes_build_info{build_date="",compiler="gc",git_commit="",git_tree_state="clean",git_version="${BUILD.gitVersion}",go_version="",major="${BUILD.major}",minor="${BUILD.minor}",platform="linux/amd64"} 1`,
      '# HELP kubelet_node_name [ALPHA] The node\'s name. The count is always 1.',
      '# TYPE kubelet_node_name gauge',
      `kubelet_node_name{node="${this.node.name}"} 1`,
      '# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox',
      '# TYPE kubelet_running_pods gauge',
      `kubelet_running_pods ${pods.length}`,
      '# HELP kubelet_running_containers [ALPHA] Number of containers currently running',
      '# TYPE kubelet_running_containers gauge',
      `kubelet_running_containers{container_state="running"} ${containers}`,
      '# HELP kubelet_started_pods_total [ALPHA] Cumulative number of pods started',
      '# TYPE kubelet_started_pods_total counter',
      `kubelet_started_pods_total ${pods.length}`,
      '# HELP process_start_time_seconds [STABLE] Start time of the process since unix epoch in seconds.',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${(this.node.startTime.getTime() / 1000).toFixed(2)}`,
      '',
    ].join('\n');
  }

  private resourceMetrics(): string {
    const s = this.summary();
    const ts = Date.now();
    const lines = [
      '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
      '# TYPE node_cpu_usage_seconds_total counter',
      `node_cpu_usage_seconds_total ${s.node.cpu.usageCoreNanoSeconds / 1e9} ${ts}`,
      '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
      '# TYPE node_memory_working_set_bytes gauge',
      `node_memory_working_set_bytes ${s.node.memory.workingSetBytes} ${ts}`,
      '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
      '# TYPE container_cpu_usage_seconds_total counter',
    ];
    for (const p of s.pods as KObject[])
      for (const c of p.containers as KObject[])
        lines.push(`container_cpu_usage_seconds_total{container="${c.name}",namespace="${p.podRef.namespace}",pod="${p.podRef.name}"} ${c.cpu.usageCoreNanoSeconds / 1e9} ${ts}`);
    lines.push('# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes', '# TYPE container_memory_working_set_bytes gauge');
    for (const p of s.pods as KObject[])
      for (const c of p.containers as KObject[])
        lines.push(`container_memory_working_set_bytes{container="${c.name}",namespace="${p.podRef.namespace}",pod="${p.podRef.name}"} ${c.memory.workingSetBytes} ${ts}`);
    lines.push('# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds', '# TYPE pod_cpu_usage_seconds_total counter');
    for (const p of s.pods as KObject[]) lines.push(`pod_cpu_usage_seconds_total{namespace="${p.podRef.namespace}",pod="${p.podRef.name}"} ${p.cpu.usageCoreNanoSeconds / 1e9} ${ts}`);
    lines.push('# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes', '# TYPE pod_memory_working_set_bytes gauge');
    for (const p of s.pods as KObject[]) lines.push(`pod_memory_working_set_bytes{namespace="${p.podRef.namespace}",pod="${p.podRef.name}"} ${p.memory.workingSetBytes} ${ts}`);
    lines.push('# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise', '# TYPE scrape_error gauge', 'scrape_error 0', '');
    return lines.join('\n');
  }

  private cadvisorMetrics(): string {
    const lines = ['# HELP container_last_seen Last time a container was seen by the exporter', '# TYPE container_last_seen gauge'];
    const ts = Math.floor(Date.now() / 1000);
    for (const p of this.node.pods())
      for (const c of p.containers.values())
        lines.push(`container_last_seen{container="${c.name}",id="/kubepods/pod${p.uid}/${c.containerID.slice(13)}",image="${c.image}",name="${c.containerID.slice(13)}",namespace="${p.namespace}",pod="${p.name}"} ${ts} ${ts * 1000}`);
    return lines.join('\n') + '\n';
  }
}

/** RFC3339Nano as the kubelet writes log timestamps (nanoseconds padded from the millisecond clock) */
export function formatNano(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
