/**
 * Calling one admission webhook: POST an AdmissionReview over HTTPS, verified against the
 * configuration's caBundle, to `clientConfig.url` or to a Service reference resolved to one ready
 * endpoint and dialled through the `cluster` egress (TLS server name `<name>.<namespace>.svc`).
 * Errors carry upstream's wording (`failed to call webhook: Post "...": ...`).
 */
import { request as httpRequest } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dialer } from '../../egress/egress-selector';
import type { Store } from '../../../../../libs/registry/src/store';

export interface WebhookClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
}

export interface WebhookCallDeps {
  /** the cluster egress (service references) */
  dialer: Dialer;
  /** a ready endpoint of the service port, or an Error message naming why there is none */
  resolveService(namespace: string, name: string, port: number): Promise<{ ip: string; port: number }>;
}

export interface WebhookCallOptions {
  /** append `?timeout=<n>s` to the path (admission webhooks do; CRD conversion webhooks do not) */
  timeoutParam?: boolean;
  /** what precedes `Post "...": ...` in call errors (admission: `failed to call webhook: `; conversion: none) */
  errorPrefix?: string;
}

export async function callWebhook(cc: WebhookClientConfig, review: unknown, timeoutSeconds: number, deps: WebhookCallDeps, opts: WebhookCallOptions = {}): Promise<unknown> {
  const timeoutMs = timeoutSeconds * 1000;
  const withTimeout = opts.timeoutParam ?? true;
  const errorPrefix = opts.errorPrefix ?? 'failed to call webhook: ';
  let host: string;
  let port: number;
  let path: string;
  let servername: string;
  let display: string;
  let dial: () => Promise<Duplex | undefined>;
  if (cc.url) {
    const u = new URL(cc.url);
    host = u.hostname.replace(/^\[|\]$/g, '');
    port = Number(u.port || 443);
    path = (u.pathname || '/') + (withTimeout ? (u.search ? `${u.search}&` : '?') + `timeout=${timeoutSeconds}s` : u.search);
    servername = host;
    display = `${u.origin}${path}`;
    dial = async () => undefined;
  } else if (cc.service) {
    const s = cc.service;
    const svcPort = s.port ?? 443;
    servername = `${s.name}.${s.namespace}.svc`;
    host = servername;
    port = svcPort;
    path = (s.path || '/') + (withTimeout ? `?timeout=${timeoutSeconds}s` : '');
    display = `https://${servername}:${svcPort}${path}`;
    dial = async () => {
      const ep = await deps.resolveService(s.namespace, s.name, svcPort);
      return deps.dialer.dial(ep.ip, ep.port, timeoutMs);
    };
  } else {
    throw new Error(`${errorPrefix}neither url nor service is set`);
  }
  const prefix = `${errorPrefix}Post "${display}"`;
  const body = Buffer.from(JSON.stringify(review));
  const ca = cc.caBundle ? Buffer.from(cc.caBundle, 'base64') : undefined;
  const deadline = Date.now() + timeoutMs;
  let socket: Duplex | undefined;
  try {
    socket = await dial();
  } catch (e) {
    throw new Error(`${prefix}: ${describe(e, host, port)}`);
  }
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, v?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(v);
    };
    const tlsSock = tlsConnect({
      ...(socket ? { socket } : { host, port }),
      servername: isIP(servername) ? undefined : servername,
      ca,
      ALPNProtocols: ['http/1.1'],
    });
    tlsSock.on('error', (e) => finish(new Error(`${prefix}: ${describe(e, host, port)}`)));
    const req = httpRequest({
      method: 'POST',
      path,
      host: servername,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': body.length },
      createConnection: () => tlsSock,
    });
    const timer = setTimeout(() => {
      finish(new Error(`${prefix}: context deadline exceeded`));
      req.destroy();
      tlsSock.destroy();
    }, Math.max(1, deadline - Date.now()));
    req.on('error', (e) => finish(new Error(`${prefix}: ${describe(e, host, port)}`)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish(new Error(`${prefix}: ${e.message}`)));
      res.on('end', () => {
        tlsSock.end();
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
          finish(new Error(`${prefix}: the server responded with the status code ${res.statusCode} but did not return more information`));
          return;
        }
        try {
          finish(undefined, JSON.parse(text));
        } catch {
          finish(new Error(`received invalid webhook response: ${text.slice(0, 200)}`));
        }
      });
    });
    req.end(body);
  });
}

function describe(e: unknown, host: string, port: number): string {
  const err = e as NodeJS.ErrnoException;
  const addr = `${host}:${port}`;
  switch (err?.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${host}: no such host`;
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    default:
      return err?.message ?? String(e);
  }
}

/**
 * A ready endpoint of a Service port (upstream's service resolver for webhooks): the port is
 * looked up in the Service, then one address of its Endpoints is picked at random.
 */
export async function resolveServiceEndpoint(
  storeFor: (group: string, version: string, plural: string) => Store | undefined,
  ns: string,
  name: string,
  port: number,
): Promise<{ ip: string; port: number }> {
  type Json = Record<string, unknown>;
  const services = storeFor('', 'v1', 'services');
  const endpoints = storeFor('', 'v1', 'endpoints');
  if (!services || !endpoints) throw new Error(`service "${name}" not found`);
  const svc = (await services.get(ns, name).catch(() => {
    throw new Error(`service "${ns}/${name}" not found`);
  })) as Json;
  type SvcPort = { name?: string; port: number; targetPort?: number | string };
  const sp = ((svc.spec as { ports?: SvcPort[] } | undefined)?.ports ?? []).find((p) => p.port === port);
  if (!sp) throw new Error(`service "${ns}/${name}" has no port ${port}`);
  const eps = (await endpoints.get(ns, name).catch(() => undefined)) as Json | undefined;
  type Subset = { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] };
  const cands: { ip: string; port: number }[] = [];
  for (const s of (eps?.subsets as Subset[] | undefined) ?? []) {
    const p = (s.ports ?? []).find((x) => (sp.name ? x.name === sp.name : true));
    if (!p) continue;
    for (const addr of s.addresses ?? []) cands.push({ ip: addr.ip, port: p.port });
  }
  if (!cands.length) throw new Error(`no endpoints available for service "${name}"`);
  return cands[Math.floor(Math.random() * cands.length)];
}
