import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert, type CertificateAuthority } from '../../../libs/pki/src';
import { DelegatingAuthenticator, type RequestHeaderConfig, userFromHeaders } from './authn';
import { authnFromConfigMap } from './authn-config';

const der = (pem: string) => new X509Certificate(pem).raw;
let frontCA: CertificateAuthority;
let clientCA: CertificateAuthority;
let proxyCert: Buffer;
let otherProxyCert: Buffer;
let userCert: Buffer;
let serverCert: Buffer;

const rh = (over: Partial<RequestHeaderConfig> = {}): RequestHeaderConfig => ({
  clientCA: frontCA.certPem,
  allowedNames: ['front-proxy-client'],
  usernameHeaders: ['X-Remote-User'],
  uidHeaders: [],
  groupHeaders: ['X-Remote-Group'],
  extraHeaderPrefixes: ['X-Remote-Extra-'],
  ...over,
});

beforeAll(async () => {
  frontCA = await createCA({ commonName: 'front-proxy-ca' });
  clientCA = await createCA({ commonName: 'client-ca' });
  proxyCert = der((await issueCert(frontCA, { commonName: 'front-proxy-client', usage: 'client' })).certPem);
  otherProxyCert = der((await issueCert(frontCA, { commonName: 'someone-else', usage: 'client' })).certPem);
  serverCert = der((await issueCert(frontCA, { commonName: 'front-proxy-client', usage: 'server' })).certPem);
  userCert = der((await issueCert(clientCA, { commonName: 'alice', organizations: ['dev', 'ops'], usage: 'client' })).certPem);
});

describe('request-header authentication', () => {
  it('takes the user, groups and extra from the headers once the proxy certificate verifies', async () => {
    const a = new DelegatingAuthenticator({ requestHeader: rh(), anonymous: true });
    const r = await a.authenticate({
      peerCertificates: [proxyCert],
      headers: { 'x-remote-user': ['bob'], 'x-remote-group': ['g1', 'g2'], 'x-remote-extra-scopes': ['a', 'b'], 'x-remote-extra-acme.com%2fproject': ['p'] },
    });
    expect(r).toEqual({ ok: true, user: { name: 'bob', groups: ['g1', 'g2', 'system:authenticated'], extra: { scopes: ['a', 'b'], 'acme.com/project': ['p'] } } });
  });

  it('rejects a proxy certificate whose CN is not allowed, or from another CA, or not for client auth', async () => {
    const a = new DelegatingAuthenticator({ requestHeader: rh(), anonymous: true });
    expect(await a.authenticate({ peerCertificates: [otherProxyCert], headers: { 'x-remote-user': ['bob'] } })).toEqual({
      ok: false,
      reason: 'x509: subject with cn=someone-else is not in the allowed list',
    });
    expect(await a.authenticate({ peerCertificates: [userCert], headers: { 'x-remote-user': ['bob'] } })).toEqual({ ok: false, reason: 'x509: certificate signed by unknown authority' });
    expect(await a.authenticate({ peerCertificates: [serverCert], headers: { 'x-remote-user': ['bob'] } })).toEqual({
      ok: false,
      reason: 'x509: certificate specifies an incompatible key usage',
    });
    // any CN when no allowed names are configured
    const any = new DelegatingAuthenticator({ requestHeader: rh({ allowedNames: [] }), anonymous: true });
    expect(await any.authenticate({ peerCertificates: [otherProxyCert], headers: { 'x-remote-user': ['bob'] } })).toMatchObject({ ok: true, user: { name: 'bob' } });
  });

  it('headers without a trusted certificate are ignored (anonymous), never trusted', async () => {
    const a = new DelegatingAuthenticator({ requestHeader: rh(), anonymous: true });
    expect(await a.authenticate({ peerCertificates: [], headers: { 'x-remote-user': ['root'], 'x-remote-group': ['system:masters'] } })).toEqual({
      ok: true,
      user: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
    });
    const strict = new DelegatingAuthenticator({ requestHeader: rh(), anonymous: false });
    expect((await strict.authenticate({ peerCertificates: [], headers: { 'x-remote-user': ['root'] } })).ok).toBe(false);
  });

  it('client certificates from the client CA authenticate as CN / O', async () => {
    const a = new DelegatingAuthenticator({ requestHeader: rh(), clientCA: clientCA.certPem, anonymous: false });
    expect(await a.authenticate({ peerCertificates: [userCert], headers: {} })).toEqual({ ok: true, user: { name: 'alice', groups: ['dev', 'ops', 'system:authenticated'] } });
    // the proxy certificate without a user header is not a user of its own
    expect((await a.authenticate({ peerCertificates: [proxyCert], headers: {} })).ok).toBe(false);
  });

  it('bearer tokens go to the TokenReview', async () => {
    const a = new DelegatingAuthenticator({ anonymous: true, tokenReview: async (t) => (t === 'good' ? { name: 'sa', groups: ['system:serviceaccounts'] } : null) });
    expect(await a.authenticate({ peerCertificates: [], headers: { authorization: ['Bearer good'] } })).toEqual({
      ok: true,
      user: { name: 'sa', groups: ['system:serviceaccounts', 'system:authenticated'] },
    });
    expect(await a.authenticate({ peerCertificates: [], headers: { authorization: ['Bearer bad'] } })).toEqual({ ok: false, reason: 'invalid bearer token' });
  });

  it('uid and first non-empty username header', () => {
    expect(userFromHeaders(rh({ usernameHeaders: ['X-A', 'X-B'], uidHeaders: ['X-Remote-Uid'] }), { 'x-a': [''], 'x-b': ['carol'], 'x-remote-uid': ['u-1'] })).toEqual({
      name: 'carol',
      uid: 'u-1',
      groups: [],
    });
    expect(userFromHeaders(rh(), {})).toBeNull();
  });

  it('reads the extension-apiserver-authentication ConfigMap', () => {
    const cfg = authnFromConfigMap({
      'client-ca-file': 'CLIENT',
      'requestheader-client-ca-file': 'FRONT',
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
    });
    expect(cfg).toEqual({
      clientCA: 'CLIENT',
      requestHeader: { clientCA: 'FRONT', allowedNames: ['front-proxy-client'], usernameHeaders: ['X-Remote-User'], uidHeaders: [], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] },
    });
    expect(authnFromConfigMap(undefined)).toEqual({});
  });
});
