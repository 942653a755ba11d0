/**
 * Request-header authentication (upstream's requestheader authenticator, in front of x509): a
 * request whose client certificate chains to --requestheader-client-ca-file (and whose CN is in
 * --requestheader-allowed-names, when set) is authenticated as the user named by the first
 * non-empty --requestheader-username-headers header, with every value of the group headers as
 * groups and the `<prefix><key>` headers as extra (key lower-cased and path-unescaped). The
 * headers are removed from the request afterwards. Without a username header (or with a
 * certificate only the front-proxy CA signed that is not allowed) it falls through to x509, which
 * then refuses a certificate the client CA did not sign.
 *
 * The HTTPS server trusts both CAs (main.ts), so which CA signed a certificate is checked here.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { parseCertSubject } from '../../../../libs/pki/src/inspect';
import type { RequestContext, UserInfo } from '../http/context';
import { AuthenticationError, type Authenticator } from '../filters/types';
import type { RequestHeaderConfig } from './options';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EKU_OID = '2.5.29.37.0';

/** The certificates of a PEM bundle (unreadable blocks skipped). */
export function loadCABundle(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)) {
    try {
      out.push(new X509Certificate(m[0]));
    } catch {
      /* skip */
    }
  }
  return out;
}

function issuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  if (cert.fingerprint256 === ca.fingerprint256) return true;
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Whether the peer's chain (as Node built it) reaches one of `cas`. */
export function chainSignedBy(peer: DetailedPeerCertificate, cas: X509Certificate[]): boolean {
  if (!cas.length || !peer?.raw) return false;
  let cur: DetailedPeerCertificate | undefined = peer;
  for (let depth = 0; cur?.raw && depth < 10; depth++) {
    let x: X509Certificate;
    try {
      x = new X509Certificate(cur.raw);
    } catch {
      return false;
    }
    if (cas.some((ca) => issuedBy(x, ca))) return true;
    const next: DetailedPeerCertificate | undefined = cur.issuerCertificate;
    if (!next || next === cur || next.fingerprint256 === cur.fingerprint256) break;
    cur = next;
  }
  return false;
}

function firstValue(req: IncomingMessage, name: string): string {
  const v = req.headersDistinct?.[name.toLowerCase()] ?? [];
  for (const s of v) if (s.length > 0) return s;
  return '';
}

function unescapeExtraKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}

/** The user the headers name, or null without a username; `clear` removes the headers from the request. */
export function userFromHeaders(req: IncomingMessage, rh: Pick<RequestHeaderConfig, 'usernameHeaders' | 'groupHeaders' | 'extraHeaderPrefixes'>): UserInfo | null {
  let name = '';
  for (const h of rh.usernameHeaders) {
    name = firstValue(req, h);
    if (name) break;
  }
  if (!name) return null;
  const groups: string[] = [];
  for (const h of rh.groupHeaders) groups.push(...(req.headersDistinct?.[h.toLowerCase()] ?? []));
  const extra: Record<string, string[]> = {};
  const prefixes = rh.extraHeaderPrefixes.map((p) => p.toLowerCase());
  for (const [header, values] of Object.entries(req.headersDistinct ?? {})) {
    for (const p of prefixes) {
      if (!p || !header.startsWith(p)) continue;
      const key = unescapeExtraKey(header.slice(p.length).toLowerCase());
      (extra[key] ??= []).push(...(values ?? []));
    }
  }
  const user: UserInfo = { name, groups };
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}

/** upstream ClearAuthenticationHeaders */
export function clearRequestHeaders(req: IncomingMessage, rh: Pick<RequestHeaderConfig, 'usernameHeaders' | 'groupHeaders' | 'extraHeaderPrefixes'>): void {
  for (const h of [...rh.usernameHeaders, ...rh.groupHeaders]) delete req.headers[h.toLowerCase()];
  const prefixes = rh.extraHeaderPrefixes.map((p) => p.toLowerCase()).filter(Boolean);
  for (const k of Object.keys(req.headers)) if (prefixes.some((p) => k.startsWith(p))) delete req.headers[k];
}

function isTLSSocket(s: unknown): s is TLSSocket {
  return typeof s === 'object' && s !== null && typeof (s as TLSSocket).getPeerCertificate === 'function';
}

/**
 * Wraps the x509 authenticator: request-header authentication first (when configured), then x509
 * for certificates the client CA signed. `clientCA` is the PEM of --client-ca-file (or the generated CA).
 */
export function withRequestHeaderAuthentication(x509: Authenticator, rh: RequestHeaderConfig | undefined, clientCA: () => string): Authenticator {
  if (!rh) return x509;
  const rhCAs = loadCABundle(rh.clientCA);
  let clientCAs: X509Certificate[] | undefined;
  return {
    async authenticate(ctx: RequestContext): Promise<UserInfo | null> {
      const socket: unknown = ctx.req.socket;
      if (!isTLSSocket(socket)) return x509.authenticate(ctx);
      const cert = socket.getPeerCertificate(true);
      if (!cert || Object.keys(cert).length === 0 || !socket.authorized || !chainSignedBy(cert, rhCAs)) return x509.authenticate(ctx);
      const { commonName } = parseCertSubject(cert as { subject?: Record<string, string | string[] | undefined> });
      const eku = cert.ext_key_usage;
      const clientAuth = !Array.isArray(eku) || eku.length === 0 || eku.includes(CLIENT_AUTH_OID) || eku.includes(ANY_EKU_OID);
      const allowed = rh.allowedNames.length === 0 || rh.allowedNames.includes(commonName);
      let failure: string | undefined;
      if (!clientAuth) failure = 'x509: certificate specifies an incompatible key usage';
      else if (!allowed) failure = `x509: subject with cn=${commonName} is not in the allowed list`;
      else {
        const user = userFromHeaders(ctx.req, rh);
        if (user) {
          clearRequestHeaders(ctx.req, rh);
          return user;
        }
      }
      clientCAs ??= loadCABundle(clientCA());
      if (chainSignedBy(cert, clientCAs)) return x509.authenticate(ctx);
      throw new AuthenticationError(failure ?? 'verifying certificate failed: x509: certificate signed by unknown authority');
    },
  };
}
