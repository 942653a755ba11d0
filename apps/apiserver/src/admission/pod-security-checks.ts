/**
 * Pod Security Standards checks (upstream k8s.io/pod-security-admission/policy), baseline and
 * restricted levels: each failing check gives a reason and a detail with upstream's wording.
 * Covered: privileged, host namespaces, hostPath / restricted volume types, hostPorts,
 * capabilities (baseline and restricted), allowPrivilegeEscalation, runAsNonRoot, runAsUser=0,
 * seccompProfile (baseline and restricted), procMount, sysctls. Not covered: seLinuxOptions,
 * appArmorProfile, windowsHostProcess.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type Level = 'privileged' | 'baseline' | 'restricted';
export interface CheckFailure {
  id: string;
  reason: string;
  detail: string;
}

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

const quote = (s: string) => JSON.stringify(s);
const joinQuote = (xs: string[]) => xs.map(quote).join(', ');
const plural = (one: string, many: string, n: number) => (n === 1 ? one : many);

function containers(spec: Obj): Obj[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function badContainers(spec: Obj, bad: (c: Obj) => boolean): string[] {
  return containers(spec).filter(bad).map((c) => String(c.name ?? ''));
}

type Check = { id: string; level: Level; overrides?: string; run: (meta: Obj, spec: Obj) => Omit<CheckFailure, 'id'> | undefined };

const CHECKS: Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    run: (_m, spec) => {
      const bad = badContainers(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
      if (!bad.length) return undefined;
      return { reason: 'allowPrivilegeEscalation != false', detail: `${plural('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false` };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    run: (_m, spec) => {
      const bad: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const add: string[] = c.securityContext?.capabilities?.add ?? [];
        const forbidden = add.filter((x) => !BASELINE_CAPS.has(x));
        if (forbidden.length) {
          bad.push(String(c.name));
          forbidden.forEach((x) => caps.add(x));
        }
      }
      if (!bad.length) return undefined;
      return { reason: 'non-default capabilities', detail: `${plural('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add` };
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: 'capabilities_baseline',
    run: (_m, spec) => {
      const noDrop: string[] = [];
      const badAdd: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const drop: string[] = c.securityContext?.capabilities?.drop ?? [];
        if (!drop.includes('ALL')) noDrop.push(String(c.name));
        const add: string[] = c.securityContext?.capabilities?.add ?? [];
        const forbidden = add.filter((x) => x !== 'NET_BIND_SERVICE');
        if (forbidden.length) {
          badAdd.push(String(c.name));
          forbidden.forEach((x) => caps.add(x));
        }
      }
      const details: string[] = [];
      if (noDrop.length) details.push(`${plural('container', 'containers', noDrop.length)} ${joinQuote(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (badAdd.length) details.push(`${plural('container', 'containers', badAdd.length)} ${joinQuote(badAdd)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`);
      return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    run: (_m, spec) => {
      const on = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => spec[k] === true).map((k) => `${k}=true`);
      return on.length ? { reason: 'host namespaces', detail: on.join(', ') } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    run: (_m, spec) => {
      const bad = ((spec.volumes ?? []) as Obj[]).filter((v) => v.hostPath).map((v) => String(v.name));
      return bad.length ? { reason: 'hostPath volumes', detail: `${plural('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    run: (_m, spec) => {
      const bad: string[] = [];
      const ports: string[] = [];
      for (const c of containers(spec)) {
        const hp = ((c.ports ?? []) as Obj[]).filter((p) => p.hostPort && p.hostPort !== 0).map((p) => String(p.hostPort));
        if (hp.length) {
          bad.push(String(c.name));
          ports.push(...hp);
        }
      }
      if (!bad.length) return undefined;
      return { reason: 'hostPort', detail: `${plural('container', 'containers', bad.length)} ${joinQuote(bad)} ${plural('uses hostPort', 'use hostPorts', ports.length)} ${ports.join(', ')}` };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    run: (_m, spec) => {
      const bad = badContainers(spec, (c) => c.securityContext?.privileged === true);
      return bad.length ? { reason: 'privileged', detail: `${plural('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    run: (_m, spec) => {
      const bad: string[] = [];
      const types = new Set<string>();
      for (const c of containers(spec)) {
        const pm = c.securityContext?.procMount;
        if (pm !== undefined && pm !== 'Default') {
          bad.push(String(c.name));
          types.add(pm);
        }
      }
      return bad.length ? { reason: 'procMount', detail: `${plural('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote([...types])}` } : undefined;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: 'hostPathVolumes',
    run: (_m, spec) => {
      const badNames: string[] = [];
      const badTypes = new Set<string>();
      for (const v of (spec.volumes ?? []) as Obj[]) {
        const type = Object.keys(v).find((k) => k !== 'name');
        if (type && !RESTRICTED_VOLUMES.includes(type)) {
          badNames.push(String(v.name));
          badTypes.add(type);
        }
      }
      if (!badNames.length) return undefined;
      return {
        reason: 'restricted volume types',
        detail: `${plural('volume', 'volumes', badNames.length)} ${joinQuote(badNames)} ${plural('uses', 'use', badNames.length)} restricted volume ${plural('type', 'types', badTypes.size)} ${joinQuote([...badTypes].sort())}`,
      };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    run: (_m, spec) => {
      const podVal = spec.securityContext?.runAsNonRoot;
      const details: string[] = [];
      if (podVal === false) details.push('pod must not set securityContext.runAsNonRoot=false');
      const explicitFalse = badContainers(spec, (c) => c.securityContext?.runAsNonRoot === false);
      if (explicitFalse.length) details.push(`${plural('container', 'containers', explicitFalse.length)} ${joinQuote(explicitFalse)} must not set securityContext.runAsNonRoot=false`);
      if (podVal !== true) {
        const unset = badContainers(spec, (c) => c.securityContext?.runAsNonRoot === undefined);
        if (unset.length && podVal === undefined) details.push(`pod or ${plural('container', 'containers', unset.length)} ${joinQuote(unset)} must set securityContext.runAsNonRoot=true`);
      }
      return details.length ? { reason: 'runAsNonRoot != true', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    run: (_m, spec) => {
      const details: string[] = [];
      if (spec.securityContext?.runAsUser === 0) details.push('pod must not set runAsUser=0');
      const bad = badContainers(spec, (c) => c.securityContext?.runAsUser === 0);
      if (bad.length) details.push(`${plural('container', 'containers', bad.length)} ${joinQuote(bad)} must not set runAsUser=0`);
      return details.length ? { reason: 'runAsUser=0', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    run: (_m, spec) => {
      const details: string[] = [];
      if (spec.securityContext?.seccompProfile?.type === 'Unconfined') details.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
      const bad = badContainers(spec, (c) => c.securityContext?.seccompProfile?.type === 'Unconfined');
      if (bad.length) details.push(`${plural('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.seccompProfile.type to "Unconfined"`);
      return details.length ? { reason: 'seccompProfile', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: 'seccompProfile_baseline',
    run: (_m, spec) => {
      const ok = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
      const podType = spec.securityContext?.seccompProfile?.type;
      const details: string[] = [];
      if (podType !== undefined && !ok(podType)) details.push(`pod must not set securityContext.seccompProfile.type to ${quote(String(podType))}`);
      const badSet = badContainers(spec, (c) => c.securityContext?.seccompProfile?.type !== undefined && !ok(c.securityContext.seccompProfile.type));
      if (badSet.length) details.push(`${plural('container', 'containers', badSet.length)} ${joinQuote(badSet)} must not set securityContext.seccompProfile.type to "Unconfined"`);
      if (podType === undefined) {
        const unset = badContainers(spec, (c) => c.securityContext?.seccompProfile?.type === undefined);
        if (unset.length) details.push(`pod or ${plural('container', 'containers', unset.length)} ${joinQuote(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
      }
      return details.length ? { reason: 'seccompProfile', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    run: (_m, spec) => {
      const bad = ((spec.securityContext?.sysctls ?? []) as Obj[]).map((s) => String(s.name)).filter((n) => !SAFE_SYSCTLS.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
];

/** The failing checks of a pod at a level, in upstream's order (by check ID). */
export function evaluatePod(level: Level, meta: Obj, spec: Obj): CheckFailure[] {
  if (level === 'privileged') return [];
  const active = CHECKS.filter((c) => c.level === 'baseline' || level === 'restricted');
  const overridden = new Set(active.map((c) => c.overrides).filter(Boolean));
  const out: CheckFailure[] = [];
  for (const c of active) {
    if (overridden.has(c.id)) continue;
    const r = c.run(meta, spec);
    if (r) out.push({ id: c.id, ...r });
  }
  return out;
}

export function formatFailures(failures: CheckFailure[]): string {
  return failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(', ');
}
