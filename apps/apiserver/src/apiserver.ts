/**
 * The API front end as one object: storage, registry, stores, the filter chain and the router,
 * served over HTTPS through fastify. Built by the Nest module (apiserver.module.ts); kept free of
 * per-request framework machinery.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ResourceRegistry } from '../../../libs/registry/src/registry';
import { ResourceDefinition } from '../../../libs/registry/src/resource';
import { AdmissionHook, Store } from '../../../libs/registry/src/store';
import { OpenApiBuilder } from '../../../libs/openapi/src';
import { Storage } from '../../../libs/storage/src/interface';
import { namespaceLifecycle } from './admission/namespace-lifecycle';
import { ApiserverConfig } from './config';
import { buildHandlerChain } from './filters/chain';
import type { ChainDeps } from './filters/types';
import { Discovery } from './handlers/discovery';
import { HealthCheck, HealthEndpoints } from './handlers/health';
import { OpenApiEndpoints } from './handlers/openapi';
import { createEntry } from './http/entry';
import { createRouter } from './http/router';

export class ApiServer {
  readonly stores = new Map<string, Store>();
  readonly admission: AdmissionHook[] = [];
  private shuttingDown = false;
  readonly entry: (req: IncomingMessage, res: ServerResponse) => void;

  constructor(
    readonly config: ApiserverConfig,
    readonly storage: Storage,
    readonly registry: ResourceRegistry,
    chainDeps: Omit<ChainDeps, 'config'>,
    extraReadyChecks: HealthCheck[] = [],
  ) {
    this.admission.push(namespaceLifecycle(() => this.storeFor(this.registry.lookup('', 'v1', 'namespaces')!)));
    const openapi = new OpenApiEndpoints(new OpenApiBuilder(() => registry.all()));
    registry.onChange(() => {
      this.stores.clear();
      openapi.invalidate();
    });
    const etcdCheck: HealthCheck = {
      name: 'etcd',
      check: () => withTimeout(storage.currentRevision().then(() => undefined), 2000, 'etcd did not answer in 2s'),
    };
    const ping: HealthCheck = { name: 'ping', check: async () => undefined };
    const log: HealthCheck = { name: 'log', check: async () => undefined };
    const shutdown: HealthCheck = {
      name: 'shutdown',
      check: async () => {
        if (this.shuttingDown) throw new Error('process is shutting down');
      },
    };
    const health = new HealthEndpoints({
      healthz: [ping, log, etcdCheck],
      livez: [ping, log, etcdCheck],
      readyz: [ping, log, etcdCheck, ...extraReadyChecks, shutdown],
    });
    const discovery = new Discovery(registry, () => `${config.advertiseAddress}:${config.securePort}`);
    const router = createRouter({
      registry,
      stores: this,
      discovery,
      health,
      openapi,
      minRequestTimeoutSeconds: config.minRequestTimeoutSeconds,
      testPanicPath: config.testPanicPath,
    });
    this.entry = createEntry(buildHandlerChain(router, { ...chainDeps, config }));
  }

  storeFor(def: ResourceDefinition): Store {
    const key = `${def.group}/${def.version}/${def.plural}`;
    let s = this.stores.get(key);
    if (!s) {
      s = new Store(def, this.storage, this.admission);
      this.stores.set(key, s);
    }
    return s;
  }

  kindRegistered(apiVersion: string, kind: string): boolean {
    return this.registry.lookupKind(apiVersion, kind) !== undefined;
  }

  /** Route every request on the fastify instance to our entry, bypassing fastify's body parsing. */
  mount(fastify: FastifyInstance): void {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    const handler = (req: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack();
      this.entry(req.raw, reply.raw);
    };
    fastify.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/', handler });
    fastify.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/*', handler });
  }

  beginShutdown(): void {
    this.shuttingDown = true;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
