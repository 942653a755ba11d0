import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApiserverFlags } from '../config/apiserver-options';
import { FlagError } from '../config/flags';
import { aggregatorConfigFrom, aggregatorFlagSpecs, type AggregatorFlagValues } from './options';

const defaults = () => Object.fromEntries(Object.entries(aggregatorFlagSpecs).map(([k, d]) => [k, d.default])) as AggregatorFlagValues;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('aggregator flags', () => {
  it('are parsed with the other kube-apiserver flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agg-opts-'));
    writeFileSync(join(dir, 'ca.crt'), PEM);
    const c = parseApiserverFlags([
      '--etcd-servers=http://127.0.0.1:2379',
      `--requestheader-client-ca-file=${join(dir, 'ca.crt')}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--enable-aggregator-routing',
    ]);
    expect(c.aggregator?.requestHeader).toMatchObject({ clientCA: PEM, allowedNames: ['front-proxy-client'], usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] });
    expect(c.aggregator?.enableAggregatorRouting).toBe(true);
  });

  it('request-header authentication is off without the CA; errors and warnings as upstream', () => {
    expect(aggregatorConfigFrom(defaults()).requestHeader).toBeUndefined();
    expect(() => aggregatorConfigFrom({ ...defaults(), proxyClientCertFile: '/x' })).toThrow(FlagError);
    expect(() => aggregatorConfigFrom({ ...defaults(), requestheaderClientCAFile: '/nonexistent/ca.crt' })).toThrow('--requestheader-client-ca-file: open /nonexistent/ca.crt: no such file or directory');
    const warnings: string[] = [];
    aggregatorConfigFrom({ ...defaults(), requestheaderUsernameHeaders: ['X-User'] }, (m) => warnings.push(m));
    expect(warnings).toEqual(['--requestheader-username-headers is set without specifying the standard X-Remote-User header - API aggregation will not work']);
  });
});
