import { createServer, Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KObject } from '../../../../../libs/apimachinery/src/types';
import { createCA, issueCert } from '../../../../../libs/pki/src';
import { ResourceDefinition } from '../../../../../libs/registry/src/resource';
import { AdmissionAttributes, Store } from '../../../../../libs/registry/src/store';
import { directDialer } from '../../egress/egress-selector';
import { freePort } from '../../../../../test/harness/ports';
import { WebhookDispatcher, Webhook, denial } from './dispatcher';
import { fakeStore, rejection } from '../admission-test-util';

const cmDef = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true } as ResourceDefinition;

let server: Server;
let port: number;
let caBundle: string;
const calls: { path: string; request: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const ca = await createCA();
  const cert = await issueCert(ca, { commonName: 'hook', ipAddresses: ['127.0.0.1'], dnsNames: ['hook.webhooks.svc'], usage: 'server' });
  caBundle = Buffer.from(ca.certPem).toString('base64');
  port = await freePort();
  server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url?.startsWith('/hang')) return;
      const request = JSON.parse(body).request;
      calls.push({ path: req.url ?? '', request });
      const uid = request.uid;
      let response: Record<string, unknown> = { uid, allowed: true };
      if (req.url?.startsWith('/add-a')) {
        const has = request.object.metadata.labels?.a === '1';
        const patch = has ? [] : [{ op: 'add', path: '/metadata/labels', value: { ...(request.object.metadata.labels ?? {}), a: '1' } }];
        response = { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
      } else if (req.url?.startsWith('/add-b')) {
        const patch = [{ op: 'add', path: '/metadata/labels', value: { ...(request.object.metadata.labels ?? {}), b: '1' } }];
        response = { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
      } else if (req.url?.startsWith('/deny')) {
        response = { uid, allowed: false, status: { message: 'no way' } };
      } else if (req.url?.startsWith('/baduid')) {
        response = { uid: 'other', allowed: true };
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const hook = (name: string, path: string, extra: Partial<Webhook> = {}): Webhook => ({
  name,
  clientConfig: { url: `https://127.0.0.1:${port}${path}`, caBundle },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
  sideEffects: 'None',
  timeoutSeconds: 2,
  ...extra,
});

function dispatcher(mutating: Webhook[], validating: Webhook[] = [], extra: Record<string, Store> = {}): WebhookDispatcher {
  const cfg = (name: string, webhooks: Webhook[]) => ({ metadata: { name }, webhooks }) as unknown as KObject;
  const stores: Record<string, Store> = {
    mutatingwebhookconfigurations: fakeStore(mutating.length ? [cfg('m', mutating)] : []),
    validatingwebhookconfigurations: fakeStore(validating.length ? [cfg('v', validating)] : []),
    namespaces: fakeStore([{ metadata: { name: 'ns', labels: { env: 'prod' } } }]),
    ...extra,
  };
  return new WebhookDispatcher({ storeFor: (_g, _v, plural) => stores[plural], versionsOf: () => ['v1'], dialer: directDialer });
}

const attrs = (o: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({
  operation: 'CREATE',
  def: cmDef,
  namespace: 'ns',
  name: 'cm',
  subresource: '',
  object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } },
  dryRun: false,
  ...o,
});

describe('WebhookDispatcher', () => {
  it('applies JSON patches, sends AdmissionReview v1 requests and reinvokes IfNeeded webhooks once', async () => {
    calls.length = 0;
    const d = dispatcher([hook('a.example.com', '/add-a', { reinvocationPolicy: 'IfNeeded' }), hook('b.example.com', '/add-b')]);
    const a = attrs();
    await d.mutatingHook()(a);
    expect(a.object!.metadata.labels).toEqual({ a: '1', b: '1' });
    expect(calls.map((c) => c.path)).toEqual(['/add-a?timeout=2s', '/add-b?timeout=2s', '/add-a?timeout=2s']);
    expect(calls[0].request).toMatchObject({ kind: { group: '', version: 'v1', kind: 'ConfigMap' }, operation: 'CREATE', namespace: 'ns', name: 'cm', dryRun: false });
    d.stop();
  });

  it('denies with upstream wording and follows failurePolicy for call errors', async () => {
    const deny = dispatcher([], [hook('deny.example.com', '/deny')]);
    const e = await rejection(deny.validatingHook()(attrs()));
    expect(e.code).toBe(400);
    expect(e.message).toBe('admission webhook "deny.example.com" denied the request: no way');
    const bad = dispatcher([], [hook('uid.example.com', '/baduid')]);
    const e2 = await rejection(bad.validatingHook()(attrs()));
    expect(e2.code).toBe(500);
    expect(e2.message).toContain('Internal error occurred: failed calling webhook "uid.example.com": expected response.uid=');
    const ignore = dispatcher([], [hook('uid.example.com', '/baduid', { failurePolicy: 'Ignore' })]);
    await ignore.validatingHook()(attrs());
  });

  it('rejects a TLS server the caBundle does not trust', async () => {
    const other = await createCA();
    const d = dispatcher([], [{ ...hook('tls.example.com', '/ok'), clientConfig: { url: `https://127.0.0.1:${port}/ok`, caBundle: Buffer.from(other.certPem).toString('base64') } }]);
    const e = await rejection(d.validatingHook()(attrs()));
    expect(e.message).toContain('failed calling webhook "tls.example.com": failed to call webhook: Post "https://127.0.0.1:');
    expect(e.message).toContain('x509: certificate signed by unknown authority');
  });

  it('skips on matchConditions, selectors and dry-run with side effects', async () => {
    calls.length = 0;
    const d = dispatcher(
      [],
      [
        hook('cond.example.com', '/deny', { matchConditions: [{ name: 'labelled', expression: "has(object.metadata.labels) && object.metadata.labels['x'] == 'y'" }] }),
        hook('ns.example.com', '/deny', { namespaceSelector: { matchLabels: { env: 'dev' } } }),
        hook('obj.example.com', '/deny', { objectSelector: { matchLabels: { x: 'z' } } }),
      ],
    );
    await d.validatingHook()(attrs());
    expect(calls).toHaveLength(0);
    const side = dispatcher([], [hook('side.example.com', '/ok', { sideEffects: 'Unknown' })]);
    const e = await rejection(side.validatingHook()(attrs({ dryRun: true })));
    expect(e.code).toBe(400);
    expect(e.message).toBe('admission webhook "side.example.com" does not support dry run');
  });

  it('reaches a webhook by service reference through the endpoints', async () => {
    calls.length = 0;
    const svc = { metadata: { name: 'hook', namespace: 'webhooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } } as unknown as KObject;
    const eps = { metadata: { name: 'hook', namespace: 'webhooks' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port }] }] } as unknown as KObject;
    const w = { ...hook('svc.example.com', ''), clientConfig: { service: { namespace: 'webhooks', name: 'hook', path: '/deny' }, caBundle } };
    const d = dispatcher([], [w], { services: fakeStore([svc]), endpoints: fakeStore([eps]) });
    const e = await rejection(d.validatingHook()(attrs()));
    expect(e.message).toBe('admission webhook "svc.example.com" denied the request: no way');
    expect(calls[0].path).toBe('/deny?timeout=2s');
    const none = dispatcher([], [w], { services: fakeStore([svc]), endpoints: fakeStore([]) });
    expect((await rejection(none.validatingHook()(attrs()))).message).toContain('no endpoints available for service "hook"');
  });

  it('times out after timeoutSeconds', async () => {
    const d = dispatcher([], [hook('slow.example.com', '/hang', { timeoutSeconds: 1 })]);
    const e = await rejection(d.validatingHook()(attrs()));
    expect(e.message).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/hang?timeout=1s": context deadline exceeded`);
  });

  it('matchPolicy Equivalent: the webhook sees and patches the object in the version its rule names', async () => {
    calls.length = 0;
    const wDef = { group: 'example.com', version: 'v2', kind: 'Widget', plural: 'widgets', namespaced: true } as ResourceDefinition;
    const rules = [{ operations: ['CREATE'], apiGroups: ['example.com'], apiVersions: ['v1'], resources: ['widgets'] }];
    const cfg = { metadata: { name: 'm' }, webhooks: [hook('eq.example.com', '/add-a', { rules })] } as unknown as KObject;
    const exact = { metadata: { name: 'v' }, webhooks: [hook('exact.example.com', '/ok', { rules, matchPolicy: 'Exact' })] } as unknown as KObject;
    const stores: Record<string, Store> = { mutatingwebhookconfigurations: fakeStore([cfg]), validatingwebhookconfigurations: fakeStore([exact]), namespaces: fakeStore([]) };
    // v2 spells spec.colour, v1 spec.color
    const rename = (obj: KObject, from: string, to: string, apiVersion: string) => {
      const spec = { ...(obj as { spec?: Record<string, unknown> }).spec };
      if (from in spec) [spec[to], spec[from]] = [spec[from], undefined];
      return { ...obj, apiVersion, spec: JSON.parse(JSON.stringify(spec)) } as KObject;
    };
    const d = new WebhookDispatcher({
      storeFor: (_g, _v, plural) => stores[plural],
      versionsOf: () => ['v1', 'v2'],
      dialer: directDialer,
      converter: (_g, _r, from, to) => ({ kind: 'Widget', convert: (o) => (from === 'v2' && to === 'v1' ? rename(o, 'colour', 'color', 'example.com/v1') : rename(o, 'color', 'colour', 'example.com/v2')) }),
    });
    const a = attrs({ def: wDef, object: { apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, spec: { colour: 'red' } } as KObject });
    await d.mutatingHook()(a);
    await d.validatingHook()(a);
    expect(calls).toHaveLength(1);
    expect(calls[0].request).toMatchObject({
      kind: { group: 'example.com', version: 'v1', kind: 'Widget' },
      resource: { group: 'example.com', version: 'v1', resource: 'widgets' },
      requestKind: { group: 'example.com', version: 'v2', kind: 'Widget' },
      requestResource: { group: 'example.com', version: 'v2', resource: 'widgets' },
      object: { apiVersion: 'example.com/v1', spec: { color: 'red' } },
    });
    expect(a.object).toMatchObject({ apiVersion: 'example.com/v2', metadata: { labels: { a: '1' } }, spec: { colour: 'red' } });
    d.stop();
  });

  it('denial() maps statuses as webhookerrors.ToStatusErr', () => {
    expect(denial('w', { code: 403, message: 'm' }).code).toBe(403);
    expect(denial('w', { code: 200 }).message).toBe('admission webhook "w" denied the request without explanation');
    expect(denial('w', { reason: 'Forbidden' }).message).toBe('admission webhook "w" denied the request: Forbidden');
  });
});
