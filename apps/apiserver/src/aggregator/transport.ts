/**
 * One HTTPS request to an aggregated API server's endpoint: dialled through the `cluster` egress
 * (konnectivity or direct), TLS verified against the APIService's caBundle for the server name
 * `<service>.<namespace>.svc` (unless insecureSkipTLSVerify), presenting the proxy client
 * certificate (--proxy-client-cert-file/--proxy-client-key-file). Errors read like Go's
 * (`dial tcp 127.0.0.1:1: connect: connection refused`).
 */
import { readFileSync } from 'node:fs';
import { ClientRequest, IncomingMessage, OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Dialer } from '../egress/egress-selector';
import type { BackendAddress } from './resolver';

export interface ProxyClientCert {
  cert: Buffer;
  key: Buffer;
}

/** Loads the proxy client certificate (re-read when the files change on disk is not supported). */
export function loadProxyClientCert(certFile: string, keyFile: string): ProxyClientCert | undefined {
  if (!certFile || !keyFile) return undefined;
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

export interface BackendTLS {
  /** `<name>.<namespace>.svc` */
  serverName: string;
  /** PEM (decoded spec.caBundle); undefined = system roots */
  ca?: Buffer;
  insecure: boolean;
  client?: ProxyClientCert;
}

export function hostPort(a: BackendAddress): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/** Go's error text for a failed dial / TLS handshake. */
export function describeNetError(e: unknown, a: BackendAddress): string {
  const err = e as NodeJS.ErrnoException;
  const addr = hostPort(a);
  switch (err?.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`;
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: ${err.message}`;
    default:
      // the dialers already word their errors as Go does
      return err?.message ?? String(e);
  }
}

/**
 * Opens the connection and returns the (not yet ended) request: write or pipe the body, then
 * `end()`; `response` resolves with the backend's answer. Dial and handshake errors reject.
 */
export async function openBackendRequest(
  dialer: Dialer,
  addr: BackendAddress,
  tls: BackendTLS,
  opts: { method: string; path: string; headers: OutgoingHttpHeaders; timeoutMs?: number },
): Promise<{ req: ClientRequest; response: Promise<IncomingMessage> }> {
  let raw: Duplex;
  try {
    raw = await dialer.dial(addr.ip, addr.port, opts.timeoutMs ?? 10_000);
  } catch (e) {
    throw new Error(describeNetError(e, addr));
  }
  const sock = tlsConnect({
    socket: raw,
    servername: tls.serverName,
    ca: tls.ca,
    rejectUnauthorized: !tls.insecure,
    cert: tls.client?.cert,
    key: tls.client?.key,
    ALPNProtocols: ['http/1.1'],
  });
  await new Promise<void>((resolve, reject) => {
    const t = opts.timeoutMs ? setTimeout(() => fail(Object.assign(new Error('TLS handshake timeout'), { code: 'TLS_TIMEOUT' })), opts.timeoutMs) : undefined;
    function fail(e: Error) {
      if (t) clearTimeout(t);
      sock.destroy();
      reject(new Error(e.message === 'TLS handshake timeout' ? 'net/http: TLS handshake timeout' : describeNetError(e, addr)));
    }
    sock.once('secureConnect', () => {
      if (t) clearTimeout(t);
      sock.off('error', fail);
      resolve();
    });
    sock.once('error', fail);
  });
  const req = httpRequest({
    method: opts.method,
    path: opts.path,
    headers: { ...opts.headers, host: tls.serverName },
    createConnection: () => sock,
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (e) => reject(new Error(describeNetError(e, addr))));
  });
  response.catch(() => undefined);
  return { req, response };
}

/** A small GET (discovery, availability checks): status and body, within `timeoutMs`. */
export async function backendGet(
  dialer: Dialer,
  addr: BackendAddress,
  tls: BackendTLS,
  path: string,
  headers: OutgoingHttpHeaders,
  timeoutMs: number,
): Promise<{ status: number; body: Buffer }> {
  const deadline = new Promise<never>((_, reject) => {
    const t = setTimeout(() => reject(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')), timeoutMs);
    t.unref?.();
  });
  const work = (async () => {
    const { req, response } = await openBackendRequest(dialer, addr, tls, { method: 'GET', path, headers, timeoutMs });
    req.end();
    const res = await response;
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    req.socket?.destroy();
    return { status: res.statusCode ?? 0, body: Buffer.concat(chunks) };
  })();
  work.catch(() => undefined);
  return Promise.race([work, deadline]);
}
