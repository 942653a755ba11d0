/**
 * End to end against one replica on a real etcd: bad requests answer kube-apiserver's status code
 * AND its `Status` body (kind, apiVersion, status Failure, reason, code, message as upstream writes
 * it), and a request that throws inside a handler answers 500 while the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, RawResponse, startApiserver } from '../harness/apiserver';

const PANIC_PATH = '/debug/panic';
const CM = '/api/v1/namespaces/default/configmaps';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver({ env: { KUBERNEST_TEST_PANIC_PATH: PANIC_PATH } });
  const r = await server.request('POST', CM, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patch-me' }, data: { a: '1' } }) });
  expect(r.status, r.body).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

interface StatusBody {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  status: string;
  message: string;
  reason?: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message: string; field?: string }[] };
}

/** The response is a JSON Failure Status with this code and reason; returns it for more checks. */
function expectStatus(r: RawResponse, code: number, reason: string, message?: string | RegExp): StatusBody {
  expect(r.status, r.body).toBe(code);
  expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
  const s = r.json<StatusBody>();
  expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code });
  if (reason) expect(s.reason).toBe(reason);
  else expect(s.reason ?? '').toBe('');
  if (typeof message === 'string') expect(s.message).toBe(message);
  else if (message) expect(s.message).toMatch(message);
  return s;
}

describe('bad request bodies', () => {
  it('malformed JSON → 400 BadRequest with the decoder error', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"';
    const r = await server.request('POST', CM, { body });
    expectStatus(
      r,
      400,
      'BadRequest',
      'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1","kind":"Con ...)',
    );
    const r2 = await server.request('POST', CM, { body: 'not json at all' });
    expectStatus(
      r2,
      400,
      'BadRequest',
      "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u') (6e6f74206a736f6e20617420616c6c)",
    );
  });

  it('a Secret POSTed to configmaps → 400 BadRequest', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong-kind' }, stringData: { a: 'b' } });
    const r = await server.request('POST', CM, { body });
    expectStatus(r, 400, 'BadRequest', 'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion');
    const get = await server.request('GET', `${CM}/wrong-kind`);
    expect(get.status).toBe(404);
  });

  it('a kind the scheme does not know → 400 BadRequest "no kind ... is registered"', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Foo', metadata: { name: 'foo' } });
    const r = await server.request('POST', CM, { body });
    expectStatus(r, 400, 'BadRequest', /^Foo in version "v1" cannot be handled as a ConfigMap: no kind "Foo" is registered for version "v1" in scheme /);
  });

  it('no metadata.name and no generateName → 422 Invalid with the field cause', async () => {
    const r = await server.request('POST', CM, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: { a: 'b' } }) });
    const s = expectStatus(r, 422, 'Invalid', 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
    expect(s.details).toEqual({
      kind: 'ConfigMap',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }],
    });
  });

  it('a 4 MiB body → 413 RequestEntityTooLarge', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { k: 'x'.repeat(4 * 1024 * 1024) } });
    const r = await server.request('POST', CM, { body: big, headers: { 'Content-Length': String(Buffer.byteLength(big)) } });
    expectStatus(r, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    // the same, streamed without a Content-Length
    const chunked = await server.request('POST', CM, { body: big, headers: { 'Transfer-Encoding': 'chunked' } });
    expectStatus(chunked, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    const ok = await server.request('GET', '/api/v1/namespaces/default/configmaps/patch-me');
    expect(ok.status).toBe(200);
  });
});

describe('bad URLs and query parameters', () => {
  it('an unknown resource → 404 NotFound Status', async () => {
    const r = await server.request('GET', '/api/v1/namespaces/default/foos');
    const s = expectStatus(r, 404, 'NotFound', 'the server could not find the requested resource');
    expect(s.details).toEqual({});
    const post = await server.request('POST', '/api/v1/namespaces/default/foos', { body: '{}' });
    expectStatus(post, 404, 'NotFound', 'the server could not find the requested resource');
  });

  it('a bad label selector → 400 BadRequest', async () => {
    const r = await server.request('GET', `${CM}?labelSelector=a%20in%20(`);
    expectStatus(r, 400, 'BadRequest', "unable to parse requirement: found '', expected: ',', ')' or identifier");
  });

  it('a bad field selector → 400 BadRequest', async () => {
    const syntax = await server.request('GET', `${CM}?fieldSelector=foo`);
    expectStatus(syntax, 400, 'BadRequest', "invalid selector: 'foo'; can't understand 'foo'");
    const unsupported = await server.request('GET', `${CM}?fieldSelector=spec.foo%3Dbar`);
    expectStatus(unsupported, 400, 'BadRequest', '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('a bad resourceVersion on list or watch → 400 BadRequest (upstream\'s watch cache answers a 500; we do not)', async () => {
    const fieldError = 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax';
    for (const q of ['resourceVersion=abc&limit=500', 'resourceVersion=abc', 'watch=1&resourceVersion=abc']) {
      const r = await server.request('GET', `${CM}?${q}`);
      expectStatus(r, 400, 'BadRequest', `invalid resource version: ${fieldError}`);
    }
  });

  it('a bad timeout → 400 BadRequest', async () => {
    const r = await server.request('GET', `${CM}?timeout=abc`);
    expectStatus(r, 400, 'BadRequest', 'invalid timeout specified in the request URL - time: invalid duration "abc"');
  });
});

describe('authentication', () => {
  it('an anonymous request to an API path → 401 Unauthorized Status', async () => {
    const r = await server.request('GET', '/api/v1/namespaces', { anonymous: true });
    const s = expectStatus(r, 401, 'Unauthorized', 'Unauthorized');
    expect(s.details).toBeUndefined();
    const post = await server.request('POST', CM, { anonymous: true, body: '{}' });
    expectStatus(post, 401, 'Unauthorized', 'Unauthorized');
  });

  it.each(['/healthz', '/livez', '/readyz', '/version'])('%s answers 200 anonymously', async (path) => {
    const r = await server.request('GET', path, { anonymous: true });
    expect(r.status, r.body).toBe(200);
  });
});

describe('PATCH', () => {
  const target = `${CM}/patch-me`;

  it('an unsupported content type → 415 UnsupportedMediaType, before looking up the object', async () => {
    const message =
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml';
    const r = await server.request('PATCH', target, { body: '{"data":{"a":"2"}}', headers: { 'Content-Type': 'application/json' } });
    const s = expectStatus(r, 415, 'UnsupportedMediaType', message);
    expect(s.details).toBeUndefined();
    const text = await server.request('PATCH', target, { body: 'a=2', headers: { 'Content-Type': 'text/plain' } });
    expectStatus(text, 415, 'UnsupportedMediaType', message);
    const missing = await server.request('PATCH', `${CM}/does-not-exist`, { body: '{}', headers: { 'Content-Type': 'application/json' } });
    expectStatus(missing, 415, 'UnsupportedMediaType', message);
  });

  it('an invalid JSON patch body → 400 BadRequest', async () => {
    const r = await server.request('PATCH', target, { body: '[{"op":"replace","path":"/data/a","value":"2"}', headers: { 'Content-Type': 'application/json-patch+json' } });
    // with the default fieldValidation (Warn) the body is decoded strictly first
    expectStatus(r, 400, 'BadRequest', 'error decoding patch: unexpected end of JSON input');
    const ignore = await server.request('PATCH', `${target}?fieldValidation=Ignore`, { body: '[{"op":"replace"', headers: { 'Content-Type': 'application/json-patch+json' } });
    expectStatus(ignore, 400, 'BadRequest', 'unexpected end of JSON input');
    const notAList = await server.request('PATCH', target, { body: '{"op":"replace"}', headers: { 'Content-Type': 'application/json-patch+json' } });
    expectStatus(notAList, 400, 'BadRequest', /^error decoding patch: json: cannot unmarshal object into Go value of type /);
  });

  it('a JSON patch that cannot apply → 422 Invalid (NewGenericServerResponse drops the patch error)', async () => {
    const r = await server.request('PATCH', target, { body: '[{"op":"test","path":"/data/a","value":"nope"}]', headers: { 'Content-Type': 'application/json-patch+json' } });
    const s = expectStatus(r, 422, 'Invalid', 'the server rejected our request due to an error in our request');
    expect(s.details).toEqual({});
  });

  it('more than 10000 JSON patch operations → 413 RequestEntityTooLarge', async () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/data/a', value: '1' }));
    const r = await server.request('PATCH', target, { body: JSON.stringify(ops), headers: { 'Content-Type': 'application/json-patch+json' } });
    expectStatus(r, 413, 'RequestEntityTooLarge', 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
  });

  it('a patch body over 3 MiB → 413 RequestEntityTooLarge', async () => {
    const body = JSON.stringify({ data: { a: 'x'.repeat(3 * 1024 * 1024) } });
    const r = await server.request('PATCH', target, { body, headers: { 'Content-Type': 'application/merge-patch+json' } });
    expectStatus(r, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    const after = await server.request('GET', target);
    expect(after.json<{ data: Record<string, string> }>().data).toEqual({ a: '1' });
  });
});

describe('a handler that throws', () => {
  it('answers 500 InternalError and the server keeps serving', async () => {
    const r = await server.request('GET', PANIC_PATH);
    const s = expectStatus(r, 500, 'InternalError', `Internal error occurred: test panic on ${PANIC_PATH} (KUBERNEST_TEST_PANIC_PATH)`);
    expect(s.details?.causes).toEqual([{ message: `test panic on ${PANIC_PATH} (KUBERNEST_TEST_PANIC_PATH)` }]);
    for (let i = 0; i < 3; i++) {
      const again = await server.request('POST', PANIC_PATH, { body: '{}' });
      expect(again.status).toBe(500);
    }
    const list = await server.request('GET', CM);
    expect(list.status, list.body).toBe(200);
    expect(list.json<{ kind: string }>().kind).toBe('ConfigMapList');
    const ready = await server.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });

  it('is not reachable without the env var (default off)', async () => {
    // the hook is only wired when KUBERNEST_TEST_PANIC_PATH is set; other paths are unaffected
    const r = await server.request('GET', '/debug/panic-not');
    expect(r.status).toBe(404);
  });
});
