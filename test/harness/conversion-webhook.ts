/**
 * A CRD conversion webhook for tests: HTTPS with its own CA (libs/pki), answering
 * ConversionReview v1 and v1beta1. It converts between v1 `spec.hostPort: "host:port"` and v2
 * `spec.host` + `spec.port` (any group), records every review it gets, and can be told to
 * misbehave (`mode`) to exercise the API server's checks of its responses.
 */
import { createServer, Server } from 'node:https';
import { createCA, issueCert } from '../../libs/pki/src';
import { freePort } from './ports';

type Obj = Record<string, unknown>;

export type ConversionWebhookMode =
  /** convert */
  | 'ok'
  /** answer result.status Failure with a message */
  | 'fail'
  /** answer with another uid */
  | 'wrong-uid'
  /** drop the last converted object */
  | 'drop-object'
  /** rename the objects */
  | 'rename'
  /** leave apiVersion as it was */
  | 'keep-version';

export interface ConversionWebhookServer {
  url: string;
  port: number;
  /** base64 PEM of the CA that signed the server certificate */
  caBundle: string;
  /** the `request` of every review received, in order */
  requests: { path: string; desiredAPIVersion: string; uid: string; objects: Obj[]; reviewVersion: string }[];
  mode: ConversionWebhookMode;
  stop(): Promise<void>;
}

/** v1 → v2: `hostPort` splits into `host` and `port`; v2 → v1 joins them. */
export function convertObject(obj: Obj, desiredAPIVersion: string): Obj {
  const out = structuredClone(obj);
  const fromVersion = String(obj.apiVersion ?? '').split('/').pop();
  const toVersion = desiredAPIVersion.split('/').pop();
  const spec = { ...((out.spec as Obj | undefined) ?? {}) };
  if (fromVersion === 'v1' && toVersion === 'v2') {
    const hp = typeof spec.hostPort === 'string' ? spec.hostPort : '';
    delete spec.hostPort;
    if (hp) {
      const i = hp.lastIndexOf(':');
      spec.host = i >= 0 ? hp.slice(0, i) : hp;
      if (i >= 0) spec.port = Number(hp.slice(i + 1));
    }
  } else if (fromVersion === 'v2' && toVersion === 'v1') {
    if (spec.host !== undefined) spec.hostPort = spec.port !== undefined ? `${spec.host}:${spec.port}` : String(spec.host);
    delete spec.host;
    delete spec.port;
  }
  out.spec = spec;
  out.apiVersion = desiredAPIVersion;
  return out;
}

/** `dnsNames`: extra names for the serving certificate (e.g. `<service>.<namespace>.svc` for service references) */
/** `host`: the address to listen on (default 127.0.0.1; '0.0.0.0' to be reachable as an endpoint IP) */
export async function startConversionWebhook(opts: { port?: number; dnsNames?: string[]; host?: string } = {}): Promise<ConversionWebhookServer> {
  const ca = await createCA({ commonName: 'conversion-webhook-ca' });
  const cert = await issueCert(ca, { commonName: 'conversion-webhook', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost', ...(opts.dnsNames ?? [])], usage: 'server' });
  const port = opts.port ?? (await freePort());
  const state: ConversionWebhookServer = {
    url: `https://127.0.0.1:${port}/convert`,
    port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    requests: [],
    mode: 'ok',
    stop: async () => {
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let review: Obj;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
      } catch {
        res.statusCode = 400;
        res.end('bad json');
        return;
      }
      const request = (review.request ?? {}) as { uid: string; desiredAPIVersion: string; objects: Obj[] };
      state.requests.push({ ...request, path: req.url ?? '', reviewVersion: String(review.apiVersion ?? '') });
      const mode = state.mode;
      let convertedObjects = (request.objects ?? []).map((o) => {
        const c = mode === 'keep-version' ? structuredClone(o) : convertObject(o, request.desiredAPIVersion);
        const meta = (c.metadata ??= {}) as Obj;
        if (mode === 'rename') meta.name = `${String(meta.name)}-renamed`;
        return c;
      });
      if (mode === 'drop-object') convertedObjects = convertedObjects.slice(0, -1);
      const response: Obj =
        mode === 'fail'
          ? { uid: request.uid, result: { status: 'Failure', message: 'the test webhook refuses to convert' } }
          : { uid: mode === 'wrong-uid' ? 'not-the-uid' : request.uid, convertedObjects, result: { status: 'Success' } };
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'ConversionReview', response }));
    });
  });
  await new Promise<void>((r) => server.listen(port, opts.host ?? '127.0.0.1', r));
  return state;
}
