/**
 * The HTTPS front of metrics-server: per request, delegated authentication (401), delegated
 * authorization (403 with upstream's Forbidden Status), then health checks, /version, OpenAPI stubs
 * and the metrics.k8s.io API. Plain node:https, no framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { errors, isStatusError, type Status } from '../../../libs/apimachinery/src/status';
import { forbiddenStatus } from '../../apiserver/src/filters/forbidden';
import { failureStatus } from '../../apiserver/src/filters/responses';
import { parseRequestInfo, RequestInfoError } from '../../apiserver/src/filters/request-info';
import { type ApiSources, serveApi } from './api';
import type { DelegatingAuthenticator } from './authn';
import { listenOn } from '../../kubelet-sim/src/listen';
import type { DelegatingAuthorizer } from './authz';

export interface MetricsHttpsOptions {
  cert: string;
  key: string;
  authenticator: DelegatingAuthenticator;
  authorizer: DelegatingAuthorizer;
  sources: ApiSources;
  log?: (msg: string) => void;
}

const VERSION_INFO = {
  major: '0',
  minor: '7',
  gitVersion: 'v0.7.2-kubernest',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '',
  goVersion: '',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent) return void res.end();
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStatus(res: ServerResponse, status: Status): void {
  send(res, status.code ?? 500, status);
}

/** The DER chain the client presented, leaf first. */
export function peerChain(socket: unknown): Buffer[] {
  const s = socket as TLSSocket;
  if (typeof s?.getPeerCertificate !== 'function') return [];
  let cert = s.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  const out: Buffer[] = [];
  while (cert && cert.raw && out.length < 8) {
    out.push(cert.raw);
    if (!cert.issuerCertificate || cert.issuerCertificate === cert || cert.issuerCertificate.raw?.equals(cert.raw)) break;
    cert = cert.issuerCertificate;
  }
  return out;
}

export class MetricsHttpsServer {
  readonly server: Server;

  constructor(private readonly opts: MetricsHttpsOptions) {
    const ca = opts.authenticator.trustedCAPems();
    this.server = createServer(
      { cert: opts.cert, key: opts.key, requestCert: true, rejectUnauthorized: false, ...(ca.length > 0 ? { ca } : {}), minVersion: 'TLSv1.2' },
      (req, res) => {
        this.handle(req, res).catch((e) => {
          opts.log?.(`metrics-server: ${req.method} ${req.url}: ${(e as Error).message}`);
          if (!res.headersSent) send(res, 500, `Internal Server Error: ${JSON.stringify(req.url)}: ${(e as Error).message}\n`, 'text/plain; charset=utf-8');
          else res.end();
        });
      },
    );
  }

  /** The client CAs changed: new TLS contexts request certificates from the new CA list. */
  refreshTrustedCAs(): void {
    const ca = this.opts.authenticator.trustedCAPems();
    this.server.setSecureContext({ cert: this.opts.cert, key: this.opts.key, ...(ca.length > 0 ? { ca } : {}) });
  }

  listen(port: number, host: string): Promise<number> {
    return listenOn(this.server, port, host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://metrics-server');
    const path = url.pathname;
    const authn = await this.opts.authenticator.authenticate({ peerCertificates: peerChain(req.socket), headers: req.headersDistinct });
    if (!authn.ok) {
      this.opts.log?.(`metrics-server: unable to authenticate the request: ${authn.reason}`);
      return sendStatus(res, failureStatus(401, 'Unauthorized', 'Unauthorized'));
    }
    let info;
    try {
      info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
    } catch (e) {
      if (e instanceof RequestInfoError) return sendStatus(res, errors.badRequest(e.message).toStatus());
      throw e;
    }
    const decision = await this.opts.authorizer.authorize(authn.user, info);
    if (!decision.allowed) return sendStatus(res, forbiddenStatus(authn.user, info, decision.reason));

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, errors.methodNotAllowed().toStatus());
    if (path === '/healthz' || path === '/livez' || path.startsWith('/healthz/') || path.startsWith('/livez/')) return send(res, 200, 'ok', 'text/plain; charset=utf-8');
    if (path === '/readyz' || path.startsWith('/readyz/')) {
      if (this.opts.sources.storage.ready()) return send(res, 200, 'ok', 'text/plain; charset=utf-8');
      return send(res, 500, '[+]ping ok\n[-]metric-storage-ready failed: reason withheld\nreadyz check failed\n', 'text/plain; charset=utf-8');
    }
    if (path === '/version' || path === '/version/') return send(res, 200, VERSION_INFO);
    if (path === '/openapi/v2') return send(res, 200, { swagger: '2.0', info: { title: 'Kubernest metrics-server', version: VERSION_INFO.gitVersion }, paths: {}, definitions: {} });
    if (path === '/openapi/v3') return send(res, 200, { paths: {} });
    try {
      const r = serveApi(this.opts.sources, path, url.searchParams, req.headers.accept);
      if (!r) return sendStatus(res, errors.notFoundPath().toStatus());
      return send(res, r.status, r.body, r.contentType);
    } catch (e) {
      if (isStatusError(e)) return sendStatus(res, e.toStatus());
      throw e;
    }
  }
}
