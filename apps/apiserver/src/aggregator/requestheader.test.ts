import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../../libs/pki/src';
import type { RequestContext, UserInfo } from '../http/context';
import type { Authenticator } from '../filters/types';
import { chainSignedBy, loadCABundle, withRequestHeaderAuthentication } from './requestheader';
import type { RequestHeaderConfig } from './options';

let frontCA: string;
let clientCA: string;
let frontCert: string;
let otherFront: string;
let userCert: string;

beforeAll(async () => {
  const f = await createCA({ commonName: 'front-proxy-ca' });
  const c = await createCA({ commonName: 'cluster-ca' });
  frontCA = f.certPem;
  clientCA = c.certPem;
  frontCert = (await issueCert(f, { commonName: 'front-proxy-client', usage: 'client' })).certPem;
  otherFront = (await issueCert(f, { commonName: 'someone-else', usage: 'client' })).certPem;
  userCert = (await issueCert(c, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' })).certPem;
});

function ctx(certPem: string | undefined, headers: Record<string, string | string[]> = {}): RequestContext {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const peer = certPem
    ? (() => {
        const x = new X509Certificate(certPem);
        return { raw: x.raw, subject: Object.fromEntries(x.subject.split('\n').map((l) => l.split('='))), ext_key_usage: ['1.3.6.1.5.5.7.3.2'] };
      })()
    : {};
  const req = {
    socket: { authorized: !!certPem, getPeerCertificate: () => peer },
    headers: Object.fromEntries(Object.entries(lower).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
    headersDistinct: Object.fromEntries(Object.entries(lower).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
  };
  return { req } as unknown as RequestContext;
}

const x509: Authenticator = { authenticate: async () => ({ name: 'x509-user', groups: [] }) };

const config = (): RequestHeaderConfig => ({
  clientCAFile: 'front.crt',
  clientCA: frontCA,
  allowedNames: ['front-proxy-client'],
  usernameHeaders: ['X-Remote-User'],
  groupHeaders: ['X-Remote-Group'],
  extraHeaderPrefixes: ['X-Remote-Extra-'],
});

describe('request-header authentication', () => {
  it('checks which CA signed a certificate', () => {
    const peer = { raw: new X509Certificate(frontCert).raw } as never;
    expect(chainSignedBy(peer, loadCABundle(frontCA))).toBe(true);
    expect(chainSignedBy(peer, loadCABundle(clientCA))).toBe(false);
    expect(loadCABundle(frontCA + clientCA)).toHaveLength(2);
  });

  it('takes the user, groups and extra from the headers of a front-proxy request, then removes them', async () => {
    const a = withRequestHeaderAuthentication(x509, config(), () => clientCA);
    const c = ctx(frontCert, { 'X-Remote-User': 'jane', 'X-Remote-Group': ['dev', 'ops'], 'X-Remote-Extra-Scopes': 'a', 'X-Remote-Extra-Example.org%2fkey': 'b' });
    const user = (await a.authenticate(c)) as UserInfo;
    expect(user).toEqual({ name: 'jane', groups: ['dev', 'ops'], extra: { scopes: ['a'], 'example.org/key': ['b'] } });
    expect(Object.keys(c.req.headers)).toEqual([]);
  });

  it('refuses front-proxy certificates not in allowed-names or without a user header; passes client-CA certificates to x509', async () => {
    const a = withRequestHeaderAuthentication(x509, config(), () => clientCA);
    await expect(a.authenticate(ctx(otherFront, { 'X-Remote-User': 'jane' }))).rejects.toThrow('x509: subject with cn=someone-else is not in the allowed list');
    await expect(a.authenticate(ctx(frontCert))).rejects.toThrow('certificate signed by unknown authority');
    expect(await a.authenticate(ctx(userCert, { 'X-Remote-User': 'jane' }))).toEqual({ name: 'x509-user', groups: [] });
    expect(await a.authenticate(ctx(undefined, { 'X-Remote-User': 'jane' }))).toEqual({ name: 'x509-user', groups: [] });
  });

  it('is x509 alone when not configured', () => {
    expect(withRequestHeaderAuthentication(x509, undefined, () => clientCA)).toBe(x509);
  });
});
