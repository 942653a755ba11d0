import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseApiserverFlags } from '../config';

const ETCD = '--etcd-servers=http://127.0.0.1:2379';
const dir = mkdtempSync(join(tmpdir(), 'authn-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('authentication flags', () => {
  it('defaults the issuer and the API audiences', () => {
    const c = parseApiserverFlags([ETCD]).authn!;
    expect(c.serviceAccountIssuers).toEqual(['https://kubernetes.default.svc.cluster.local']);
    expect(c.apiAudiences).toEqual(['https://kubernetes.default.svc.cluster.local']);
    expect(c.serviceAccountLookup).toBe(true);
    expect(c.enableBootstrapTokenAuth).toBe(false);
  });

  it('takes repeated issuers and key files (stringArray), audiences as a list', () => {
    const c = parseApiserverFlags([
      ETCD,
      '--service-account-issuer=https://a.example',
      '--service-account-issuer=https://b.example,x',
      '--service-account-key-file=/k1',
      '--service-account-key-file=/k2',
      '--api-audiences=api,vault',
      '--service-account-max-token-expiration=2h',
    ]).authn!;
    expect(c.serviceAccountIssuers).toEqual(['https://a.example', 'https://b.example,x']);
    expect(c.serviceAccountKeyFiles).toEqual(['/k1', '/k2']);
    expect(c.apiAudiences).toEqual(['api', 'vault']);
    expect(c.serviceAccountMaxTokenExpirationSeconds).toBe(7200);
  });

  it('rejects bad values with upstream messages', () => {
    expect(() => parseApiserverFlags([ETCD, '--service-account-issuer=https://a', '--service-account-issuer=https://a'])).toThrow(
      'service-account-issuer "https://a" is already specified',
    );
    expect(() => parseApiserverFlags([ETCD, '--service-account-max-token-expiration=10m'])).toThrow(
      'the service-account-max-token-expiration must be between 1 hour and 2^32 seconds',
    );
  });

  it('reads the token file at start and reports its errors', () => {
    const good = join(dir, 'good.csv');
    writeFileSync(good, 't1,alice,1,"a,b"\n');
    expect(parseApiserverFlags([ETCD, `--token-auth-file=${good}`]).authn!.tokenFileUsers?.get('t1')).toEqual({ name: 'alice', uid: '1', groups: ['a', 'b'] });
    const short = join(dir, 'short.csv');
    writeFileSync(short, 't1,alice\n');
    expect(() => parseApiserverFlags([ETCD, `--token-auth-file=${short}`])).toThrow(
      `invalid authentication config: token file '${short}' must have at least 3 columns (token, user name, user uid), found 2`,
    );
    const quote = join(dir, 'quote.csv');
    writeFileSync(quote, 't1,al"ice,1\n');
    expect(() => parseApiserverFlags([ETCD, `--token-auth-file=${quote}`])).toThrow('invalid authentication config: parse error on line 1, column 6: bare " in non-quoted-field');
    expect(() => parseApiserverFlags([ETCD, `--token-auth-file=${join(dir, 'missing.csv')}`])).toThrow(`open ${join(dir, 'missing.csv')}: no such file or directory`);
  });
});
