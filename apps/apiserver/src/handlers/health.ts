/**
 * /healthz, /livez and /readyz with named checks as upstream: `?verbose` lists each check,
 * `/readyz/<check>` runs one, `?exclude=<check>` skips one; failures answer 500.
 */
import type { RequestContext } from '../http/context';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export class HealthEndpoints {
  constructor(private readonly checks: { healthz: HealthCheck[]; livez: HealthCheck[]; readyz: HealthCheck[] }) {}

  /** Returns true when the path was a health path and has been answered. */
  async serve(ctx: RequestContext): Promise<boolean> {
    const m = /^\/(healthz|livez|readyz)(?:\/([^/]+))?\/?$/.exec(ctx.path);
    if (!m) return false;
    const kind = m[1] as 'healthz' | 'livez' | 'readyz';
    const only = m[2];
    const all = this.checks[kind];
    if (only) {
      const c = all.find((x) => x.name === only);
      if (!c) return false;
      const err = await run(c);
      text(ctx, err ? 500 : 200, err ? `internal server error: ${err}\n` : 'ok');
      return true;
    }
    const exclude = new Set(ctx.query.getAll('exclude'));
    const results = await Promise.all(all.filter((c) => !exclude.has(c.name)).map(async (c) => ({ name: c.name, err: await run(c) })));
    const failed = results.some((r) => r.err);
    const verbose = ctx.query.has('verbose') || failed;
    if (!verbose) {
      text(ctx, 200, 'ok');
      return true;
    }
    const lines = results.map((r) => (r.err ? `[-]${r.name} failed: reason withheld` : `[+]${r.name} ok`));
    for (const name of exclude) lines.push(`[+]${name} excluded: ok`);
    lines.push(failed ? `${kind} check failed` : `${kind} check passed`);
    text(ctx, failed ? 500 : 200, `${lines.join('\n')}\n`);
    return true;
  }
}

async function run(c: HealthCheck): Promise<string | null> {
  try {
    await c.check();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function text(ctx: RequestContext, code: number, body: string): void {
  ctx.res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(body),
  });
  ctx.res.end(body);
}
