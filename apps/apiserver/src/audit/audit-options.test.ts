import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApiserverFlags } from '../config/apiserver-options';
import { FlagError } from '../config/flags';

const ETCD = '--etcd-servers=http://127.0.0.1:2379';
const dir = mkdtempSync(join(tmpdir(), 'audit-flags-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('--audit-* and --encryption-provider-config flags', () => {
  it('no audit flags: no audit config, no encryption', () => {
    const cfg = parseApiserverFlags([ETCD]);
    expect(cfg.audit).toBeUndefined();
    expect(cfg.encryption).toBeUndefined();
  });

  it('parses the audit flags with upstream defaults', () => {
    const policy = file('p.yaml', 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]\n');
    const cfg = parseApiserverFlags([ETCD, `--audit-policy-file=${policy}`, '--audit-log-path=-', '--audit-log-maxsize=5', '--audit-webhook-batch-max-wait=2s', '--redis-url=redis://127.0.0.1:6379']);
    expect(cfg.audit).toMatchObject({
      policyFile: policy,
      policy: { rules: [{ level: 'Metadata' }] },
      logPath: '-',
      logMaxSize: 5,
      logMaxAge: 0,
      logMaxBackup: 0,
      logFormat: 'json',
      webhookMode: 'batch',
      webhookBatchMaxSize: 400,
      webhookBatchMaxWaitMs: 2000,
      webhookInitialBackoffMs: 10_000,
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it('rejects bad values and bad files as FlagErrors', () => {
    const err = (argv: string[]) => {
      try {
        parseApiserverFlags([ETCD, ...argv]);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    };
    expect(err(['--audit-log-format=xml']).message).toContain('invalid value "xml" for --audit-log-format, must be one of legacy, json');
    expect(err(['--audit-log-path=/x', '--audit-log-maxage=-1'])).toBeInstanceOf(FlagError);
    const empty = file('empty.yaml', 'apiVersion: audit.k8s.io/v1\nkind: Policy\n');
    expect(err([`--audit-policy-file=${empty}`]).message).toBe(`loading audit policy file: loaded illegal policy with 0 rules from file ${empty}`);
    const kms = file('kms.yaml', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{kms: {name: k}}]}]\n');
    const e = err([`--encryption-provider-config=${kms}`]);
    expect(e).toBeInstanceOf(FlagError);
    expect(e.message).toMatch(/^--encryption-provider-config: resources\[0\]\.providers\[0\]\.kms: Unsupported value/);
    expect(err(['--encryption-provider-config=/nonexistent/enc.yaml']).message).toContain('error opening encryption provider configuration file "/nonexistent/enc.yaml"');
  });

  it('a valid encryption configuration is parsed at flag time', () => {
    const enc = file('enc.yaml', `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{secretbox: {keys: [{name: k, secret: ${Buffer.alloc(32).toString('base64')}}]}}]}]\n`);
    const cfg = parseApiserverFlags([ETCD, `--encryption-provider-config=${enc}`]);
    expect(cfg.encryptionProviderConfig).toBe(enc);
    expect(cfg.encryption?.rules[0].resources).toEqual(['secrets']);
  });
});
