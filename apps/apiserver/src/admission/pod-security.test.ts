import { describe, expect, it } from 'vitest';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { podsDefinition } from '../../../../libs/resources/src';
import { Store } from '../../../../libs/registry/src/store';
import { currentRequest, runAsUser } from '../authz/request-user';
import { podSecurityAdmission, podViolation } from './pod-security';

const pods = podsDefinition();
const nsStore = (labels: Record<string, string>) => ({ get: async () => ({ metadata: { name: 'd', labels } }) }) as unknown as Store;
const nginx = (): KObject => ({ metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });

describe('PodSecurity', () => {
  it('restricted: the upstream message for a plain pod', () => {
    expect(podViolation({ level: 'restricted', version: 'latest' }, nginx())).toBe(
      'PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    const ok: KObject = {
      metadata: { name: 'ok' },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    };
    expect(podViolation({ level: 'restricted', version: 'latest' }, ok)).toBe('');
  });

  it('baseline: privileged, host namespaces, hostPath, hostPorts, capabilities', () => {
    const pod: KObject = {
      metadata: { name: 'p' },
      spec: {
        hostNetwork: true,
        hostPID: true,
        volumes: [{ name: 'h', hostPath: { path: '/' } }],
        containers: [{ name: 'a', securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] } }, ports: [{ containerPort: 80, hostPort: 80 }] }],
      },
    };
    expect(podViolation({ level: 'baseline', version: 'v1.32' }, pod)).toBe(
      'PodSecurity "baseline:v1.32": non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "h"), hostPort (container "a" uses hostPort 80), privileged (container "a" must not set securityContext.privileged=true)',
    );
    expect(podViolation({ level: 'privileged', version: 'latest' }, pod)).toBe('');
  });

  it('enforce rejects with 403, warn adds a Warning', async () => {
    const enforce = podSecurityAdmission(() => nsStore({ 'pod-security.kubernetes.io/enforce': 'restricted' }));
    const attrs = { operation: 'CREATE' as const, def: pods, namespace: 'd', name: 'nginx', subresource: '', object: nginx(), dryRun: false };
    await expect(enforce(attrs)).rejects.toThrow('pods "nginx" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false');
    const warn = podSecurityAdmission(() => nsStore({ 'pod-security.kubernetes.io/warn': 'restricted' }));
    const warnings: string[] = [];
    const user = { username: 'u', groups: [] } as unknown as Parameters<typeof runAsUser>[0];
    await runAsUser(user, 'd', async () => {
      const scope = currentRequest() as unknown as { warnings?: string[] };
      scope.warnings = warnings;
      await warn(attrs);
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });
});
