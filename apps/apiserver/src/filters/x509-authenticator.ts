/**
 * Client-certificate authentication, as upstream's x509 authenticator with CommonNameUserConversion:
 * the server is created with `requestCert: true, rejectUnauthorized: false, ca: <client CA>`, so
 * Node has already verified the chain; here CN → user name, O → groups.
 * No certificate (or no CN) → null; a certificate that does not verify or is not for client auth → throws.
 */
import type { TLSSocket } from 'node:tls';
import type { RequestContext, UserInfo } from '../http/context';
import { parseCertSubject } from '../../../../libs/pki/src/inspect';
import { AuthenticationError, type Authenticator } from './types';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EKU_OID = '2.5.29.37.0';

function isTLSSocket(s: unknown): s is TLSSocket {
  return typeof s === 'object' && s !== null && typeof (s as TLSSocket).getPeerCertificate === 'function';
}

export class X509Authenticator implements Authenticator {
  async authenticate(ctx: RequestContext): Promise<UserInfo | null> {
    const socket: unknown = ctx.req.socket;
    if (!isTLSSocket(socket)) return null;
    const cert = socket.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return null;
    if (!socket.authorized) {
      throw new AuthenticationError(`verifying certificate ${JSON.stringify(cert.subject ?? {})} failed: ${String(socket.authorizationError ?? 'unknown error')}`);
    }
    const eku = cert.ext_key_usage;
    if (Array.isArray(eku) && eku.length > 0 && !eku.includes(CLIENT_AUTH_OID) && !eku.includes(ANY_EKU_OID)) {
      throw new AuthenticationError('x509: certificate specifies an incompatible key usage');
    }
    const { commonName, organizations } = parseCertSubject(cert as { subject?: Record<string, string | string[] | undefined> });
    if (!commonName) return null;
    return { name: commonName, groups: organizations };
  }
}
