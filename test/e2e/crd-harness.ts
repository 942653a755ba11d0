/**
 * Shared by the CRD e2e tests (crd, crd-cel, crd-conversion): one replica on a fresh etcd (with an
 * etcd3 client on it), kubectl 1.32 against it, an optional second replica on the same etcd and
 * certificates, a custom resource manifest and a polling wait.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';
import { ApiserverInstance, kubectl, KubectlResult, startApiserver, StartApiserverOptions } from '../harness/apiserver';

export interface CrdCluster {
  /** the first replica (started in beforeAll) */
  server: ApiserverInstance;
  /** an etcd3 client on the replica's etcd */
  etcd: Etcd3;
  /** the second replica once startReplica ran */
  replica?: ApiserverInstance;
  k(...args: string[]): Promise<KubectlResult>;
  kin(input: string, ...args: string[]): Promise<KubectlResult>;
  /** starts a second replica on the same etcd and certificates (stopped after the file's tests) */
  startReplica(opts?: StartApiserverOptions): Promise<ApiserverInstance>;
}

/** Starts a replica before the file's tests (after `before`, if given) and stops everything after them. */
export function useCrdCluster(hooks: { before?: () => Promise<void>; after?: () => Promise<void>; timeoutMs?: number } = {}): CrdCluster {
  const c: CrdCluster = {
    server: undefined as unknown as ApiserverInstance,
    etcd: undefined as unknown as Etcd3,
    k: (...args) => kubectl('1.32', c.server.kubeconfig, args),
    kin: (input, ...args) => kubectl('1.32', c.server.kubeconfig, args, input),
    startReplica: async (opts = {}) => (c.replica = await startApiserver({ etcd: c.server.etcd, certDir: c.server.certDir, ...opts })),
  };
  beforeAll(async () => {
    await hooks.before?.();
    c.server = await startApiserver();
    c.etcd = new Etcd3({ hosts: c.server.etcd.endpoint });
  }, hooks.timeoutMs ?? 60_000);
  afterAll(async () => {
    c.etcd?.close();
    await c.replica?.stop();
    await c.server?.stop();
    await hooks.after?.();
  });
  return c;
}

/** A namespaced custom resource in `default`; `spec` is the YAML under `spec:`, indented by two. */
export const customResource = (apiVersion: string, kind: string, name: string, spec: string): string => `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: ${name}
  namespace: default
spec:
${spec}
`;

/** Polls `fn` every `pollMs` until it is true; throws after `ms`. */
export async function waitUntil(what: string, ms: number, fn: () => Promise<boolean>, pollMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
