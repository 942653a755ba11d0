/**
 * The proxy server's Kubernetes client for agent token authentication (upstream: client-go from
 * --kubeconfig, or the in-cluster config when it is empty): TokenReviews, and the Node lookups the
 * identity binding uses (addresses and pod CIDRs of the node a token is bound to).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AgentTokenAuthOptions, NodeLookup, TokenReviewer, TokenReviewStatus } from '../../../libs/konnectivity/src/agent-auth';
import { ApiError, ClientConfig, KObject, KubeClient, loadKubeconfig } from '../../kubelet-sim/src/kube-client';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface AgentTokenAuthFlags {
  namespace: string;
  serviceAccount: string;
  audience: string;
  kubeconfig: string;
}

/** --kubeconfig, else the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token) */
export function kubeClientConfig(kubeconfig: string): ClientConfig {
  if (kubeconfig) return loadKubeconfig(kubeconfig);
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(`${SA_DIR}/token`)) {
    throw new Error('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (or set --kubeconfig)');
  }
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${SA_DIR}/ca.crt`, 'utf8'),
    token: readFileSync(`${SA_DIR}/token`, 'utf8').trim(),
  };
}

function apiMessage(e: unknown): string {
  if (e instanceof ApiError) {
    try {
      const m = (JSON.parse(e.body) as { message?: string }).message;
      if (m) return m;
    } catch {
      // not a Status
    }
  }
  return (e as Error).message;
}

export function tokenReviewer(client: KubeClient): TokenReviewer {
  return async (token, audiences) => {
    try {
      const r = await client.request<{ status?: TokenReviewStatus }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token, audiences },
      });
      return r.status ?? {};
    } catch (e) {
      throw new Error(apiMessage(e));
    }
  };
}

export function nodeLookup(client: KubeClient): NodeLookup {
  return async (name) => {
    let n: KObject;
    try {
      n = await client.get(`/api/v1/nodes/${encodeURIComponent(name)}`);
    } catch {
      return undefined;
    }
    const addrs = ((n.status?.addresses ?? []) as { type?: string; address?: string }[]).filter((a) => typeof a.address === 'string' && a.address);
    const cidrs: string[] = Array.isArray(n.spec?.podCIDRs) ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : [];
    return {
      hosts: addrs.filter((a) => a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS').map((a) => a.address!),
      ips: addrs.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address!),
      cidrs,
    };
  };
}

export function agentTokenAuth(f: AgentTokenAuthFlags): AgentTokenAuthOptions {
  const client = new KubeClient(kubeClientConfig(f.kubeconfig));
  return { namespace: f.namespace, serviceAccount: f.serviceAccount, audience: f.audience, review: tokenReviewer(client), lookupNode: nodeLookup(client) };
}
