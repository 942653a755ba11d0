/**
 * --egress-selector-config-file: upstream's EgressSelectorConfiguration
 * (apiserver.k8s.io/v1beta1 or v1). Only the `cluster` selection is used here: traffic to kubelets,
 * pods and services (logs, exec, attach, port-forward, the proxy subresources) goes through it.
 * `controlplane` and `etcd` are accepted and validated, and dial directly.
 *
 *   GRPC        → TunnelDialer (one ProxyService/Proxy stream, tcp with mutual TLS or uds)
 *   HTTPConnect → `CONNECT host:port HTTP/1.1` on a fresh connection per dial (tcp+TLS or uds)
 *   Direct      → net.connect
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import { TunnelDialer } from '../../../../libs/konnectivity/src/tunnel-dialer';

export type ProxyProtocol = 'GRPC' | 'HTTPConnect' | 'Direct';

export interface EgressTransport {
  tcp?: { url: string; tlsConfig?: { caBundle?: string; clientKey?: string; clientCert?: string } };
  uds?: { udsName: string };
}

export interface EgressSelection {
  name: string;
  proxyProtocol: ProxyProtocol;
  transport?: EgressTransport;
}

export interface EgressSelectorConfig {
  selections: EgressSelection[];
}

export class EgressConfigError extends Error {}

const NAMES = ['cluster', 'controlplane', 'etcd'];
const PROTOCOLS: ProxyProtocol[] = ['GRPC', 'HTTPConnect', 'Direct'];

/** Parse and validate the file's text (upstream's ValidateEgressSelectorConfiguration, in short). */
export function parseEgressSelectorConfig(text: string, file = 'egress selector configuration'): EgressSelectorConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new EgressConfigError(`failed to read ${file}: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object') throw new EgressConfigError(`${file}: not an EgressSelectorConfiguration object`);
  const o = doc as Record<string, unknown>;
  const av = o.apiVersion;
  if (o.kind !== 'EgressSelectorConfiguration') throw new EgressConfigError(`${file}: kind must be EgressSelectorConfiguration, got ${JSON.stringify(o.kind)}`);
  if (av !== 'apiserver.k8s.io/v1beta1' && av !== 'apiserver.k8s.io/v1' && av !== 'apiserver.k8s.io/v1alpha1') {
    throw new EgressConfigError(`${file}: unsupported apiVersion ${JSON.stringify(av)} (apiserver.k8s.io/v1 or v1beta1)`);
  }
  const raw = o.egressSelections;
  if (!Array.isArray(raw)) throw new EgressConfigError(`${file}: egressSelections: Required value`);
  const seen = new Set<string>();
  const selections: EgressSelection[] = [];
  raw.forEach((s, i) => {
    const at = `egressSelections[${i}]`;
    if (!s || typeof s !== 'object') throw new EgressConfigError(`${file}: ${at}: must be an object`);
    const sel = s as Record<string, unknown>;
    const name = String(sel.name ?? '');
    if (!NAMES.includes(name)) throw new EgressConfigError(`${file}: ${at}.name: Unsupported value: ${JSON.stringify(name)}: supported values: "cluster", "controlplane", "etcd"`);
    if (seen.has(name)) throw new EgressConfigError(`${file}: ${at}.name: Duplicate value: ${JSON.stringify(name)}`);
    seen.add(name);
    const conn = (sel.connection ?? {}) as Record<string, unknown>;
    const proto = conn.proxyProtocol as ProxyProtocol;
    if (!PROTOCOLS.includes(proto)) {
      throw new EgressConfigError(`${file}: ${at}.connection.proxyProtocol: Unsupported value: ${JSON.stringify(conn.proxyProtocol)}: supported values: "Direct", "GRPC", "HTTPConnect"`);
    }
    const t = conn.transport as Record<string, unknown> | undefined;
    if (proto === 'Direct') {
      if (t) throw new EgressConfigError(`${file}: ${at}.connection.transport: Forbidden: transport config should be absent for direct connect`);
      selections.push({ name, proxyProtocol: proto });
      return;
    }
    if (!t || typeof t !== 'object') throw new EgressConfigError(`${file}: ${at}.connection.transport: Required value: transport must be set for ${proto}`);
    const tcp = t.tcp as Record<string, unknown> | undefined;
    const uds = t.uds as Record<string, unknown> | undefined;
    if (tcp && uds) throw new EgressConfigError(`${file}: ${at}.connection.transport: Forbidden: tcp and uds are mutually exclusive`);
    if (!tcp && !uds) throw new EgressConfigError(`${file}: ${at}.connection.transport: Required value: tcp or uds must be set`);
    const transport: EgressTransport = {};
    if (uds) {
      const udsName = String(uds.udsName ?? '');
      if (!udsName) throw new EgressConfigError(`${file}: ${at}.connection.transport.uds.udsName: Required value: udsName must be non empty`);
      transport.uds = { udsName };
    } else if (tcp) {
      const url = String(tcp.url ?? '');
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new EgressConfigError(`${file}: ${at}.connection.transport.tcp.url: Invalid value: ${JSON.stringify(url)}: must be a URL such as https://host:port`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new EgressConfigError(`${file}: ${at}.connection.transport.tcp.url: Invalid value: ${JSON.stringify(url)}: supported schemes are http and https`);
      }
      const tls = (tcp.tlsConfig ?? undefined) as Record<string, unknown> | undefined;
      const tlsConfig = tls ? { caBundle: str(tls.caBundle), clientKey: str(tls.clientKey), clientCert: str(tls.clientCert) } : undefined;
      if (u.protocol === 'https:' && !tlsConfig) {
        throw new EgressConfigError(`${file}: ${at}.connection.transport.tcp.tlsConfig: Required value: tlsConfig must be present when using https`);
      }
      if (u.protocol === 'http:' && tlsConfig && (tlsConfig.caBundle || tlsConfig.clientCert || tlsConfig.clientKey)) {
        throw new EgressConfigError(`${file}: ${at}.connection.transport.tcp.tlsConfig: Forbidden: tlsConfig must not be set when using http`);
      }
      if (tlsConfig) {
        if (!!tlsConfig.clientCert !== !!tlsConfig.clientKey) {
          throw new EgressConfigError(`${file}: ${at}.connection.transport.tcp.tlsConfig: Invalid value: clientCert and clientKey must be given together`);
        }
        for (const [k, f] of Object.entries(tlsConfig)) {
          if (!f) continue;
          try {
            readFileSync(f);
          } catch (e) {
            throw new EgressConfigError(`${file}: ${at}.connection.transport.tcp.tlsConfig.${k}: Invalid value: ${JSON.stringify(f)}: ${(e as Error).message}`);
          }
        }
      }
      transport.tcp = { url, tlsConfig };
    }
    selections.push({ name, proxyProtocol: proto, transport });
  });
  return { selections };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function loadEgressSelectorConfig(file: string): EgressSelectorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EgressConfigError(`failed to read egress selector configuration from ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  return parseEgressSelectorConfig(text, file);
}

/** Opens TCP connections to cluster addresses. */
export interface Dialer {
  /** a short description for errors and logs */
  readonly kind: string;
  dial(host: string, port: number, timeoutMs?: number): Promise<Duplex>;
  close?(): void;
}

export const directDialer: Dialer = {
  kind: 'direct',
  dial: (host, port, timeoutMs = 10_000) =>
    new Promise<Duplex>((resolve, reject) => {
      const s: Socket = netConnect({ host, port });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`dial tcp ${host}:${port}: i/o timeout`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(new Error(`dial tcp ${host}:${port}: ${e.message}`));
      });
    }),
};

function withTimeout<T>(p: Promise<T>, ms: number, what: string, onLate?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const t = setTimeout(() => {
      done = true;
      reject(new Error(`${what}: i/o timeout`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        if (done) onLate?.(v);
        else resolve(v);
      },
      (e) => {
        clearTimeout(t);
        if (!done) reject(e);
      },
    );
  });
}

class GrpcDialer implements Dialer {
  readonly kind = 'konnectivity (GRPC)';
  private readonly tunnel: TunnelDialer;
  constructor(t: EgressTransport) {
    if (t.uds) {
      this.tunnel = new TunnelDialer({ address: `unix:${t.uds.udsName}` });
    } else {
      const u = new URL(t.tcp!.url);
      const tls = t.tcp!.tlsConfig;
      this.tunnel = new TunnelDialer({
        address: `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`,
        tls: u.protocol === 'https:' && tls?.caBundle ? { caFile: tls.caBundle, certFile: tls.clientCert, keyFile: tls.clientKey } : undefined,
      });
    }
  }
  dial(host: string, port: number, timeoutMs = 30_000): Promise<Duplex> {
    return withTimeout<Duplex>(this.tunnel.dial(host, port), timeoutMs, `dial ${host}:${port} through the tunnel`, (s) => s.destroy());
  }
  close(): void {
    this.tunnel.close();
  }
}

class HttpConnectDialer implements Dialer {
  readonly kind = 'konnectivity (HTTPConnect)';
  constructor(private readonly t: EgressTransport) {}

  private connectProxy(): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      let s: Socket;
      if (this.t.uds) {
        s = netConnect({ path: this.t.uds.udsName });
        s.once('connect', () => resolve(s));
      } else {
        const u = new URL(this.t.tcp!.url);
        const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
        if (u.protocol === 'https:') {
          const tls = this.t.tcp!.tlsConfig ?? {};
          s = tlsConnect({
            host: u.hostname,
            port,
            servername: /^[\d.]+$|:/.test(u.hostname) ? undefined : u.hostname,
            ca: tls.caBundle ? readFileSync(tls.caBundle) : undefined,
            cert: tls.clientCert ? readFileSync(tls.clientCert) : undefined,
            key: tls.clientKey ? readFileSync(tls.clientKey) : undefined,
          });
          s.once('secureConnect', () => resolve(s));
        } else {
          s = netConnect({ host: u.hostname, port });
          s.once('connect', () => resolve(s));
        }
      }
      s.once('error', reject);
    });
  }

  async dial(host: string, port: number, timeoutMs = 30_000): Promise<Duplex> {
    const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const work = (async () => {
      const s = await this.connectProxy();
      s.write(`CONNECT ${addr} HTTP/1.1\r\nHost: ${addr}\r\nUser-Agent: kubernest-apiserver\r\n\r\n`);
      let buf = Buffer.alloc(0);
      return new Promise<Duplex>((resolve, reject) => {
        const onData = (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > 16 * 1024) fail(new Error('proxy response header too large'));
            return;
          }
          s.off('data', onData);
          s.off('error', fail);
          s.off('close', onClose);
          const head = buf.subarray(0, end).toString('latin1');
          const rest = buf.subarray(end + 4);
          const m = /^HTTP\/1\.[01] (\d{3})(.*)/.exec(head);
          if (!m || m[1] !== '200') {
            s.destroy();
            return reject(new Error(`dial ${addr} through the HTTP CONNECT proxy: ${m ? `${m[1]}${m[2]}` : 'malformed response'}`));
          }
          if (rest.length) s.unshift(rest);
          resolve(s);
        };
        const fail = (e: Error) => {
          s.destroy();
          reject(new Error(`dial ${addr} through the HTTP CONNECT proxy: ${e.message}`));
        };
        const onClose = () => fail(new Error('proxy closed the connection'));
        s.on('data', onData);
        s.once('error', fail);
        s.once('close', onClose);
      });
    })();
    return withTimeout(work, timeoutMs, `dial ${addr} through the HTTP CONNECT proxy`, (s) => s.destroy());
  }
}

/** The Dialer for one selection name ('cluster'): Direct when absent from the config. */
export function dialerFor(config: EgressSelectorConfig | undefined, name: string): Dialer {
  const sel = config?.selections.find((s) => s.name === name);
  if (!sel || sel.proxyProtocol === 'Direct') return directDialer;
  if (sel.proxyProtocol === 'GRPC') return new GrpcDialer(sel.transport!);
  return new HttpConnectDialer(sel.transport!);
}
