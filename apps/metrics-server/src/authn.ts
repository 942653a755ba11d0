/**
 * Delegated authentication of an aggregated API server, as k8s.io/apiserver's
 * DelegatingAuthenticatorConfig builds it: a union of
 *   1. the request-header authenticator — the client certificate must chain to the requestheader
 *      client CA (and its CN be one of the allowed names, if any); the user then comes from the
 *      username / uid / group / extra headers (X-Remote-User, X-Remote-Group, X-Remote-Extra-*);
 *   2. x509 client certificates chaining to the client CA (CN = user, O = groups);
 *   3. bearer tokens checked with a TokenReview (optional callback);
 * and then anonymous (system:anonymous) if nothing applied and nothing failed. A failure with no
 * success is an error (401). Authenticated users get the system:authenticated group.
 */
import { X509Certificate } from 'node:crypto';
import type { UserInfo } from '../../apiserver/src/http/context';

export type { UserInfo };

export interface RequestHeaderConfig {
  /** PEM bundle of the CA(s) that sign the front proxy's client certificate */
  clientCA: string;
  /** CNs the front proxy's certificate may have; empty = any */
  allowedNames: string[];
  usernameHeaders: string[];
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export interface AuthnConfig {
  requestHeader?: RequestHeaderConfig;
  /** PEM bundle for plain client-certificate authentication */
  clientCA?: string;
  anonymous: boolean;
  /** TokenReview; null = the token is not valid */
  tokenReview?: (token: string) => Promise<UserInfo | null>;
}

export interface AuthnRequest {
  /** DER certificates the client presented, leaf first */
  peerCertificates: Buffer[];
  /** lower-case header names, each with every value sent */
  headers: Record<string, string[] | undefined>;
}

export type AuthnResult = { ok: true; user: UserInfo } | { ok: false; reason: string };

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EKU_OID = '2.5.29.37.0';

export function splitPemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function validNow(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/**
 * Verify the presented chain against the roots for client authentication (Go x509.Verify with
 * ExtKeyUsageClientAuth): leaf → [intermediates] → root. Throws with Go's messages.
 */
export function verifyClientChain(chain: Buffer[], roots: X509Certificate[], now = Date.now()): X509Certificate {
  const certs = chain.map((d) => new X509Certificate(d));
  const leaf = certs[0];
  if (!validNow(leaf, now)) throw new Error('x509: certificate has expired or is not yet valid');
  const eku = leaf.keyUsage;
  if (Array.isArray(eku) && eku.length > 0 && !eku.includes(CLIENT_AUTH_OID) && !eku.includes(ANY_EKU_OID)) {
    throw new Error('x509: certificate specifies an incompatible key usage');
  }
  const reaches = (cert: X509Certificate, depth: number): boolean => {
    if (roots.some((r) => validNow(r, now) && issuedBy(cert, r))) return true;
    if (depth >= 4) return false;
    return certs.slice(1).some((inter) => inter !== cert && inter.ca && validNow(inter, now) && issuedBy(cert, inter) && reaches(inter, depth + 1));
  };
  if (!reaches(leaf, 0)) throw new Error('x509: certificate signed by unknown authority');
  return leaf;
}

/** CN and O values of a certificate's subject (Node prints one attribute per line). */
export function subjectOf(cert: X509Certificate): { cn: string; orgs: string[] } {
  let cn = '';
  const orgs: string[] = [];
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'CN') cn = value;
    else if (key === 'O') orgs.push(value);
  }
  return { cn, orgs };
}

function firstHeader(headers: AuthnRequest['headers'], names: string[]): string {
  for (const n of names) {
    for (const v of headers[n.toLowerCase()] ?? []) if (v.length > 0) return v;
  }
  return '';
}

function allHeaders(headers: AuthnRequest['headers'], names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) out.push(...(headers[n.toLowerCase()] ?? []));
  return out;
}

/** unescapeExtraKey: extra keys are percent-encoded in header names */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** The request-header part once the proxy certificate is trusted: null when no user header is set. */
export function userFromHeaders(cfg: RequestHeaderConfig, headers: AuthnRequest['headers']): UserInfo | null {
  const name = firstHeader(headers, cfg.usernameHeaders);
  if (!name) return null;
  const user: UserInfo = { name, groups: allHeaders(headers, cfg.groupHeaders) };
  const uid = firstHeader(headers, cfg.uidHeaders);
  if (uid) user.uid = uid;
  const extra: Record<string, string[]> = {};
  for (const prefix of cfg.extraHeaderPrefixes) {
    const p = prefix.toLowerCase();
    for (const [h, values] of Object.entries(headers)) {
      if (!h.startsWith(p) || h.length === p.length || !values) continue;
      const key = unescapeExtraKey(h.slice(p.length).toLowerCase());
      (extra[key] ??= []).push(...values);
    }
  }
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}

function addAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === ANONYMOUS.name || user.groups.includes('system:authenticated')) return user;
  return { ...user, groups: [...user.groups, 'system:authenticated'] };
}

export class DelegatingAuthenticator {
  private rhRoots: X509Certificate[] = [];
  private clientRoots: X509Certificate[] = [];

  constructor(private config: AuthnConfig) {
    this.update(config);
  }

  /** Swap in new CAs / header names (the extension-apiserver-authentication ConfigMap changed). */
  update(config: AuthnConfig): void {
    this.config = config;
    this.rhRoots = config.requestHeader?.clientCA ? splitPemBundle(config.requestHeader.clientCA) : [];
    this.clientRoots = config.clientCA ? splitPemBundle(config.clientCA) : [];
  }

  /** every CA a client certificate may chain to (for the TLS CertificateRequest) */
  trustedCAPems(): string[] {
    return [...this.rhRoots, ...this.clientRoots].map((c) => c.toString());
  }

  async authenticate(req: AuthnRequest): Promise<AuthnResult> {
    const errs: string[] = [];
    const rh = this.config.requestHeader;
    if (rh && this.rhRoots.length > 0 && req.peerCertificates.length > 0) {
      try {
        const leaf = verifyClientChain(req.peerCertificates, this.rhRoots);
        const { cn } = subjectOf(leaf);
        if (rh.allowedNames.length > 0 && !rh.allowedNames.includes(cn)) throw new Error(`x509: subject with cn=${cn} is not in the allowed list`);
        const user = userFromHeaders(rh, req.headers);
        if (user) return { ok: true, user: addAuthenticatedGroup(user) };
      } catch (e) {
        errs.push((e as Error).message);
      }
    }
    if (this.clientRoots.length > 0 && req.peerCertificates.length > 0) {
      try {
        const leaf = verifyClientChain(req.peerCertificates, this.clientRoots);
        const { cn, orgs } = subjectOf(leaf);
        if (cn) return { ok: true, user: addAuthenticatedGroup({ name: cn, groups: orgs }) };
      } catch (e) {
        errs.push(`verifying certificate failed: ${(e as Error).message}`);
      }
    }
    const auth = firstHeader(req.headers, ['authorization']);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m && this.config.tokenReview) {
      try {
        const user = await this.config.tokenReview(m[1]);
        if (user) return { ok: true, user: addAuthenticatedGroup(user) };
        errs.push('invalid bearer token');
      } catch (e) {
        errs.push((e as Error).message);
      }
    }
    if (errs.length > 0) return { ok: false, reason: errs.join(', ') };
    if (this.config.anonymous) return { ok: true, user: ANONYMOUS };
    return { ok: false, reason: 'no credentials' };
  }
}
