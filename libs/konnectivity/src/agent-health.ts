/**
 * The agent's health and admin HTTP servers, as upstream proxy-agent:
 * - health (`--health-server-port`, default 8093; `--health-server-host`, default all interfaces):
 *   `/healthz` always `ok`; `/readyz` (and the deprecated `/ready`) 200 `ok` when the agent holds a
 *   stream to at least one proxy server, else 503 with upstream's check list
 *   (`[+]ping ok` / `[-]server-connected failed: no servers connected`); `?verbose` lists the checks
 *   when ready too; `/metrics`.
 * - admin (`--admin-server-port`, default 8094; `--admin-bind-address`, default 127.0.0.1):
 *   `/metrics` (upstream redirects this one to the health port; here it is served directly).
 * Port 0 picks a free port (upstream refuses 0); the bound ports are in `ports`.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { KonnectivityAgent } from './agent';
import { listen } from './server';

export interface AgentHealthOptions {
  healthPort: number;
  healthHost: string;
  adminPort: number;
  adminHost: string;
}

export class AgentHealthServers {
  private health?: Server;
  private admin?: Server;
  ports = { health: 0, admin: 0 };

  constructor(
    private readonly agent: Pick<KonnectivityAgent, 'servers' | 'metrics'>,
    private readonly opts: AgentHealthOptions,
  ) {}

  async start(): Promise<void> {
    this.health = createServer((req, res) => void this.serveHealth(req, res));
    this.ports.health = await listen(this.health, this.opts.healthHost, this.opts.healthPort);
    this.admin = createServer((req, res) => void this.serveAdmin(req, res));
    this.ports.admin = await listen(this.admin, this.opts.adminHost, this.opts.adminPort);
  }

  stop(): void {
    this.health?.close();
    this.admin?.close();
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const r = this.agent.metrics.registry;
    res.writeHead(200, { 'content-type': r.contentType }).end(await r.metrics());
  }

  private async serveHealth(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    switch (url.pathname) {
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
        return;
      case '/ready':
      case '/readyz': {
        const connected = this.agent.servers().length > 0;
        const checks = `[+]ping ok\n${connected ? '[+]server-connected ok' : '[-]server-connected failed: no servers connected'}\n`;
        if (!connected) res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(checks);
        else if (url.searchParams.has('verbose')) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(`${checks}check passed\n`);
        else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
        return;
      }
      case '/metrics':
        return this.metrics(res);
      default:
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    }
  }

  private async serveAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') return this.metrics(res);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  }
}
