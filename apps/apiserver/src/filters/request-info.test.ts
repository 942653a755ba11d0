import { describe, expect, it } from 'vitest';
import { fakeContext } from './fake-context';
import { parseRequestInfo, RequestInfoError, withRequestInfo } from './request-info';

function info(method: string, url: string) {
  const u = new URL(url, 'https://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

describe('parseRequestInfo: resource requests', () => {
  // [method, url, verb, apiPrefix, group, version, namespace, resource, subresource, name, parts]
  const cases: Array<[string, string, string, string, string, string, string, string, string, string, string[]]> = [
    ['GET', '/api/v1/namespaces', 'list', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
    ['GET', '/api/v1/namespaces/other', 'get', 'api', '', 'v1', 'other', 'namespaces', '', 'other', ['namespaces', 'other']],
    ['GET', '/api/v1/namespaces/other/status', 'get', 'api', '', 'v1', 'other', 'namespaces', 'status', 'other', ['namespaces', 'other', 'status']],
    ['PUT', '/api/v1/namespaces/other/finalize', 'update', 'api', '', 'v1', 'other', 'namespaces', 'finalize', 'other', ['namespaces', 'other', 'finalize']],
    ['GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['HEAD', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=true', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=1', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=false', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=FALSE', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=0', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods/foo?watch=true', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/watch/namespaces/other/pods', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/watch/namespaces/other/pods/foo', 'watch', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/watch/namespaces', 'watch', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
    ['POST', '/api/v1/namespaces/other/pods', 'create', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['PUT', '/api/v1/namespaces/other/pods/foo', 'update', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['PATCH', '/api/v1/namespaces/other/pods/foo', 'patch', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['DELETE', '/api/v1/namespaces/other/pods/foo', 'delete', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['DELETE', '/api/v1/namespaces/other/pods', 'deletecollection', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['OPTIONS', '/api/v1/namespaces/other/pods/foo', '', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/namespaces/other/pods/foo/log', 'get', 'api', '', 'v1', 'other', 'pods', 'log', 'foo', ['pods', 'foo', 'log']],
    ['POST', '/api/v1/namespaces/other/pods/foo/exec', 'create', 'api', '', 'v1', 'other', 'pods', 'exec', 'foo', ['pods', 'foo', 'exec']],
    ['GET', '/api/v1/namespaces/other/pods/foo/proxy/some/path', 'get', 'api', '', 'v1', 'other', 'pods', 'proxy', 'foo', ['pods', 'foo', 'proxy', 'some', 'path']],
    ['GET', '/api/v1/proxy/namespaces/other/pods/foo/subpath', 'proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo', 'subpath']],
    ['GET', '/api/v1/proxy/nodes/n1', 'proxy', 'api', '', 'v1', '', 'nodes', '', 'n1', ['nodes', 'n1']],
    ['GET', '/apis/apps/v1/namespaces/other/deployments/foo/scale', 'get', 'apis', 'apps', 'v1', 'other', 'deployments', 'scale', 'foo', ['deployments', 'foo', 'scale']],
    ['GET', '/apis/apps/v1/deployments', 'list', 'apis', 'apps', 'v1', '', 'deployments', '', '', ['deployments']],
    ['GET', '/apis/apps/v1/watch/namespaces/other/deployments', 'watch', 'apis', 'apps', 'v1', 'other', 'deployments', '', '', ['deployments']],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 'create', 'apis', 'authorization.k8s.io', 'v1', '', 'selfsubjectaccessreviews', '', '', ['selfsubjectaccessreviews']],
    ['GET', '/api/v1/namespaces/other/pods/', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    // a namespaced path without the resource: the namespace object itself
    ['GET', '/api/v1/namespaces/other/', 'get', 'api', '', 'v1', 'other', 'namespaces', '', 'other', ['namespaces', 'other']],
  ];
  it.each(cases)('%s %s', (method, url, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts) => {
    const u = new URL(url, 'https://x');
    expect(info(method, url)).toEqual({
      isResourceRequest: true,
      path: u.pathname,
      verb,
      apiPrefix,
      apiGroup,
      apiVersion,
      namespace,
      resource,
      subresource,
      name,
      parts,
    });
  });
});

describe('parseRequestInfo: fieldSelector metadata.name narrows list/watch', () => {
  it.each([
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo', 'list', 'foo'],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3D%3Dfoo', 'list', 'foo'],
    ['/api/v1/namespaces/ns/pods?watch=true&fieldSelector=metadata.name%3Dfoo', 'watch', 'foo'],
    ['/api/v1/namespaces/ns/pods?fieldSelector=spec.nodeName%3Dn1,metadata.name%3Dfoo', 'list', 'foo'],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name!%3Dfoo', 'list', ''],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3D..', 'list', ''],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Da%2Fb', 'list', ''],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name', 'list', ''],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo&limit=abc', 'list', ''],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo&watch=1&timeoutSeconds=x', 'watch', ''],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo%5C,bar', 'list', 'foo,bar'],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo%5Cx', 'list', ''],
    ['/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo%3Dbar', 'list', ''],
  ])('%s', (url, verb, name) => {
    const i = info('GET', url);
    expect(i.verb).toBe(verb);
    expect(i.name).toBe(name);
  });

  it('does not narrow deletecollection or path-prefix watches', () => {
    expect(info('DELETE', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo')).toMatchObject({ verb: 'deletecollection', name: '' });
    expect(info('GET', '/api/v1/watch/namespaces/ns/pods?fieldSelector=metadata.name%3Dfoo')).toMatchObject({ verb: 'watch', name: '' });
  });
});

describe('parseRequestInfo: non-resource requests', () => {
  it.each([
    ['GET', '/', 'get', ''],
    ['GET', '/api', 'get', ''],
    ['GET', '/api/v1', 'get', ''],
    ['GET', '/apis', 'get', ''],
    ['GET', '/apis/apps', 'get', ''],
    ['GET', '/apis/apps/v1', 'get', 'apis'],
    ['GET', '/healthz', 'get', ''],
    ['GET', '/healthz/etcd', 'get', ''],
    ['POST', '/version', 'post', ''],
    ['HEAD', '/readyz', 'head', ''],
    ['GET', '/foo/v1/pods', 'get', ''],
    ['GET', '/openapi/v2', 'get', ''],
  ])('%s %s', (method, path, verb, apiPrefix) => {
    expect(info(method, path)).toEqual({
      isResourceRequest: false,
      path,
      verb,
      apiPrefix,
      apiGroup: '',
      apiVersion: '',
      namespace: '',
      resource: '',
      subresource: '',
      name: '',
      parts: [],
    });
  });

  it('rejects a special verb without a resource', () => {
    expect(() => info('GET', '/api/v1/watch')).toThrow(RequestInfoError);
    expect(() => info('GET', '/api/v1/proxy?x=1')).toThrow('unable to determine kind and namespace from url, /api/v1/proxy?x=1');
  });
});

describe('withRequestInfo', () => {
  it('stores the info and the long-running mark', async () => {
    const { ctx } = fakeContext({ url: '/api/v1/namespaces/a/pods?watch=true' });
    ctx.longRunning = false;
    let seen = false;
    await withRequestInfo()(async (c) => {
      seen = true;
      expect(c.info).toMatchObject({ verb: 'watch', namespace: 'a', resource: 'pods' });
      expect(c.longRunning).toBe(true);
    })(ctx);
    expect(seen).toBe(true);
  });

  it('answers 500 as upstream when the URL cannot be understood', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/watch' });
    await withRequestInfo()(async () => {
      throw new Error('not reached');
    })(ctx);
    expect(res.statusCode).toBe(500);
    expect(res.getHeader('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('Internal Server Error: "/api/v1/watch": failed to create RequestInfo: unable to determine kind and namespace from url, /api/v1/watch\n');
  });
});
