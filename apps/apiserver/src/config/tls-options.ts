/**
 * --tls-min-version and --tls-cipher-suites, as kube-apiserver's SecureServingOptions (component-base
 * cli/flag/ciphersuites_flag.go): Go's crypto/tls names, mapped here to OpenSSL's for Node's TLS server.
 *
 * - --tls-min-version: VersionTLS10 | VersionTLS11 | VersionTLS12 | VersionTLS13 (upstream accepts all
 *   four; empty = VersionTLS12, Go's server default); anything else → `unknown tls version "x"`.
 * - --tls-cipher-suites: Go names (and the two legacy CHACHA20 aliases); unknown → `Cipher suite X not
 *   supported or doesn't exist`; the ones Go calls insecure are accepted with upstream's warning
 *   `Use of insecure cipher 'X' detected.`. As in Go, the list only constrains TLS 1.2 and below: the
 *   TLS 1.3 suites stay enabled (Node takes both in one string, so they are always appended).
 */
import { flag } from './flags';
import { flagTypes } from './flag-types';

/** Go cipher-suite name → OpenSSL name; `insecure` = listed by Go's tls.InsecureCipherSuites(). */
const CIPHER_SUITES: Record<string, { openssl: string; insecure?: boolean }> = {
  // TLS 1.3 (not configurable in Go; accepted and ignored there, always on here)
  TLS_AES_128_GCM_SHA256: { openssl: 'TLS_AES_128_GCM_SHA256' },
  TLS_AES_256_GCM_SHA384: { openssl: 'TLS_AES_256_GCM_SHA384' },
  TLS_CHACHA20_POLY1305_SHA256: { openssl: 'TLS_CHACHA20_POLY1305_SHA256' },
  // TLS 1.0-1.2, secure per Go
  TLS_RSA_WITH_AES_128_CBC_SHA: { openssl: 'AES128-SHA' },
  TLS_RSA_WITH_AES_256_CBC_SHA: { openssl: 'AES256-SHA' },
  TLS_RSA_WITH_AES_128_GCM_SHA256: { openssl: 'AES128-GCM-SHA256' },
  TLS_RSA_WITH_AES_256_GCM_SHA384: { openssl: 'AES256-GCM-SHA384' },
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: { openssl: 'ECDHE-ECDSA-AES128-SHA' },
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: { openssl: 'ECDHE-ECDSA-AES256-SHA' },
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: { openssl: 'ECDHE-RSA-AES128-SHA' },
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: { openssl: 'ECDHE-RSA-AES256-SHA' },
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: { openssl: 'ECDHE-RSA-AES128-GCM-SHA256' },
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: { openssl: 'ECDHE-RSA-AES256-GCM-SHA384' },
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: { openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: { openssl: 'ECDHE-RSA-CHACHA20-POLY1305' },
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: { openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  // legacy names kept by upstream for backward compatibility
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: { openssl: 'ECDHE-RSA-CHACHA20-POLY1305' },
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: { openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  // insecure per Go (accepted with a warning)
  TLS_RSA_WITH_RC4_128_SHA: { openssl: 'RC4-SHA', insecure: true },
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: { openssl: 'DES-CBC3-SHA', insecure: true },
  TLS_RSA_WITH_AES_128_CBC_SHA256: { openssl: 'AES128-SHA256', insecure: true },
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: { openssl: 'ECDHE-ECDSA-RC4-SHA', insecure: true },
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: { openssl: 'ECDHE-RSA-RC4-SHA', insecure: true },
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: { openssl: 'ECDHE-RSA-DES-CBC3-SHA', insecure: true },
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: { openssl: 'ECDHE-ECDSA-AES128-SHA256', insecure: true },
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: { openssl: 'ECDHE-RSA-AES128-SHA256', insecure: true },
};

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

export type NodeTlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

const VERSIONS: Record<string, NodeTlsVersion> = {
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
};

const sorted = (names: string[]) => [...names].sort();
const preferred = sorted(Object.keys(CIPHER_SUITES).filter((n) => !CIPHER_SUITES[n].insecure));
const insecure = sorted(Object.keys(CIPHER_SUITES).filter((n) => CIPHER_SUITES[n].insecure));

export const tlsFlagSpecs = {
  tlsCipherSuites: flag({
    name: 'tls-cipher-suites',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage:
      'Comma-separated list of cipher suites for the server. If omitted, the default Go cipher suites will be used. \n' +
      `Preferred values: ${preferred.join(', ')}. \nInsecure values: ${insecure.join(', ')}.`,
  }),
  tlsMinVersion: flag({
    name: 'tls-min-version',
    type: flagTypes.string,
    default: '',
    usage: `Minimum TLS version supported. Possible values: ${sorted(Object.keys(VERSIONS)).join(', ')}`,
  }),
};

/** What the HTTPS server is given (Node tls.createServer options). */
export interface TlsServingConfig {
  minVersion: NodeTlsVersion;
  /** OpenSSL cipher string (TLS 1.3 suites first); absent = Node's defaults */
  ciphers?: string;
  /** the --tls-cipher-suites names Go calls insecure (warned about at start) */
  insecureCipherSuites?: string[];
}

/** cliflag.TLSVersion: '' → default (VersionTLS12 here). */
export function tlsVersion(name: string): NodeTlsVersion {
  if (name === '') return 'TLSv1.2';
  const v = VERSIONS[name];
  if (!v) throw new Error(`unknown tls version ${JSON.stringify(name)}`);
  return v;
}

/** cliflag.TLSCipherSuites, mapped to an OpenSSL cipher string. */
export function tlsCipherSuites(names: string[]): { ciphers: string; insecure: string[] } | undefined {
  if (names.length === 0) return undefined;
  const out: string[] = [...TLS13_SUITES];
  const bad: string[] = [];
  for (const name of names) {
    const s = Object.prototype.hasOwnProperty.call(CIPHER_SUITES, name) ? CIPHER_SUITES[name] : undefined;
    if (!s) throw new Error(`Cipher suite ${name} not supported or doesn't exist`);
    if (s.insecure) bad.push(name);
    if (!out.includes(s.openssl)) out.push(s.openssl);
  }
  return { ciphers: out.join(':'), insecure: bad };
}

export function tlsServingConfigFrom(v: { tlsMinVersion: string; tlsCipherSuites: string[] }): TlsServingConfig {
  const minVersion = tlsVersion(v.tlsMinVersion);
  const suites = tlsCipherSuites(v.tlsCipherSuites);
  return { minVersion, ...(suites ? { ciphers: suites.ciphers, ...(suites.insecure.length ? { insecureCipherSuites: suites.insecure } : {}) } : {}) };
}

/** Upstream's start-up warning for each insecure suite. */
export function insecureCipherWarnings(c: TlsServingConfig | undefined): string[] {
  return (c?.insecureCipherSuites ?? []).map((n) => `Use of insecure cipher '${n}' detected.`);
}
