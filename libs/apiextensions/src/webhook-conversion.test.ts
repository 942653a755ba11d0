import { afterAll, describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../apimachinery/src/field-errors';
import { StatusError } from '../../apimachinery/src/status';
import { KObject } from '../../apimachinery/src/types';
import { Store } from '../../registry/src/store';
import { SqliteStorage } from '../../storage/src/sqlite/sqlite-storage';
import { convertObject } from '../../../test/harness/conversion-webhook';
import { defaultCRD } from './crd-resource';
import { validateCRD, validateCRDUpdate } from './crd-validation';
import { customResourceDefinitions } from './custom-resource';
import { buildConversionReview, convertedObjectsFromResponse, gvkString, restoreObjectMeta, WebhookConverter } from './webhook-converter';

type Obj = Record<string, unknown>;

const obj = (name: string, apiVersion = 'example.com/v1', spec: Obj = { hostPort: 'a:1' }): KObject =>
  ({ apiVersion, kind: 'Endpoint', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', labels: { a: 'b' } }, spec }) as KObject;

/** a webhook answering with `answer(request)` (default: a correct conversion) */
function fakeWebhook(answer?: (req: { uid: string; desiredAPIVersion: string; objects: Obj[] }, review: Obj) => unknown) {
  const reviews: Obj[] = [];
  const call = async (review: unknown) => {
    const r = review as Obj;
    reviews.push(structuredClone(r));
    const req = r.request as { uid: string; desiredAPIVersion: string; objects: Obj[] };
    if (answer) return answer(req, r);
    return {
      apiVersion: r.apiVersion,
      kind: 'ConversionReview',
      response: { uid: req.uid, result: { status: 'Success' }, convertedObjects: req.objects.map((o) => convertObject(o, req.desiredAPIVersion)) },
    };
  };
  return { reviews, call };
}

const review = (uid: string, response: Obj, apiVersion = 'apiextensions.k8s.io/v1') => ({ apiVersion, kind: 'ConversionReview', response: { uid, ...response } });

describe('ConversionReview requests', () => {
  it('uses the first supported review version, with upstream request shape', () => {
    const { review: r, version } = buildConversionReview(['v9', 'v1beta1', 'v1'], [obj('x')], 'example.com/v2', 'u1');
    expect(version).toBe('v1beta1');
    expect(r).toEqual({
      kind: 'ConversionReview',
      apiVersion: 'apiextensions.k8s.io/v1beta1',
      request: { uid: 'u1', desiredAPIVersion: 'example.com/v2', objects: [obj('x')] },
      response: { uid: '', convertedObjects: null, result: { metadata: {} } },
    });
    expect(() => buildConversionReview(['v2'], [], 'example.com/v2', 'u')).toThrow('no supported conversion review versions');
  });

  it('sends one review for a list, with only the objects not yet in the desired version', async () => {
    const hook = fakeWebhook();
    const c = new WebhookConverter({ clientConfig: { url: 'https://x' }, conversionReviewVersions: ['v1'] }, hook.call, () => 'the-uid');
    const out = await c.convert([obj('a'), obj('b', 'example.com/v2', { host: 'h' }), obj('c')], 'example.com/v2', true);
    expect(hook.reviews).toHaveLength(1);
    const req = hook.reviews[0].request as Obj;
    expect(req.uid).toBe('the-uid');
    expect(req.desiredAPIVersion).toBe('example.com/v2');
    expect((req.objects as Obj[]).map((o) => (o.metadata as Obj).name)).toEqual(['a', 'c']);
    expect(out.map((o) => [o.metadata.name, o.apiVersion, o.spec])).toEqual([
      ['a', 'example.com/v2', { host: 'a', port: 1 }],
      ['b', 'example.com/v2', { host: 'h' }],
      ['c', 'example.com/v2', { host: 'a', port: 1 }],
    ]);
    // nothing to convert: no call
    await c.convert([obj('d', 'example.com/v2')], 'example.com/v2');
    expect(hook.reviews).toHaveLength(1);
  });
});

describe('ConversionReview responses', () => {
  it('checks the review kind, uid and result as upstream', () => {
    expect(() => convertedObjectsFromResponse('u', 'v1', { apiVersion: 'v1', kind: 'Status' })).toThrow(
      'expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got /v1, Kind=Status',
    );
    expect(() => convertedObjectsFromResponse('u', 'v1', { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview' })).toThrow('no response provided');
    expect(() => convertedObjectsFromResponse('u', 'v1', review('x', { result: { status: 'Success' } }))).toThrow('expected response.uid="u", got "x"');
    expect(() => convertedObjectsFromResponse('u', 'v1', review('u', { result: { status: 'Failure', message: 'nope' } }))).toThrow(/^nope$/);
    expect(() => convertedObjectsFromResponse('u', 'v1', review('u', { result: {} }))).toThrow("response.result.status was '', not 'Success'");
    // v1beta1: neither kind nor uid checked
    expect(convertedObjectsFromResponse('u', 'v1beta1', { response: { uid: 'other', result: { status: 'Success' }, convertedObjects: [1] } })).toEqual([1]);
  });

  const converter = (answer: Parameters<typeof fakeWebhook>[0]) =>
    new WebhookConverter({ clientConfig: { url: 'https://x' }, conversionReviewVersions: ['v1'] }, fakeWebhook(answer).call, () => 'u');
  const ok = (objects: unknown[]) => review('u', { result: { status: 'Success' }, convertedObjects: objects });

  it('wraps call and response errors in "conversion webhook for <gvk> failed"', async () => {
    const failing = new WebhookConverter({ clientConfig: { url: 'https://x' }, conversionReviewVersions: ['v1'] }, async () => {
      throw new Error('Post "https://x": dial tcp 127.0.0.1:1: connect: connection refused');
    });
    await expect(failing.convert([obj('a')], 'example.com/v2')).rejects.toThrow(
      'conversion webhook for example.com/v1, Kind=Endpoint failed: Post "https://x": dial tcp 127.0.0.1:1: connect: connection refused',
    );
    await expect(converter(() => review('u', { result: { status: 'Failure', message: 'refused' } })).convert([obj('a')], 'example.com/v2')).rejects.toThrow(
      'conversion webhook for example.com/v1, Kind=Endpoint failed: refused',
    );
  });

  it('checks the count, apiVersion, kind and identity of the converted objects', async () => {
    const v2 = (o: KObject, patch: Obj = {}) => ({ ...convertObject(o as unknown as Obj, 'example.com/v2'), ...patch });
    await expect(converter(() => ok([])).convert([obj('a')], 'example.com/v2')).rejects.toThrow('conversion webhook for example.com/v1, Kind=Endpoint returned 0 objects, expected 1');
    await expect(converter(() => ok([obj('a')])).convert([obj('a')], 'example.com/v2')).rejects.toThrow(
      'conversion webhook for example.com/v1, Kind=Endpoint returned invalid object at index 0: invalid groupVersion (expected example.com/v2, received example.com/v1)',
    );
    await expect(converter(() => ok([v2(obj('a'), { kind: 'Other' })])).convert([obj('a')], 'example.com/v2')).rejects.toThrow(
      'returned invalid object at index 0: invalid kind (expected Endpoint, received Other)',
    );
    await expect(converter(() => ok([v2(obj('b'))])).convert([obj('a')], 'example.com/v2')).rejects.toThrow(
      'conversion webhook for example.com/v1, Kind=Endpoint returned invalid object: must have the same name: a != b',
    );
    // lists: upstream's messages name the index after the failing one
    await expect(converter(() => ok([v2(obj('a')), obj('b')])).convert([obj('a'), obj('b')], 'example.com/v2', true)).rejects.toThrow(
      'returned invalid converted object at index 2: invalid groupVersion (expected example.com/v2, received example.com/v1)',
    );
    const wrongUid = v2(obj('b'));
    (wrongUid.metadata as Obj).uid = 'other';
    await expect(converter(() => ok([v2(obj('a')), wrongUid])).convert([obj('a'), obj('b')], 'example.com/v2', true)).rejects.toThrow(
      'returned invalid converted object at index 2: must have the same UID: uid-b != other',
    );
  });

  it('keeps the original metadata except labels and annotations', async () => {
    const changed = (o: KObject) => {
      const c = convertObject(o as unknown as Obj, 'example.com/v2');
      c.metadata = { name: 'a', namespace: 'default', uid: 'uid-a', resourceVersion: '99', generation: 7, labels: { x: 'y' }, annotations: { note: 'n' } };
      return c;
    };
    const [out] = await converter((req) => ok(req.objects.map((o) => changed(o as unknown as KObject)))).convert([obj('a')], 'example.com/v2');
    expect(out.metadata).toEqual({ name: 'a', namespace: 'default', uid: 'uid-a', resourceVersion: '5', labels: { x: 'y' }, annotations: { note: 'n' } });

    const bad = convertObject(obj('a') as unknown as Obj, 'example.com/v2');
    (bad.metadata as Obj).labels = { 'bad key!': 'v' };
    expect(restoreObjectMeta(obj('a'), bad)).toContain('metadata.labels: Invalid value: "bad key!"');
    expect(restoreObjectMeta(obj('a'), { apiVersion: 'x' })).toBe('missing metadata in converted object');
    expect(restoreObjectMeta(obj('a'), { metadata: { labels: { a: 1 } } })).toBe('metadata.labels[a] must be a string, but is int64 in converted object');
    await expect(converter(() => ok([bad])).convert([obj('a')], 'example.com/v2')).rejects.toThrow(
      'conversion webhook for example.com/v1, Kind=Endpoint returned invalid metadata: metadata.labels: Invalid value: "bad key!"',
    );
  });

  it('formats group/version/kind as Go does', () => {
    expect(gvkString('example.com/v1', 'Endpoint')).toBe('example.com/v1, Kind=Endpoint');
    expect(gvkString('v1', 'Pod')).toBe('/v1, Kind=Pod');
  });
});

const crd = (conversion: Obj): KObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'endpoints.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'endpoints', kind: 'Endpoint' },
      conversion,
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { hostPort: { type: 'string' } } } } } },
        },
        {
          name: 'v2',
          served: true,
          storage: false,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer', default: 80 } } } },
            },
          },
        },
      ],
    },
  }) as KObject;

const errorsOf = (conversion: Obj) => {
  const c = crd(conversion);
  defaultCRD(c);
  return validateCRD(c).map(fieldErrorString);
};

describe('CRD conversion validation', () => {
  it('accepts a webhook with url or service', () => {
    expect(errorsOf({ strategy: 'Webhook', webhook: { clientConfig: { url: 'https://h/convert' }, conversionReviewVersions: ['v1'] } })).toEqual([]);
    expect(errorsOf({ strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'n', name: 's', path: '/c' } }, conversionReviewVersions: ['v1beta1', 'v1'] } })).toEqual([]);
  });

  it('reports upstream messages', () => {
    expect(errorsOf({ strategy: 'Webhook' })).toEqual([
      'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
      'spec.conversion.conversionReviewVersions: Required value',
    ]);
    expect(errorsOf({ strategy: 'Webhook', webhook: { clientConfig: {}, conversionReviewVersions: ['v2'] } })).toEqual([
      'spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required',
      'spec.conversion.conversionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
    ]);
    expect(errorsOf({ strategy: 'Webhook', webhook: { clientConfig: { url: 'http://h/c' }, conversionReviewVersions: ['v1', 'v1'] } })).toEqual([
      'spec.conversion.webhookClientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]',
      'spec.conversion.conversionReviewVersions[1]: Invalid value: "v1": duplicate version',
    ]);
    expect(errorsOf({ strategy: 'None', webhook: { clientConfig: { url: 'https://h' }, conversionReviewVersions: ['v1'] } })).toEqual([
      'spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook',
      'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook',
    ]);
    expect(errorsOf({ strategy: 'Magic' })).toEqual(['spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"']);
  });

  it('lets a CRD that named no supported review version keep doing so on update', () => {
    const conv = (versions: string[]) => ({ strategy: 'Webhook', webhook: { clientConfig: { url: 'https://h' }, conversionReviewVersions: versions } });
    const defaulted = (c: KObject) => (defaultCRD(c), c);
    const old = defaulted(crd(conv(['v9'])));
    expect(validateCRDUpdate(defaulted(crd(conv(['v9', 'v8']))), old).map(fieldErrorString)).toEqual([]);
    expect(validateCRDUpdate(defaulted(crd(conv(['v9']))), defaulted(crd(conv(['v1'])))).map(fieldErrorString)).toEqual([
      'spec.conversion.conversionReviewVersions: Invalid value: []string{"v9"}: must include at least one of v1, v1beta1',
    ]);
  });
});

describe('serving a CRD with Webhook conversion (Store over a converting storage)', () => {
  const storage = new SqliteStorage({ path: ':memory:', progressNotifyIntervalMs: 0 });
  afterAll(() => storage.close());
  const hook = fakeWebhook();
  let down = false;
  const env = {
    callWebhook: async (_cc: unknown, r: unknown) => {
      if (down) throw new Error('Post "https://127.0.0.1:1/convert": dial tcp 127.0.0.1:1: connect: connection refused');
      return hook.call(r);
    },
  };
  const c = crd({ strategy: 'Webhook', webhook: { clientConfig: { url: 'https://127.0.0.1:1/convert' }, conversionReviewVersions: ['v1'] } });
  const defs = customResourceDefinitions(c);
  const storeOf = (version: string) => {
    const def = defs.find((d) => d.version === version)!;
    return new Store(def, def.wrapStorage!(storage, env));
  };
  const v1 = storeOf('v1');
  const v2 = storeOf('v2');

  it('creates in v2, stores v1, reads both', async () => {
    const created = await v2.create('default', { apiVersion: 'example.com/v2', kind: 'Endpoint', metadata: { name: 'e1' }, spec: { host: 'db', port: 5432 } } as KObject);
    expect(created.apiVersion).toBe('example.com/v2');
    expect(created.spec).toEqual({ host: 'db', port: 5432 });
    const raw = await storage.get('/example.com/endpoints/default/e1');
    expect(raw.apiVersion).toBe('example.com/v1');
    expect(raw.spec).toEqual({ hostPort: 'db:5432' });
    expect((await v1.get('default', 'e1')).spec).toEqual({ hostPort: 'db:5432' });
    expect((await v2.get('default', 'e1')).spec).toEqual({ host: 'db', port: 5432 });
  });

  it('defaults converted objects in their new version, lists with one review', async () => {
    await v1.create('default', { apiVersion: 'example.com/v1', kind: 'Endpoint', metadata: { name: 'e2' }, spec: { hostPort: 'web' } } as KObject);
    const before = hook.reviews.length;
    const list = await v2.list('default', {});
    expect(hook.reviews.length).toBe(before + 1);
    expect(list.items.map((o) => o.spec)).toEqual([{ host: 'db', port: 5432 }, { host: 'web', port: 80 }]);
  });

  it('updates through the served version; an unchanged update writes nothing', async () => {
    const { object } = await v2.update('default', 'e1', (cur) => ({ ...cur, spec: { ...(cur.spec as Obj), port: 6000 } }));
    expect(object.spec).toEqual({ host: 'db', port: 6000 });
    expect((await storage.get('/example.com/endpoints/default/e1')).spec).toEqual({ hostPort: 'db:6000' });
    const rv = object.metadata.resourceVersion;
    const again = await v2.update('default', 'e1', (cur) => cur);
    expect(again.object.metadata.resourceVersion).toBe(rv);
  });

  it('converts watch events', async () => {
    const rv = String(await storage.currentRevision());
    const w = v2.watch('default', { resourceVersion: rv });
    const it = w[Symbol.asyncIterator]();
    await v1.update('default', 'e2', (cur) => ({ ...cur, spec: { hostPort: 'web:8080' } }));
    const ev = await it.next();
    w.stop();
    expect(ev.value.type).toBe('MODIFIED');
    expect((ev.value.object as KObject).spec).toEqual({ host: 'web', port: 8080 });
  });

  it('answers 500 with the converter message when the webhook is down', async () => {
    down = true;
    try {
      const err = await v2.get('default', 'e1').catch((e) => e);
      expect(err).toBeInstanceOf(StatusError);
      expect(err.toStatus()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'conversion webhook for example.com/v1, Kind=Endpoint failed: Post "https://127.0.0.1:1/convert": dial tcp 127.0.0.1:1: connect: connection refused',
        code: 500,
      });
      // the storage version needs no webhook
      expect((await v1.get('default', 'e1')).spec).toEqual({ hostPort: 'db:6000' });
      // a watch ends with an ERROR event (500 InternalError)
      const rv = String(await storage.currentRevision());
      const w = v2.watch('default', { resourceVersion: rv });
      const it = w[Symbol.asyncIterator]();
      await v1.update('default', 'e2', (cur) => ({ ...cur, spec: { hostPort: 'web:9090' } }));
      const ev = await it.next();
      expect(ev.value.type).toBe('ERROR');
      expect(ev.value.object).toMatchObject({ code: 500, reason: 'InternalError', message: expect.stringMatching(/^Internal error occurred: conversion webhook for example.com\/v1, Kind=Endpoint failed: Post/) });
      expect((await it.next()).done).toBe(true);
      w.stop();
    } finally {
      down = false;
    }
  });
});
