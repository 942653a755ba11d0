import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCA, loadCA } from './certificate-authority';
import { importPrivateKeyPem } from './crypto';
import { parseCertSubject, reuseProblem } from './inspect';
import { issueCert, issueClientCert, servingCertNames } from './issue';
import { buildKubeconfig } from './kubeconfig';
import { parse as parseYaml } from 'yaml';

describe('keys', () => {
  it('imports PKCS#8, SEC1 EC and PKCS#1 RSA private keys', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect((await importPrivateKeyPem(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)).algorithm.name).toBe('ECDSA');
    expect((await importPrivateKeyPem(ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string)).algorithm.name).toBe('ECDSA');
    expect((await importPrivateKeyPem(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string)).algorithm.name).toBe('RSASSA-PKCS1-v1_5');
  });
});

describe('CA and issuing', () => {
  it('a reloaded CA keeps issuing valid certificates', async () => {
    const created = await createCA({ commonName: 'test-ca' });
    const ca = await loadCA(created.certPem, created.keyPem);
    const leaf = await issueCert(ca, { commonName: 'svc', dnsNames: ['svc.local'], ipAddresses: ['::1'], usage: 'server' });
    const x = new X509Certificate(leaf.certPem);
    expect(x.checkIssued(new X509Certificate(created.certPem))).toBe(true);
    expect(x.checkIP('::1')).toBe('::1');
    expect(reuseProblem(leaf.certPem, leaf.keyPem, { caCertPem: created.certPem, requiredNames: ['svc.local', '::1'] })).toBeNull();
    expect(reuseProblem(leaf.certPem, leaf.keyPem, { caCertPem: created.certPem, requiredNames: ['10.0.0.1'] })).toBe('does not cover 10.0.0.1');
    const other = await issueClientCert(ca, { cn: 'x' });
    expect(reuseProblem(leaf.certPem, other.keyPem, { caCertPem: created.certPem })).toBe('private key does not match');
    expect(reuseProblem(leaf.certPem, leaf.keyPem, { caCertPem: created.certPem, now: Date.now() + 400 * 86_400_000 })).toBe('expired or about to expire');
  });

  it('client certificates carry user and groups', async () => {
    const ca = await createCA();
    const c = await issueClientCert(ca, { cn: 'jane', orgs: ['a', 'b'] });
    const x = new X509Certificate(c.certPem);
    expect(x.subject.split('\n').sort()).toEqual(['CN=jane', 'O=a', 'O=b']);
  });

  it('serving names always include the in-cluster names', () => {
    expect(servingCertNames('10.0.0.5', ['example.com', '10.0.0.5'])).toEqual({
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'example.com'],
      ipAddresses: ['127.0.0.1', '10.0.0.5'],
    });
  });
});

describe('parseCertSubject', () => {
  it('reads CN and O as string or array', () => {
    expect(parseCertSubject({ subject: { CN: 'admin', O: 'system:masters' } })).toEqual({ commonName: 'admin', organizations: ['system:masters'] });
    expect(parseCertSubject({ subject: { CN: 'bob', O: ['a', 'b'] } })).toEqual({ commonName: 'bob', organizations: ['a', 'b'] });
    expect(parseCertSubject({})).toEqual({ commonName: '', organizations: [] });
    expect(parseCertSubject(null)).toEqual({ commonName: '', organizations: [] });
  });
});

describe('buildKubeconfig', () => {
  it('embeds base64 data and names entries', () => {
    const kc = parseYaml(buildKubeconfig({ server: 'https://[::1]:6443', caPem: 'CA', certPem: 'CERT', keyPem: 'KEY', user: 'bob', cluster: 'c1' }));
    expect(kc).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c1', cluster: { server: 'https://[::1]:6443', 'certificate-authority-data': 'Q0E=' } }],
      contexts: [{ name: 'c1', context: { cluster: 'c1', user: 'bob' } }],
      'current-context': 'c1',
      preferences: {},
      users: [{ name: 'bob', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
    });
  });
});
