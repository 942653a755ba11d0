/**
 * Agent identifiers (metadata `agentidentifiers`, URL-query encoded: host=, ipv4=, ipv6=, cidr=,
 * default-route=true), backend selection strategies, and the agent's dial allowlist.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

export interface AgentIdentifiers {
  host: string[];
  ipv4: string[];
  ipv6: string[];
  cidr: string[];
  defaultRoute: boolean;
}

export function parseIdentifiers(raw: string): AgentIdentifiers {
  const q = new URLSearchParams(raw);
  const ids: AgentIdentifiers = { host: [], ipv4: [], ipv6: [], cidr: [], defaultRoute: false };
  for (const [k, v] of q) {
    switch (k) {
      case 'host':
        ids.host.push(v.toLowerCase());
        break;
      case 'ipv4':
        ids.ipv4.push(v);
        break;
      case 'ipv6':
        ids.ipv6.push(normalizeV6(v));
        break;
      case 'cidr':
        ids.cidr.push(v);
        break;
      case 'default-route':
        ids.defaultRoute = v === 'true';
        break;
      default:
        throw new Error(`unknown agent identifier type ${JSON.stringify(k)} (want host, ipv4, ipv6, cidr, default-route)`);
    }
  }
  return ids;
}

function normalizeV6(v: string): string {
  try {
    return new URL(`http://[${v.replace(/^\[|\]$/g, '')}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return v.toLowerCase();
  }
}

/** "host:port" or "[v6]:port" → host (brackets removed) and port. */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]*):(\d+)$/.exec(address);
  if (!m) throw new Error(`address ${JSON.stringify(address)}: want host:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`address ${JSON.stringify(address)}: port out of range`);
  return { host: m[1], port };
}

/** Does a dial to `host` belong to an agent with these identifiers (the destHost strategy)? */
export function matchesDestHost(ids: AgentIdentifiers, host: string): boolean {
  const h = host.toLowerCase();
  if (ids.host.includes(h)) return true;
  const fam = isIP(h);
  if (fam === 4) {
    if (ids.ipv4.includes(h)) return true;
  } else if (fam === 6) {
    if (ids.ipv6.includes(normalizeV6(h))) return true;
  }
  if (fam && ids.cidr.length) {
    const bl = new BlockList();
    for (const c of ids.cidr) {
      const [net, bits] = c.split('/');
      const f = isIP(net);
      if (f && bits !== undefined) bl.addSubnet(net, Number(bits), f === 4 ? 'ipv4' : 'ipv6');
    }
    if (bl.check(h, fam === 4 ? 'ipv4' : 'ipv6')) return true;
  }
  return false;
}

export type ProxyStrategy = 'default' | 'destHost' | 'defaultRoute';
export const PROXY_STRATEGIES: ProxyStrategy[] = ['default', 'destHost', 'defaultRoute'];

export function parseStrategies(list: string[]): ProxyStrategy[] {
  if (list.length === 0) return ['default'];
  for (const s of list) if (!PROXY_STRATEGIES.includes(s as ProxyStrategy)) throw new Error(`unknown proxy strategy ${JSON.stringify(s)} (want ${PROXY_STRATEGIES.join(', ')})`);
  return list as ProxyStrategy[];
}

/** Candidates for a dial under one strategy. */
export function strategyAccepts(strategy: ProxyStrategy, ids: AgentIdentifiers, host: string): boolean {
  switch (strategy) {
    case 'default':
      return true;
    case 'destHost':
      return matchesDestHost(ids, host);
    case 'defaultRoute':
      return ids.defaultRoute;
  }
}

// ---- agent allowlist ----------------------------------------------------------------------------

export interface AllowRule {
  cidr: string;
  /** undefined = any port */
  port?: number;
}

/** `--allow=10.0.0.0/8:10250,127.0.0.1:*,[fd00::]/64:443`; a bare IP is a /32 (/128). */
export function parseAllowlist(list: string[]): AllowRule[] {
  return list.map((item) => {
    const i = item.lastIndexOf(':');
    if (i < 0) throw new Error(`--allow ${JSON.stringify(item)}: want cidr:port or cidr:*`);
    const [ip, bitsStr] = item.slice(0, i).replace(/^\[([^\]]*)\]/, '$1').split('/');
    const portStr = item.slice(i + 1);
    const fam = isIP(ip);
    if (!fam) throw new Error(`--allow ${JSON.stringify(item)}: ${JSON.stringify(ip)} is not an IP address`);
    const bits = bitsStr !== undefined ? Number(bitsStr) : fam === 4 ? 32 : 128;
    if (!Number.isInteger(bits) || bits < 0 || bits > (fam === 4 ? 32 : 128)) throw new Error(`--allow ${JSON.stringify(item)}: bad prefix length`);
    if (portStr !== '*' && !/^\d+$/.test(portStr)) throw new Error(`--allow ${JSON.stringify(item)}: want cidr:port or cidr:*`);
    const port = portStr === '*' ? undefined : Number(portStr);
    if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`--allow ${JSON.stringify(item)}: port out of range`);
    return { cidr: `${ip}/${bits}`, port };
  });
}

export class Allowlist {
  private readonly rules: { bl: BlockList; port?: number }[];
  constructor(rules: AllowRule[]) {
    this.rules = rules.map((r) => {
      const bl = new BlockList();
      const [ip, bits] = r.cidr.split('/');
      bl.addSubnet(ip, Number(bits), isIPv4(ip) ? 'ipv4' : 'ipv6');
      return { bl, port: r.port };
    });
  }
  /** no rules = everything allowed (upstream behaviour) */
  get empty(): boolean {
    return this.rules.length === 0;
  }
  allows(ip: string, port: number): boolean {
    if (this.rules.length === 0) return true;
    const fam = isIP(ip);
    if (!fam) return false;
    return this.rules.some((r) => (r.port === undefined || r.port === port) && r.bl.check(ip, fam === 4 ? 'ipv4' : 'ipv6'));
  }
}
