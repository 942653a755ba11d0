/**
 * The "connect" subresources that reach into the cluster, as upstream registers them:
 *
 *   pods/log            GET  → kubelet /containerLogs/{ns}/{pod}/{container} (streamed)
 *   pods/exec, attach   WebSocket upgrade → kubelet /exec, /attach (same subprotocol; raw frames)
 *   pods/portforward    WebSocket upgrade → kubelet /portForward
 *   nodes/proxy         any method → the kubelet's HTTPS port (`nodes/[https:]name[:port]/proxy/…`)
 *   pods/proxy          any method → podIP:port (`pods/[scheme:]name[:port]/proxy/…`)
 *   services/proxy      any method → one ready endpoint (`services/[scheme:]name[:port]/proxy/…`)
 *   /api/v1/proxy/…     the legacy proxy verb, same targets
 *
 * Every connection goes through the `cluster` egress dialer (konnectivity or direct). Kubelet TLS is
 * verified only with --kubelet-certificate-authority. Upgrades are proxied as raw bytes after the
 * kubelet's 101 (as upstream's UpgradeAwareHandler), so every channel protocol passes through.
 * SPDY/3.1 (plain `Upgrade: SPDY/3.1` from kubectl ≤ 1.29 and kubectl's fallback, and the
 * `SPDY/3.1+portforward.k8s.io` WebSocket tunnel of kubectl ≥ 1.30 port-forward) is terminated here
 * (libs/spdy) and bridged to the kubelet's WebSocket protocols (spdy-bridge.ts).
 *
 * Pods whose IP the egress cannot reach (kubelet-sim: pod IPs are not routed) are reached through
 * their kubelet's port-forward WebSocket instead (a Kubernest fallback; upstream has none).
 */
import { injectContext } from '../../../../libs/tracing/src';
import { IncomingMessage, request as httpRequest, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import WebSocket, { createWebSocketStream, WebSocketServer } from 'ws';
import { SpdySession } from '../../../../libs/spdy/src/session';
import { errors, StatusError } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { ResourceRegistry } from '../../../../libs/registry/src/registry';
import type { ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { Dialer } from '../egress/egress-selector';
import type { RequestContext } from '../http/context';
import type { StoreProvider } from './resource-handler';
import { EXEC_SPDY_PROTOCOLS, negotiateProtocol, PORT_FORWARD_PROTOCOL, PORT_FORWARD_WS_TUNNEL, serveExec, servePortForward, truthy } from './spdy-bridge';
import { proxySubpath } from './proxy-path';

/** Set on an IncomingMessage that arrived through the server's 'upgrade' event. */
export const UPGRADE = Symbol('kubernest.upgrade');
export interface UpgradeState {
  socket: Duplex;
  head: Buffer;
  /** set once the handler owns the socket (101 sent) */
  taken: boolean;
}

export function upgradeOf(req: IncomingMessage): UpgradeState | undefined {
  return (req as unknown as { [UPGRADE]?: UpgradeState })[UPGRADE];
}

/**
 * The server's 'upgrade' listener: a ServerResponse on the raw socket so that the filter chain and
 * error paths work as for any request, and the upgrade state for the handler.
 */
export function serveUpgrade(entry: (req: IncomingMessage, res: ServerResponse) => void, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const state: UpgradeState = { socket, head, taken: false };
  (req as unknown as { [UPGRADE]?: UpgradeState })[UPGRADE] = state;
  socket.on('error', () => socket.destroy());
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    if (!state.taken) socket.end();
  });
  entry(req, res);
}

export interface ConnectDeps {
  registry: ResourceRegistry;
  stores: StoreProvider;
  dialer: Dialer;
  /** PEM of --kubelet-certificate-authority (absent: no verification) */
  kubeletCA?: Buffer;
}

const POD_SUBS = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

export class ConnectHandler {
  constructor(private readonly d: ConnectDeps) {}

  /** Whether this request is one of ours (resource requests only). */
  handles(ctx: RequestContext): boolean {
    const i = ctx.info;
    if (i.apiGroup !== '' || i.apiVersion !== 'v1' || !i.name) return false;
    if (i.verb === 'proxy') return i.resource === 'pods' || i.resource === 'nodes' || i.resource === 'services';
    if (i.resource === 'pods') return POD_SUBS.has(i.subresource);
    if (i.resource === 'nodes' || i.resource === 'services') return i.subresource === 'proxy';
    return false;
  }

  async serve(ctx: RequestContext): Promise<void> {
    const i = ctx.info;
    if (i.resource === 'pods' && !i.namespace) throw errors.notFoundPath();
    if (i.resource === 'services' && !i.namespace) throw errors.notFoundPath();
    const sub = i.verb === 'proxy' ? 'proxy' : i.subresource;
    if (sub === 'proxy') return this.serveProxy(ctx);
    const pod = await this.get('pods', i.namespace, i.name);
    if (sub === 'log') return this.serveLog(ctx, pod);
    return this.serveStream(ctx, pod, sub);
  }

  // lookups -----------------------------------------------------------------------------------

  private def(resource: string): ResourceDefinition {
    const def = this.d.registry.lookup('', 'v1', resource);
    if (!def) throw errors.notFoundPath();
    return def;
  }

  private get(resource: string, ns: string, name: string): Promise<KObject> {
    const def = this.def(resource);
    return this.d.stores.storeFor(def).get(def.namespaced ? ns : '', name);
  }

  private async kubeletOf(nodeName: string): Promise<{ host: string; port: number }> {
    const node = (await this.get('nodes', '', nodeName)) as KObject & {
      status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
    };
    const addrs = node.status?.addresses ?? [];
    const pick = ['InternalIP', 'ExternalIP', 'Hostname'].map((t) => addrs.find((a) => a.type === t)?.address).find((a) => !!a);
    if (!pick) throw errors.internal(new Error(`no preferred addresses found; known addresses: ${JSON.stringify(addrs)}`));
    return { host: pick, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250 };
  }

  private async kubeletOfPod(pod: KObject): Promise<{ host: string; port: number }> {
    const nodeName = (pod as { spec?: { nodeName?: string } }).spec?.nodeName;
    if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    return this.kubeletOf(nodeName);
  }

  /** TLS to a kubelet over the egress dialer. */
  private async dialKubelet(k: { host: string; port: number }): Promise<TLSSocket> {
    const raw = await this.dial(k.host, k.port);
    return new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({
        socket: raw,
        host: k.host,
        servername: /^[\d.]+$|:/.test(k.host) ? undefined : k.host,
        rejectUnauthorized: !!this.d.kubeletCA,
        ca: this.d.kubeletCA,
        ALPNProtocols: ['http/1.1'],
      });
      s.once('secureConnect', () => resolve(s));
      s.once('error', (e) => {
        raw.destroy();
        reject(errors.internal(new Error(`error dialing backend: ${e.message}`)));
      });
    });
  }

  private async dial(host: string, port: number, timeoutMs?: number): Promise<Duplex> {
    try {
      return await this.d.dialer.dial(host, port, timeoutMs);
    } catch (e) {
      throw new StatusError(500, 'InternalError', `error dialing backend: ${(e as Error).message}`, {});
    }
  }

  // pods/log ----------------------------------------------------------------------------------

  private async serveLog(ctx: RequestContext, pod: KObject): Promise<void> {
    if (ctx.method !== 'GET') throw errors.methodNotAllowed();
    const container = containerFor(pod, ctx.query.get('container') ?? '', true);
    const q = new URLSearchParams();
    for (const k of ['follow', 'previous', 'timestamps', 'tailLines', 'limitBytes', 'sinceSeconds', 'sinceTime']) {
      const v = ctx.query.get(k);
      if (v !== null && v !== '') q.set(k, v);
    }
    for (const k of ['tailLines', 'limitBytes', 'sinceSeconds']) {
      const v = q.get(k);
      if (v !== null && !/^-?\d+$/.test(v)) throw errors.badRequest(`${k}: Invalid value: ${JSON.stringify(v)}: must be an integer`);
    }
    if (q.has('limitBytes') && Number(q.get('limitBytes')) < 1) throw errors.badRequest('limitBytes: Invalid value: must be greater than 0');
    if (q.has('sinceSeconds') && Number(q.get('sinceSeconds')) < 1) throw errors.badRequest('sinceSeconds: Invalid value: must be greater than 0');
    if (q.has('tailLines') && Number(q.get('tailLines')) < 0) throw errors.badRequest('tailLines: Invalid value: must be greater than or equal to 0');
    const ns = pod.metadata.namespace ?? '';
    const path = `/containerLogs/${enc(ns)}/${enc(pod.metadata.name ?? '')}/${enc(container)}${q.size ? `?${q}` : ''}`;
    const k = await this.kubeletOfPod(pod);
    const sock = await this.dialKubelet(k);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = httpsRequest({ method: 'GET', path, host: k.host, port: k.port, headers: { Host: hostPort(k.host, k.port), ...injectContext() }, createConnection: () => sock });
      r.on('response', resolve);
      r.on('error', (e) => reject(errors.internal(new Error(`error reading from kubelet: ${e.message}`))));
      ctx.signal.addEventListener('abort', () => r.destroy(), { once: true });
      r.end();
    });
    await checkResponse(res);
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    ctx.res.flushHeaders();
    await pipeResponse(res, ctx);
  }

  // exec / attach / portforward ---------------------------------------------------------------

  private async serveStream(ctx: RequestContext, pod: KObject, sub: string): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') throw errors.methodNotAllowed();
    const up = upgradeOf(ctx.req);
    const upgrade = String(ctx.req.headers.upgrade ?? '');
    if (!up || !upgrade) throw errors.badRequest('Upgrade request required');
    const spdy = /^spdy\/3\.1$/i.test(upgrade);
    if (/^spdy\//i.test(upgrade) && !spdy) throw errors.badRequest(`unsupported upgrade protocol ${JSON.stringify(upgrade)}`);
    if (!spdy && !/^websocket$/i.test(upgrade)) throw errors.badRequest(`unsupported upgrade protocol ${JSON.stringify(upgrade)}`);
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    let path: string;
    if (sub === 'portforward') {
      const protos = String(ctx.req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      if (spdy) return this.servePortForwardSpdy(ctx, up, pod);
      // kubectl ≥ 1.30: SPDY/3.1 framed inside WebSocket binary messages (preferred when offered, as upstream)
      if (protos.includes(PORT_FORWARD_WS_TUNNEL)) return this.servePortForwardSpdy(ctx, up, pod, true);
      // upstream's PortForwardOptions.ports → the kubelet's `port`
      const q = new URLSearchParams();
      for (const v of [...ctx.query.getAll('ports'), ...ctx.query.getAll('port')]) for (const p of v.split(',')) if (p.trim()) q.append('port', p.trim());
      path = `/portForward/${enc(ns)}/${enc(name)}${q.size ? `?${q}` : ''}`;
    } else {
      const container = containerFor(pod, ctx.query.get('container') ?? '', false);
      const q = new URLSearchParams(ctx.query);
      q.delete('container');
      path = `/${sub}/${enc(ns)}/${enc(name)}/${enc(container)}${q.size ? `?${q}` : ''}`;
      if (spdy) return this.serveExecSpdy(ctx, up, pod, path, sub);
    }
    const k = await this.kubeletOfPod(pod);
    const sock = await this.dialKubelet(k);
    await this.proxyUpgrade(ctx, up, sock, true, 'GET', path, hostPort(k.host, k.port));
  }

  /** Take the client socket over after the 101 (plain SPDY upgrade). */
  private switchToSpdy(ctx: RequestContext, up: UpgradeState, protocol: string): SpdySession {
    const client = up.socket;
    up.taken = true;
    ctx.res.detachSocket(client as Socket);
    client.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    if (up.head.length) client.unshift(up.head);
    return new SpdySession(client);
  }

  /** kubectl port-forward: SPDY/3.1 (plain upgrade, or inside the SPDY/3.1+portforward.k8s.io WebSocket). */
  private async servePortForwardSpdy(ctx: RequestContext, up: UpgradeState, pod: KObject, overWebSocket = false): Promise<void> {
    await this.kubeletOfPod(pod); // a pod without a node fails before the upgrade
    let session: SpdySession;
    if (overWebSocket) {
      const client = up.socket;
      up.taken = true;
      ctx.res.detachSocket(client as Socket);
      // `ws` accepts only RFC 7230 tokens as subprotocols and "SPDY/3.1+portforward.k8s.io" has a '/':
      // negotiate it here and add it to the 101 ourselves
      delete ctx.req.headers['sec-websocket-protocol'];
      const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
      wss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_WS_TUNNEL}`));
      const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(ctx.req, client, up.head, resolve));
      // 128 KiB DATA frames (default 32 KiB): one WebSocket message per frame, so fewer messages for
      // bulk transfers; moby/spdystream reads DATA frames of any length up to the 24-bit limit
      session = new SpdySession(createWebSocketStream(ws), { maxDataFrame: 128 * 1024 });
    } else {
      const protocols = streamProtocols(ctx.req);
      const chosen = negotiateProtocol(protocols, [PORT_FORWARD_PROTOCOL]);
      if (!chosen) throw new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(protocols)}, server supports ["${PORT_FORWARD_PROTOCOL}"]`, {});
      session = this.switchToSpdy(ctx, up, chosen);
    }
    const desc = `${pod.metadata.name}_${pod.metadata.namespace}, uid ${pod.metadata.uid ?? ''}`;
    await servePortForward(session, desc, (port) => this.portForwardStream(pod, port));
  }

  /** kubectl ≤ 1.29 exec/attach over SPDY/3.1, bridged to the kubelet's exec WebSocket. */
  private async serveExecSpdy(ctx: RequestContext, up: UpgradeState, pod: KObject, path: string, sub: string): Promise<void> {
    const protocols = streamProtocols(ctx.req);
    const chosen = negotiateProtocol(protocols, EXEC_SPDY_PROTOCOLS);
    if (!chosen) throw new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(protocols)}, server supports ${JSON.stringify(EXEC_SPDY_PROTOCOLS)}`, {});
    const q = ctx.query;
    const want = { stdin: truthy(q.get('stdin')), stdout: truthy(q.get('stdout')), stderr: truthy(q.get('stderr')), tty: truthy(q.get('tty')) };
    if (sub === 'exec' && !q.getAll('command').length) throw errors.badRequest('you must specify at least 1 command');
    if (!want.stdin && !want.stdout && !want.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
    const k = await this.kubeletOfPod(pod);
    const sock = await this.dialKubelet(k);
    // the kubelet's errors (unknown container, …) come back as a Status before the client's upgrade
    const ws = new WebSocket(`wss://${hostPort(k.host, k.port)}${path}`, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { createConnection: () => sock, rejectUnauthorized: false, handshakeTimeout: 10_000, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (e) => reject(errors.internal(new Error(`error dialing backend: ${e.message}`))));
      ws.once('unexpected-response', (_r, res: IncomingMessage) => {
        checkResponse(res).then(() => reject(errors.internal(new Error(`kubelet answered ${res.statusCode}`))), reject);
      });
    });
    const session = this.switchToSpdy(ctx, up, chosen);
    await serveExec(session, chosen, want, ws);
  }

  /** Send the client's upgrade request to the backend; on 101 splice the sockets, else relay the answer. */
  private proxyUpgrade(ctx: RequestContext, up: UpgradeState, backend: Duplex, tls: boolean, method: string, path: string, host: string, extra: Record<string, string> = {}): Promise<void> {
    const headers: Record<string, string | string[]> = { ...forwardHeaders(ctx.req), ...extra, Host: host };
    headers['Connection'] = 'Upgrade';
    headers['Upgrade'] = String(ctx.req.headers.upgrade ?? '');
    return new Promise<void>((resolve, reject) => {
      const req = (tls ? httpsRequest : httpRequest)({ method, path, headers, createConnection: () => backend as Socket });
      req.on('upgrade', (res: IncomingMessage, bsock: Duplex, bhead: Buffer) => {
        const client = up.socket;
        up.taken = true;
        ctx.res.detachSocket(client as Socket);
        let head = `HTTP/1.1 101 Switching Protocols\r\n`;
        for (let i = 0; i < res.rawHeaders.length; i += 2) head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
        client.write(head + '\r\n');
        if (bhead.length) client.write(bhead);
        if (up.head.length) bsock.write(up.head);
        const done = () => {
          client.destroy();
          bsock.destroy();
          resolve();
        };
        client.on('error', done);
        bsock.on('error', done);
        client.on('close', done);
        bsock.on('close', done);
        client.pipe(bsock);
        bsock.pipe(client);
      });
      req.on('response', (res: IncomingMessage) => {
        relayResponse(res, ctx).then(resolve, reject);
      });
      req.on('error', (e) => reject(errors.internal(new Error(`error proxying to the backend: ${e.message}`))));
      req.end();
    });
  }

  // proxy -------------------------------------------------------------------------------------

  private async serveProxy(ctx: RequestContext): Promise<void> {
    const i = ctx.info;
    // the path after .../{name}/proxy (subresource form) or .../{name} (legacy verb form)
    const after = i.verb === 'proxy' ? i.parts.slice(2) : i.parts.slice(3);
    const rawPath = proxySubpath(after, ctx.path.endsWith('/')); // no `..`/`%2e%2e` escape above the backend root
    const { scheme, name, port } = splitSchemeNamePort(i.name);
    let target: { scheme: string; host: string; port: number; dial: () => Promise<Duplex> };
    if (i.resource === 'nodes') {
      const k = await this.kubeletOf(name);
      const p = port ? Number(port) : k.port;
      const sch = scheme || 'https';
      target = { scheme: sch, host: k.host, port: p, dial: () => this.dial(k.host, p) };
    } else if (i.resource === 'pods') {
      const pod = await this.get('pods', i.namespace, name);
      const ip = (pod as { status?: { podIP?: string } }).status?.podIP;
      if (!ip) throw errors.badRequest(`address not allowed`);
      const p = port ? portOfPod(pod, port) : 80;
      target = { scheme: scheme || 'http', host: ip, port: p, dial: () => this.dialPod(pod, ip, p) };
    } else {
      const svc = await this.get('services', i.namespace, name);
      const ep = await this.endpointFor(svc, i.namespace, port);
      target = { scheme: scheme || 'http', host: ep.ip, port: ep.port, dial: () => (ep.pod ? this.dialPod(ep.pod, ep.ip, ep.port) : this.dial(ep.ip, ep.port)) };
    }
    if (target.scheme !== 'http' && target.scheme !== 'https') throw errors.badRequest(`unsupported scheme ${JSON.stringify(target.scheme)}`);
    const qs = ctx.query.size ? `?${ctx.query}` : '';
    let sock: Duplex = await target.dial();
    if (target.scheme === 'https') {
      const raw = sock;
      sock = await new Promise<Duplex>((resolve, reject) => {
        const s = tlsConnect({ socket: raw, rejectUnauthorized: i.resource === 'nodes' && !!this.d.kubeletCA, ca: i.resource === 'nodes' ? this.d.kubeletCA : undefined, host: target.host, ALPNProtocols: ['http/1.1'] });
        s.once('secureConnect', () => resolve(s));
        s.once('error', (e) => reject(errors.internal(new Error(`error dialing backend: ${e.message}`))));
      });
    }
    const host = hostPort(target.host, target.port);
    const up = upgradeOf(ctx.req);
    if (up && ctx.req.headers.upgrade) return this.proxyUpgrade(ctx, up, sock, target.scheme === 'https', ctx.method, rawPath + qs, host);
    const headers: Record<string, string | string[]> = { ...forwardHeaders(ctx.req), Host: host };
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = (target.scheme === 'https' ? httpsRequest : httpRequest)({ method: ctx.method, path: rawPath + qs, headers, createConnection: () => sock as Socket });
      r.on('response', resolve);
      r.on('error', (e) => reject(errors.internal(new Error(`error trying to reach service: ${e.message}`))));
      ctx.signal.addEventListener('abort', () => r.destroy(), { once: true });
      ctx.req.pipe(r);
    });
    await relayResponse(res, ctx);
  }

  private async endpointFor(svc: KObject, ns: string, port: string): Promise<{ ip: string; port: number; pod?: KObject }> {
    const spec = (svc as { spec?: { ports?: { name?: string; port: number; targetPort?: number | string }[] } }).spec ?? {};
    const ports = spec.ports ?? [];
    const svcPort = port ? ports.find((p) => p.name === port || String(p.port) === port) : ports[0];
    if (!svcPort) throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service "${svc.metadata.name}"`, {});
    let eps: KObject | undefined;
    try {
      eps = await this.get('endpoints', ns, svc.metadata.name ?? '');
    } catch {
      eps = undefined;
    }
    type Subset = { addresses?: { ip: string; targetRef?: { kind?: string; name?: string } }[]; ports?: { name?: string; port: number }[] };
    const subsets = ((eps as { subsets?: Subset[] } | undefined)?.subsets ?? []).filter((s) => (s.addresses ?? []).length > 0);
    const candidates: { ip: string; port: number; podName?: string }[] = [];
    for (const s of subsets) {
      const p = (s.ports ?? []).find((x) => (svcPort.name ? x.name === svcPort.name : true));
      if (!p) continue;
      for (const a of s.addresses ?? []) candidates.push({ ip: a.ip, port: p.port, podName: a.targetRef?.kind === 'Pod' ? a.targetRef.name : undefined });
    }
    if (!candidates.length) throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service "${svc.metadata.name}"`, {});
    const c = candidates[Math.floor(Math.random() * candidates.length)];
    let pod: KObject | undefined;
    if (c.podName) pod = await this.get('pods', ns, c.podName).catch(() => undefined);
    return { ip: c.ip, port: c.port, pod };
  }

  /** podIP:port through the egress; when that is unreachable, the pod's kubelet port-forward. */
  private async dialPod(pod: KObject, ip: string, port: number): Promise<Duplex> {
    try {
      return await this.d.dialer.dial(ip, port, 2000);
    } catch (direct) {
      try {
        return await this.portForwardStream(pod, port);
      } catch (pf) {
        throw errors.internal(new Error(`error trying to reach pod ${pod.metadata.name}: dial ${ip}:${port}: ${(direct as Error).message}; through the kubelet: ${(pf as Error).message}`));
      }
    }
  }

  /** One TCP stream to a pod port over the kubelet's v4.channel.k8s.io port-forward WebSocket. */
  private async portForwardStream(pod: KObject, port: number): Promise<Duplex> {
    const k = await this.kubeletOfPod(pod);
    const sock = await this.dialKubelet(k);
    const url = `wss://${hostPort(k.host, k.port)}/portForward/${enc(pod.metadata.namespace ?? '')}/${enc(pod.metadata.name ?? '')}?port=${port}`;
    // an all-zero masking key: ws then neither masks (a pure-JS byte loop without the optional
    // bufferutil addon) nor copies what we send, and the kubelet-sim's ws skips unmasking. Masking
    // only guards browsers' traffic against confused intermediaries; this is TLS to the kubelet.
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], { createConnection: () => sock, rejectUnauthorized: false, handshakeTimeout: 10_000, perMessageDeflate: false, generateMask: zeroMask });
    let seen0 = false;
    let seen1 = false;
    let errText = '';
    const stream = new Duplex({
      // a few tunnel packets in flight each way rather than one 16 KiB default (throughput)
      readableHighWaterMark: 256 * 1024,
      writableHighWaterMark: 256 * 1024,
      read() {
        if (ws.isPaused) ws.resume();
      },
      write(chunk: Buffer, _enc, cb) {
        ws.send(Buffer.concat([Buffer.from([0]), chunk]), cb);
      },
      // chunks queued while the previous message was being written (its callback waits for the TLS
      // write to the kubelet) leave as one message: without this every 32 KiB SPDY frame from
      // kubectl became a message, a TLS write and a tunnel packet of its own, one at a time
      writev(chunks: { chunk: Buffer }[], cb) {
        ws.send(Buffer.concat([Buffer.from([0]), ...chunks.map((c) => c.chunk)]), cb);
      },
      final(cb) {
        ws.close(1000);
        cb();
      },
      destroy(err, cb) {
        ws.terminate();
        cb(err);
      },
    });
    ws.on('message', (raw: Buffer) => {
      const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
      const ch = data[0];
      let body = data.subarray(1);
      if (ch === 0) {
        if (!seen0) {
          seen0 = true;
          body = body.subarray(2);
        }
        if (body.length && !stream.push(body)) ws.pause();
      } else if (ch === 1) {
        if (!seen1) {
          seen1 = true;
          body = body.subarray(2);
        }
        errText += body.toString('utf8');
      }
    });
    ws.on('close', () => {
      if (errText) stream.destroy(new Error(errText));
      else stream.push(null);
    });
    let opened = false;
    ws.on('error', (e) => {
      if (opened) stream.destroy(e);
    });
    // the connection to the kubelet failed (e.g. the tunnel server or agent carrying it is gone):
    // an error for the stream's user now, not a clean end once the WebSocket notices the close
    sock.on('error', (e: Error) => {
      if (opened && !stream.destroyed) stream.destroy(new Error(`lost the connection to the kubelet: ${e.message}`));
    });
    // listeners first: frames sent with the 101 are emitted before a later 'open' continuation runs
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        opened = true;
        resolve();
      });
      ws.once('error', reject);
      ws.once('unexpected-response', (_r, res) => reject(new Error(`kubelet answered ${res.statusCode}`)));
    });
    return stream;
  }
}

// helpers -----------------------------------------------------------------------------------

/** Every X-Stream-Protocol-Version the client offers, in order. */
function streamProtocols(req: IncomingMessage): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() !== 'x-stream-protocol-version') continue;
    for (const p of req.rawHeaders[i + 1].split(',')) if (p.trim()) out.push(p.trim());
  }
  return out;
}

/** ws `generateMask`: the all-zero key (see portForwardStream) */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `[scheme:]name[:port]` as upstream's SplitSchemeNamePort. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } {
  const parts = id.split(':');
  if (parts.length === 1) return { scheme: '', name: parts[0], port: '' };
  if (parts.length === 2) return { scheme: '', name: parts[0], port: parts[1] };
  if (parts.length === 3) return { scheme: parts[0], name: parts[1], port: parts[2] };
  throw errors.badRequest(`invalid service request ${JSON.stringify(id)}`);
}

function portOfPod(pod: KObject, port: string): number {
  if (/^\d+$/.test(port)) return Number(port);
  const cs = (pod as { spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] } }).spec?.containers ?? [];
  for (const c of cs) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  throw errors.badRequest(`no port named ${JSON.stringify(port)} in pod ${pod.metadata.name}`);
}

/** As upstream's validateContainer / log location container defaulting. */
function containerFor(pod: KObject, container: string, forLogs: boolean): string {
  const spec = (pod as { spec?: { containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] } }).spec ?? {};
  const names = (spec.containers ?? []).map((c) => c.name);
  const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name), ...(spec.ephemeralContainers ?? []).map((c) => c.name)];
  const name = pod.metadata.name ?? '';
  if (!container) {
    if (names.length === 1) return names[0];
    const init = (spec.initContainers ?? []).map((c) => c.name);
    let msg = `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    throw errors.badRequest(msg);
  }
  if (!all.includes(container)) {
    throw errors.badRequest(forLogs ? `container ${container} is not valid for pod ${name}` : `container ${container} is not valid for pod ${name}`);
  }
  return container;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'authorization']);

function forwardHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k.startsWith('impersonate-')) continue;
    out[k] = v;
  }
  const remote = req.socket?.remoteAddress;
  if (remote) out['x-forwarded-for'] = remote;
  // this request's span as the backend's parent (tracing on), not the client's
  return { ...out, ...injectContext() };
}

/** Kubelet errors become Status responses (upstream's GenericHttpResponseChecker). */
async function checkResponse(res: IncomingMessage): Promise<void> {
  const code = res.statusCode ?? 500;
  if (code >= 200 && code < 300) return;
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    if (n < 4096) chunks.push(c as Buffer);
    n += (c as Buffer).length;
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, 4096).trim();
  try {
    const st = JSON.parse(text) as { kind?: string; message?: string; reason?: string; code?: number };
    if (st.kind === 'Status' && st.message) throw new StatusError(st.code ?? code, (st.reason ?? reasonFor(code)) as never, st.message, {});
  } catch (e) {
    if (e instanceof StatusError) throw e;
  }
  throw new StatusError(code, reasonFor(code) as never, text || `the server responded with the status code ${code}`, {});
}

function reasonFor(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 503:
      return 'ServiceUnavailable';
    default:
      return code >= 500 ? 'InternalError' : 'BadRequest';
  }
}

function pipeResponse(res: IncomingMessage, ctx: RequestContext): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = () => {
      if (!ctx.res.writableEnded) ctx.res.end();
      resolve();
    };
    res.on('data', (c: Buffer) => {
      if (!ctx.res.write(c)) {
        res.pause();
        ctx.res.once('drain', () => res.resume());
      }
    });
    res.on('end', finish);
    res.on('error', () => {
      ctx.res.destroy();
      resolve();
    });
    res.on('close', finish);
    ctx.res.on('close', () => {
      res.destroy();
      resolve();
    });
  });
}

/** Relay a backend's HTTP response as is (status, end-to-end headers, body). */
function relayResponse(res: IncomingMessage, ctx: RequestContext): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    headers[k] = v;
  }
  ctx.res.writeHead(res.statusCode ?? 502, headers);
  return pipeResponse(res, ctx);
}
