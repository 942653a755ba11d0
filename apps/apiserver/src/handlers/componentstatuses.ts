/**
 * GET/LIST componentstatuses: computed per request (upstream pkg/registry/core/componentstatus):
 * etcd-0 probed with a storage read, the scheduler and controller manager by their /healthz on
 * localhost (10259, 10257). Every response carries the 1.19 deprecation warning.
 */
import { request } from 'node:https';
import { errors } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { Store } from '../../../../libs/registry/src/store';
import { COMPONENT_STATUS_WARNING, ComponentProbeResult, componentStatusObject } from '../../../../libs/resources/src/core/componentstatuses';
import type { RequestContext } from '../http/context';
import { writeObject } from '../http/respond';
import { requestedTransform, transformList, transformObject } from './table';

const PROBE_TIMEOUT_MS = 1000;

function probeHTTPS(name: string, port: number): Promise<ComponentProbeResult> {
  const url = `https://127.0.0.1:${port}/healthz`;
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve({ name, healthy: true, message: body, error: '' });
        else resolve({ name, healthy: false, message: body, error: `unhealthy http status code: ${res.statusCode}` });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`Get "${url}": context deadline exceeded`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const msg = e.code === 'ECONNREFUSED' ? `Get "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused` : e.message;
      resolve({ name, healthy: false, message: '', error: msg });
    });
    req.end();
  });
}

async function probeEtcd(store: Store): Promise<ComponentProbeResult> {
  try {
    await store.list('', { limit: 1 });
    return { name: 'etcd-0', healthy: true, message: 'ok', error: '' };
  } catch (e) {
    return { name: 'etcd-0', healthy: false, message: '', error: e instanceof Error ? e.message : String(e) };
  }
}

async function probeAll(store: Store): Promise<KObject[]> {
  const results = await Promise.all([probeHTTPS('controller-manager', 10257), probeEtcd(store), probeHTTPS('scheduler', 10259)]);
  return results.map((r) => componentStatusObject(r) as unknown as KObject);
}

export async function handleComponentStatuses(ctx: RequestContext, def: ResourceDefinition, store: Store): Promise<void> {
  ctx.warnings.push(COMPONENT_STATUS_WARNING);
  const verb = ctx.info.verb;
  if (verb !== 'get' && verb !== 'list') throw errors.methodNotSupported({ group: '', resource: def.plural }, verb);
  const items = await probeAll(store);
  const t = requestedTransform(ctx.req.headers.accept);
  if (verb === 'get') {
    const found = items.find((o) => o.metadata.name === ctx.info.name);
    if (!found) throw errors.notFound({ group: '', resource: def.plural }, ctx.info.name);
    return writeObject(ctx, 200, t ? transformObject(def, t, found, ctx.query.get('includeObject')) : found);
  }
  for (const i of items) {
    delete i.kind;
    delete i.apiVersion;
  }
  const list = { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items };
  return writeObject(ctx, 200, t ? transformList(def, t, list as never, ctx.query.get('includeObject')) : list);
}
