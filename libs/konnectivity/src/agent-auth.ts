/**
 * Who an agent is, and what it may claim.
 *
 * Authentication (as upstream proxy-server): with `agentAuth` set, every AgentService/Connect
 * stream must carry exactly one `authorization: Bearer <token>` metadata entry; the server creates a
 * TokenReview for it (audience `--authentication-audience`) and accepts only the service account
 * `system:serviceaccount:<--agent-namespace>:<--agent-service-account>`. Failures are upstream's
 * error texts; upstream returns them as plain Go errors, i.e. gRPC status UNKNOWN.
 * Without token auth, agents are identified by their client certificate when the agent port uses
 * mutual TLS, and not at all otherwise.
 *
 * Identity binding (Kubernest; upstream trusts whatever the agent claims): the credentials name a
 * node and addresses, and the agent's `agentid` and `agentidentifiers` must stay within them:
 * - certificate: node = N from CN `system:node:N`; hosts = N and the SAN DNS names; IPs = the SAN
 *   IP addresses;
 * - token: node = the TokenReview's `authentication.kubernetes.io/node-name` extra (a token bound to
 *   a Node, or to a Pod scheduled on one); hosts = N and the Node's Hostname addresses; IPs = the
 *   Node's status.addresses; CIDRs = the Node's spec.podCIDRs (when the server can read the Node).
 * Then: `agentid` must be one of the hosts, or `<host>/<anything>`, when there is any host (else it
 * is free); `host=` must be one of the hosts; `ipv4=`/`ipv6=` one of the IPs; `cidr=` inside one
 * of the CIDRs or a single allowed IP (/32, /128); `default-route=true` names no node and is
 * allowed. An agent without credentials (plaintext agent port, no token auth) has nothing to bind
 * to and is not checked. A violation refuses the stream with PERMISSION_DENIED.
 */
import type { PeerCertificate } from 'node:tls';
import { BlockList, isIP } from 'node:net';
import type { AgentIdentifiers } from './identifiers';

/** upstream header.AuthenticationTokenContextSchemePrefix */
export const BEARER_PREFIX = 'Bearer ';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';

/** The parts of a TokenReview status the server uses (authentication.k8s.io/v1). */
export interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
}

/** Creates a TokenReview {token, audiences} and returns its status (throws when the request fails). */
export type TokenReviewer = (token: string, audiences: string[]) => Promise<TokenReviewStatus>;

/** The addresses of a Node (undefined: not found / not readable). */
export type NodeLookup = (name: string) => Promise<{ hosts: string[]; ips: string[]; cidrs: string[] } | undefined>;

export interface AgentTokenAuthOptions {
  namespace: string;
  serviceAccount: string;
  audience: string;
  review: TokenReviewer;
  lookupNode?: NodeLookup;
}

export interface AgentIdentity {
  via: 'certificate' | 'token' | 'none';
  /** certificate CN, or the service account user name */
  subject: string;
  /** the node the credentials name ('' = none) */
  node: string;
  hosts: string[];
  ips: string[];
  cidrs: string[];
}

export const ANONYMOUS_AGENT: AgentIdentity = { via: 'none', subject: '', node: '', hosts: [], ips: [], cidrs: [] };

/** An agent refused: gRPC status code, message, and the metric reason. */
export class AgentRejected extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason: 'authentication_failed' | 'identity_mismatch',
  ) {
    super(message);
    this.name = 'AgentRejected';
  }
}

const GRPC_UNKNOWN = 2;
const GRPC_PERMISSION_DENIED = 7;

/** upstream authenticateAgentViaToken + validateAuthToken, message for message */
export async function authenticateAgentToken(authorization: string[], o: AgentTokenAuthOptions): Promise<AgentIdentity> {
  const fail = (m: string) => new AgentRejected(GRPC_UNKNOWN, m, 'authentication_failed');
  if (authorization.length === 0) throw fail('Authentication context was not found in metadata');
  if (authorization.length > 1) throw fail(`too many (${authorization.length}) tokens are received`);
  if (!authorization[0].startsWith(BEARER_PREFIX)) throw fail(`received token does not have ${JSON.stringify(BEARER_PREFIX)} prefix`);
  const token = authorization[0].slice(BEARER_PREFIX.length);
  const invalid = (m: string) => fail(`Failed to validate authentication token, err:${m}`);
  let st: TokenReviewStatus;
  try {
    st = await o.review(token, [o.audience]);
  } catch (e) {
    throw invalid(`Failed to authenticate request. err:${(e as Error).message}`);
  }
  if (st.error) throw invalid(`lookup failed: ${st.error}`);
  if (!st.authenticated) throw invalid('lookup failed: service account jwt not valid');
  const username = st.user?.username ?? '';
  const parts = username.split(':');
  if (parts.length !== 4) throw invalid('lookup failed: unexpected username format');
  if (parts[0] !== 'system' || parts[1] !== 'serviceaccount') throw invalid('lookup failed: username returned is not a service account');
  const [, , ns, sa] = parts;
  if (ns !== o.namespace) throw invalid(`lookup failed: incoming request from ${JSON.stringify(ns)} namespace. Expected ${JSON.stringify(o.namespace)}`);
  if (sa !== o.serviceAccount) throw invalid(`lookup failed: incoming request from ${JSON.stringify(sa)} service account. Expected ${JSON.stringify(o.serviceAccount)}`);
  const node = st.user?.extra?.[EXTRA_NODE_NAME]?.[0] ?? '';
  const id: AgentIdentity = { via: 'token', subject: username, node, hosts: node ? [node.toLowerCase()] : [], ips: [], cidrs: [] };
  if (node && o.lookupNode) {
    const n = await o.lookupNode(node).catch(() => undefined);
    if (n) {
      for (const h of n.hosts) if (!id.hosts.includes(h.toLowerCase())) id.hosts.push(h.toLowerCase());
      id.ips.push(...n.ips.map(normalizeIP));
      id.cidrs.push(...n.cidrs);
    }
  }
  return id;
}

/** The identity a verified client certificate gives (CN system:node:<name>, SAN DNS and IP entries). */
export function certificateIdentity(cert: PeerCertificate): AgentIdentity {
  const cnRaw = cert.subject?.CN as string | string[] | undefined;
  const cn = Array.isArray(cnRaw) ? (cnRaw[0] ?? '') : (cnRaw ?? '');
  const node = cn.startsWith('system:node:') ? cn.slice('system:node:'.length) : '';
  const hosts = node ? [node.toLowerCase()] : [];
  const ips: string[] = [];
  for (const entry of splitSubjectAltName(cert.subjectaltname ?? '')) {
    const i = entry.indexOf(':');
    const kind = entry.slice(0, i);
    const value = entry.slice(i + 1).replace(/^"|"$/g, '');
    if (kind === 'DNS' && !hosts.includes(value.toLowerCase())) hosts.push(value.toLowerCase());
    else if (kind === 'IP Address' && isIP(value)) ips.push(normalizeIP(value));
  }
  return { via: 'certificate', subject: cn, node, hosts, ips, cidrs: [] };
}

/** `DNS:a, IP Address:1.2.3.4, DNS:"x, y"` → entries (commas inside quotes kept) */
function splitSubjectAltName(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function normalizeIP(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return ip.toLowerCase();
  }
}

function describe(id: AgentIdentity): string {
  const who = id.via === 'certificate' ? `certificate CN=${JSON.stringify(id.subject)}` : `token of ${id.subject}`;
  const names = id.hosts.length ? `hosts [${id.hosts.join(', ')}]` : 'no host';
  const ips = id.ips.length ? `IPs [${id.ips.join(', ')}]` : 'no IP';
  const cidrs = id.cidrs.length ? `, CIDRs [${id.cidrs.join(', ')}]` : '';
  return `${who}: ${id.node ? `node ${JSON.stringify(id.node)}, ` : ''}${names}, ${ips}${cidrs}`;
}

function cidrAllowed(cidr: string, id: AgentIdentity): boolean {
  const [net, bitsStr] = cidr.split('/');
  const fam = isIP(net);
  if (!fam || bitsStr === undefined || !/^\d+$/.test(bitsStr)) return false;
  const bits = Number(bitsStr);
  const full = fam === 4 ? 32 : 128;
  if (bits === full && id.ips.includes(normalizeIP(net))) return true;
  const type = fam === 4 ? 'ipv4' : 'ipv6';
  for (const c of id.cidrs) {
    const [cn, cb] = c.split('/');
    const cf = isIP(cn);
    if (cf !== fam || cb === undefined) continue;
    // inside: the claimed prefix is at least as long and its network address lies in the allowed one
    if (bits < Number(cb)) continue;
    const bl = new BlockList();
    bl.addSubnet(cn, Number(cb), type);
    if (bl.check(net, type)) return true;
  }
  return false;
}

/**
 * Check an agent's claims against its identity; throws AgentRejected(PERMISSION_DENIED) listing
 * every claim its credentials do not allow.
 */
export function checkIdentityBinding(id: AgentIdentity, agentId: string, ids: AgentIdentifiers): void {
  if (id.via === 'none') return;
  const bad: string[] = [];
  if (id.hosts.length) {
    const a = agentId.toLowerCase();
    if (!id.hosts.some((h) => a === h || a.startsWith(`${h}/`))) bad.push(`agentid ${JSON.stringify(agentId)}`);
  }
  for (const h of ids.host) if (!id.hosts.includes(h.toLowerCase())) bad.push(`host=${h}`);
  for (const ip of ids.ipv4) if (!id.ips.includes(ip)) bad.push(`ipv4=${ip}`);
  for (const ip of ids.ipv6) if (!id.ips.includes(normalizeIP(ip))) bad.push(`ipv6=${ip}`);
  for (const c of ids.cidr) if (!cidrAllowed(c, id)) bad.push(`cidr=${c}`);
  if (bad.length) {
    throw new AgentRejected(GRPC_PERMISSION_DENIED, `agent identity mismatch: the agent may not claim ${bad.join(', ')} (its credentials: ${describe(id)})`, 'identity_mismatch');
  }
}
