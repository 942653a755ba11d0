/**
 * Issue 3 acceptance: a table of invalid objects across Pod, Deployment, StatefulSet, DaemonSet, Job,
 * CronJob, Service and Ingress, each POSTed (or PUT over a valid object) with raw HTTPS; every one must
 * answer 422 with reason Invalid and exactly the `details.causes[].field` paths kube-apiserver 1.32 reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let server: ApiserverInstance;
const ns = 'vt';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const container = (over: Obj = {}): Obj => ({ name: 'app', image: 'nginx:1.27', ...over });
const podSpec = (over: Obj = {}): Obj => ({ containers: [container()], ...over });
const labels = { app: 'vt' };
const template = (spec: Obj = {}, meta: Obj = { labels }): Obj => ({ metadata: meta, spec: podSpec(spec) });

const pod = (spec: Obj = {}, meta: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...meta }, spec: podSpec(spec) });
const deployment = (spec: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: { selector: { matchLabels: labels }, template: template(), ...spec },
});
const statefulSet = (spec: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 's' },
  spec: { serviceName: 's', selector: { matchLabels: labels }, template: template(), ...spec },
});
const daemonSet = (spec: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'ds' },
  spec: { selector: { matchLabels: labels }, template: template(), ...spec },
});
const job = (spec: Obj = {}, podOver: Obj = {}): Obj => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j' },
  spec: { template: { spec: podSpec({ restartPolicy: 'Never', ...podOver }) }, ...spec },
});
const cronJob = (spec: Obj = {}, podOver: Obj = {}, name = 'cj'): Obj => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: 'OnFailure', ...podOver }) } } }, ...spec },
});
const service = (spec: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'svc' },
  spec: { selector: labels, ports: [{ name: 'http', port: 80 }], ...spec },
});
const path = (p: Obj = {}): Obj => ({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } }, ...p });
const ingress = (spec: Obj = {}, rule: Obj = {}): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'ing' },
  spec: { rules: [{ host: 'shop.example.com', http: { paths: [path()] }, ...rule }], ...spec },
});

const PATHS: Record<string, string> = {
  Pod: `/api/v1/namespaces/${ns}/pods`,
  Service: `/api/v1/namespaces/${ns}/services`,
  Deployment: `/apis/apps/v1/namespaces/${ns}/deployments`,
  StatefulSet: `/apis/apps/v1/namespaces/${ns}/statefulsets`,
  DaemonSet: `/apis/apps/v1/namespaces/${ns}/daemonsets`,
  Job: `/apis/batch/v1/namespaces/${ns}/jobs`,
  CronJob: `/apis/batch/v1/namespaces/${ns}/cronjobs`,
  Ingress: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
};

interface Case {
  name: string;
  /** POST this object */
  create?: Obj;
  /** or: create `base` (valid, named uniquely), read it back, apply `mutate` and PUT it */
  base?: Obj;
  mutate?: (o: Obj) => void;
  fields: string[];
}

const set = (o: Obj, f: (x: Obj) => void): Obj => {
  const c = clone(o);
  f(c);
  return c;
};

const cases: Case[] = [
  // ---- Pod
  { name: 'pod: container name not a DNS-1123 label', create: pod({ containers: [container({ name: 'Web_1' })] }), fields: ['spec.containers[0].name'] },
  { name: 'pod: duplicate container names', create: pod({ containers: [container(), container()] }), fields: ['spec.containers[1].name'] },
  { name: 'pod: no containers', create: pod({ containers: [] }), fields: ['spec.containers'] },
  { name: 'pod: container without image', create: pod({ containers: [{ name: 'app' }] }), fields: ['spec.containers[0].image'] },
  { name: 'pod: containerPort 0', create: pod({ containers: [container({ ports: [{ containerPort: 0 }] })] }), fields: ['spec.containers[0].ports[0].containerPort'] },
  { name: 'pod: containerPort out of range', create: pod({ containers: [container({ ports: [{ containerPort: 70000 }] })] }), fields: ['spec.containers[0].ports[0].containerPort'] },
  { name: 'pod: hostPort out of range', create: pod({ containers: [container({ ports: [{ containerPort: 80, hostPort: 65536 }] })] }), fields: ['spec.containers[0].ports[0].hostPort'] },
  {
    name: 'pod: duplicate port names',
    create: pod({ containers: [container({ ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }] })] }),
    fields: ['spec.containers[0].ports[1].name'],
  },
  { name: 'pod: port name longer than 15', create: pod({ containers: [container({ ports: [{ name: 'http-port-too-long', containerPort: 80 }] })] }), fields: ['spec.containers[0].ports[0].name'] },
  { name: 'pod: port protocol', create: pod({ containers: [container({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }), fields: ['spec.containers[0].ports[0].protocol'] },
  { name: 'pod: restartPolicy', create: pod({ restartPolicy: 'Sometimes' }), fields: ['spec.restartPolicy'] },
  { name: 'pod: dnsPolicy', create: pod({ dnsPolicy: 'Bogus' }), fields: ['spec.dnsPolicy'] },
  { name: 'pod: imagePullPolicy', create: pod({ containers: [container({ imagePullPolicy: 'Sometimes' })] }), fields: ['spec.containers[0].imagePullPolicy'] },
  { name: 'pod: env var name', create: pod({ containers: [container({ env: [{ name: 'A=B', value: 'x' }] })] }), fields: ['spec.containers[0].env[0].name'] },
  { name: 'pod: volumeMount of an unknown volume', create: pod({ containers: [container({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }), fields: ['spec.containers[0].volumeMounts[0].name'] },
  { name: 'pod: duplicate volume names', create: pod({ volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }), fields: ['spec.volumes[1].name'] },
  { name: 'pod: negative cpu request', create: pod({ containers: [container({ resources: { requests: { cpu: '-1' } } })] }), fields: ['spec.containers[0].resources.requests[cpu]'] },
  {
    name: 'pod: request above limit',
    create: pod({ containers: [container({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] }),
    fields: ['spec.containers[0].resources.requests'],
  },
  { name: 'pod: activeDeadlineSeconds 0', create: pod({ activeDeadlineSeconds: 0 }), fields: ['spec.activeDeadlineSeconds'] },
  { name: 'pod: negative probe delay', create: pod({ containers: [container({ livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: -1 } })] }), fields: ['spec.containers[0].livenessProbe.initialDelaySeconds'] },
  { name: 'pod: liveness successThreshold', create: pod({ containers: [container({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } })] }), fields: ['spec.containers[0].livenessProbe.successThreshold'] },
  { name: 'pod: nodeSelector key', create: pod({ nodeSelector: { 'bad key': 'x' } }), fields: ['spec.nodeSelector'] },
  { name: 'pod: metadata.name', create: pod({}, { name: 'Bad_Name' }), fields: ['metadata.name'] },
  { name: 'pod: label value', create: pod({}, { labels: { app: 'has space' } }), fields: ['metadata.labels'] },
  { name: 'pod: toleration Exists with a value', create: pod({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }), fields: ['spec.tolerations[0].operator'] },
  { name: 'pod: hostname', create: pod({ hostname: 'Bad_Host' }), fields: ['spec.hostname'] },
  { name: 'pod: negative runAsUser', create: pod({ securityContext: { runAsUser: -1 } }), fields: ['spec.securityContext.runAsUser'] },
  // ---- Deployment
  { name: 'deployment: selector does not match template labels', create: deployment({ selector: { matchLabels: { app: 'other' } } }), fields: ['spec.template.metadata.labels'] },
  { name: 'deployment: no selector', create: deployment({ selector: undefined }), fields: ['spec.selector', 'spec.template.metadata.labels'] },
  { name: 'deployment: negative replicas', create: deployment({ replicas: -1 }), fields: ['spec.replicas'] },
  // upstream reports NotSupported on the whole strategy (field.NotSupported(fldPath, strategy, ...))
  { name: 'deployment: strategy type', create: deployment({ strategy: { type: 'Bogus' } }), fields: ['spec.strategy'] },
  {
    name: 'deployment: Recreate with rollingUpdate',
    create: deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }),
    fields: ['spec.strategy.rollingUpdate'],
  },
  {
    name: 'deployment: maxUnavailable and maxSurge both 0',
    create: deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }),
    fields: ['spec.strategy.rollingUpdate.maxUnavailable'],
  },
  {
    name: 'deployment: maxUnavailable over 100%',
    create: deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } } }),
    fields: ['spec.strategy.rollingUpdate.maxUnavailable'],
  },
  { name: 'deployment: progressDeadlineSeconds not above minReadySeconds', create: deployment({ minReadySeconds: 700 }), fields: ['spec.progressDeadlineSeconds'] },
  { name: 'deployment: negative revisionHistoryLimit', create: deployment({ revisionHistoryLimit: -1 }), fields: ['spec.revisionHistoryLimit'] },
  { name: 'deployment: negative minReadySeconds', create: deployment({ minReadySeconds: -1 }), fields: ['spec.minReadySeconds'] },
  { name: 'deployment: template restartPolicy Never', create: deployment({ template: template({ restartPolicy: 'Never' }) }), fields: ['spec.template.spec.restartPolicy'] },
  { name: 'deployment: template container name', create: deployment({ template: template({ containers: [container({ name: 'UPPER' })] }) }), fields: ['spec.template.spec.containers[0].name'] },
  { name: 'deployment: template activeDeadlineSeconds', create: deployment({ template: template({ activeDeadlineSeconds: 30 }) }), fields: ['spec.template.spec.activeDeadlineSeconds'] },
  {
    name: 'deployment update: selector is immutable',
    base: set(deployment(), (d) => (d.metadata.name = 'd-upd')),
    mutate: (d) => {
      d.spec.selector = { matchLabels: { app: 'vt', tier: 'x' } };
      d.spec.template.metadata.labels = { app: 'vt', tier: 'x' };
    },
    fields: ['spec.selector'],
  },
  // ---- StatefulSet
  { name: 'statefulset: selector does not match template labels', create: statefulSet({ selector: { matchLabels: { app: 'other' } } }), fields: ['spec.template.metadata.labels'] },
  { name: 'statefulset: podManagementPolicy', create: statefulSet({ podManagementPolicy: 'Bogus' }), fields: ['spec.podManagementPolicy'] },
  { name: 'statefulset: updateStrategy type', create: statefulSet({ updateStrategy: { type: 'Bogus' } }), fields: ['spec.updateStrategy'] },
  {
    name: 'statefulset: negative partition',
    create: statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }),
    fields: ['spec.updateStrategy.rollingUpdate.partition'],
  },
  {
    name: 'statefulset: OnDelete with rollingUpdate',
    create: statefulSet({ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }),
    fields: ['spec.updateStrategy.rollingUpdate'],
  },
  { name: 'statefulset: negative replicas', create: statefulSet({ replicas: -1 }), fields: ['spec.replicas'] },
  { name: 'statefulset: template restartPolicy OnFailure', create: statefulSet({ template: template({ restartPolicy: 'OnFailure' }) }), fields: ['spec.template.spec.restartPolicy'] },
  {
    name: 'statefulset: claim retention policy',
    create: statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Bogus' } }),
    fields: ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted'],
  },
  { name: 'statefulset: negative minReadySeconds', create: statefulSet({ minReadySeconds: -1 }), fields: ['spec.minReadySeconds'] },
  { name: 'statefulset: negative ordinals.start', create: statefulSet({ ordinals: { start: -1 } }), fields: ['spec.ordinals.start'] },
  {
    name: 'statefulset update: serviceName is forbidden',
    base: set(statefulSet(), (s) => (s.metadata.name = 's-upd')),
    mutate: (s) => (s.spec.serviceName = 'other'),
    fields: ['spec'],
  },
  // ---- DaemonSet
  { name: 'daemonset: selector does not match template labels', create: daemonSet({ selector: { matchLabels: { app: 'other' } } }), fields: ['spec.template.metadata.labels'] },
  { name: 'daemonset: empty selector', create: daemonSet({ selector: {} }), fields: ['spec.selector'] },
  { name: 'daemonset: updateStrategy type', create: daemonSet({ updateStrategy: { type: 'Bogus' } }), fields: ['spec.updateStrategy'] },
  {
    name: 'daemonset: maxUnavailable and maxSurge both 0',
    create: daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }),
    fields: ['spec.updateStrategy.rollingUpdate.maxUnavailable'],
  },
  { name: 'daemonset: template restartPolicy Never', create: daemonSet({ template: template({ restartPolicy: 'Never' }) }), fields: ['spec.template.spec.restartPolicy'] },
  { name: 'daemonset: negative minReadySeconds', create: daemonSet({ minReadySeconds: -1 }), fields: ['spec.minReadySeconds'] },
  {
    name: 'daemonset update: selector is immutable',
    base: set(daemonSet(), (d) => (d.metadata.name = 'ds-upd')),
    mutate: (d) => {
      d.spec.selector = { matchLabels: { app: 'vt', tier: 'x' } };
      d.spec.template.metadata.labels = { app: 'vt', tier: 'x' };
    },
    fields: ['spec.selector'],
  },
  // ---- Job
  { name: 'job: restartPolicy Always', create: job({}, { restartPolicy: 'Always' }), fields: ['spec.template.spec.restartPolicy'] },
  { name: 'job: negative parallelism', create: job({ parallelism: -1 }), fields: ['spec.parallelism'] },
  { name: 'job: negative completions', create: job({ completions: -1 }), fields: ['spec.completions'] },
  { name: 'job: negative backoffLimit', create: job({ backoffLimit: -1 }), fields: ['spec.backoffLimit'] },
  { name: 'job: negative activeDeadlineSeconds', create: job({ activeDeadlineSeconds: -1 }), fields: ['spec.activeDeadlineSeconds'] },
  { name: 'job: negative ttlSecondsAfterFinished', create: job({ ttlSecondsAfterFinished: -1 }), fields: ['spec.ttlSecondsAfterFinished'] },
  { name: 'job: completionMode', create: job({ completionMode: 'Bogus' }), fields: ['spec.completionMode'] },
  { name: 'job: Indexed without completions', create: job({ completionMode: 'Indexed', parallelism: 2 }), fields: ['spec.completions'] },
  { name: 'job: duplicate container names', create: job({}, { containers: [container(), container()] }), fields: ['spec.template.spec.containers[1].name'] },
  {
    name: 'job update: template is immutable',
    base: set(job(), (j) => (j.metadata.name = 'j-upd')),
    mutate: (j) => (j.spec.template.spec.containers[0].image = 'nginx:1.28'),
    fields: ['spec.template'],
  },
  // ---- CronJob
  { name: 'cronjob: schedule not parsable', create: cronJob({ schedule: 'every day' }), fields: ['spec.schedule'] },
  { name: 'cronjob: minute out of range', create: cronJob({ schedule: '61 * * * *' }), fields: ['spec.schedule'] },
  { name: 'cronjob: empty schedule', create: cronJob({ schedule: '' }), fields: ['spec.schedule'] },
  { name: 'cronjob: TZ in schedule', create: cronJob({ schedule: 'TZ=UTC 0 * * * *' }), fields: ['spec.schedule'] },
  { name: 'cronjob: unknown timeZone', create: cronJob({ timeZone: 'Mars/Olympus_Mons' }), fields: ['spec.timeZone'] },
  { name: 'cronjob: concurrencyPolicy', create: cronJob({ concurrencyPolicy: 'Sometimes' }), fields: ['spec.concurrencyPolicy'] },
  { name: 'cronjob: job template restartPolicy Always', create: cronJob({}, { restartPolicy: 'Always' }), fields: ['spec.jobTemplate.spec.template.spec.restartPolicy'] },
  { name: 'cronjob: negative successfulJobsHistoryLimit', create: cronJob({ successfulJobsHistoryLimit: -1 }), fields: ['spec.successfulJobsHistoryLimit'] },
  { name: 'cronjob: negative startingDeadlineSeconds', create: cronJob({ startingDeadlineSeconds: -1 }), fields: ['spec.startingDeadlineSeconds'] },
  { name: 'cronjob: name longer than 52', create: cronJob({}, {}, 'c'.repeat(53)), fields: ['metadata.name'] },
  // ---- Service
  // targetPort defaults to port, so it is reported too
  { name: 'service: port 0', create: service({ ports: [{ port: 0 }] }), fields: ['spec.ports[0].port', 'spec.ports[0].targetPort'] },
  { name: 'service: port out of range', create: service({ ports: [{ port: 70000, targetPort: 8080 }] }), fields: ['spec.ports[0].port'] },
  { name: 'service: duplicate port names', create: service({ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }), fields: ['spec.ports[1].name'] },
  { name: 'service: unnamed ports when several', create: service({ ports: [{ port: 80 }, { port: 81 }] }), fields: ['spec.ports[0].name', 'spec.ports[1].name'] },
  { name: 'service: port protocol', create: service({ ports: [{ port: 80, protocol: 'HTTP' }] }), fields: ['spec.ports[0].protocol'] },
  { name: 'service: type', create: service({ type: 'Bogus' }), fields: ['spec.type'] },
  { name: 'service: nodePort on ClusterIP', create: service({ ports: [{ port: 80, nodePort: 30080 }] }), fields: ['spec.ports[0].nodePort'] },
  { name: 'service: targetPort out of range', create: service({ ports: [{ port: 80, targetPort: 70000 }] }), fields: ['spec.ports[0].targetPort'] },
  { name: 'service: targetPort name', create: service({ ports: [{ port: 80, targetPort: 'Bad_Name' }] }), fields: ['spec.ports[0].targetPort'] },
  { name: 'service: ExternalName without externalName', create: service({ type: 'ExternalName', selector: undefined }), fields: ['spec.externalName'] },
  { name: 'service: sessionAffinity', create: service({ sessionAffinity: 'Bogus' }), fields: ['spec.sessionAffinity'] },
  { name: 'service: selector value', create: service({ selector: { app: 'has space' } }), fields: ['spec.selector'] },
  { name: 'service: clusterIP not an IP', create: service({ clusterIP: 'not-an-ip' }), fields: ['spec.clusterIPs[0]'] },
  {
    name: 'service update: clusterIP is immutable',
    base: set(service(), (s) => (s.metadata.name = 'svc-upd')),
    mutate: (s) => {
      const ip = String(s.spec.clusterIP);
      const last = Number(ip.split('.').pop());
      s.spec.clusterIP = ip.replace(/\d+$/, String(last === 200 ? 201 : 200));
    },
    fields: ['spec.clusterIPs[0]'],
  },
  // ---- Ingress
  { name: 'ingress: pathType missing', create: ingress({}, { http: { paths: [path({ pathType: undefined })] } }), fields: ['spec.rules[0].http.paths[0].pathType'] },
  { name: 'ingress: pathType', create: ingress({}, { http: { paths: [path({ pathType: 'Bogus' })] } }), fields: ['spec.rules[0].http.paths[0].pathType'] },
  { name: 'ingress: relative path', create: ingress({}, { http: { paths: [path({ path: 'api' })] } }), fields: ['spec.rules[0].http.paths[0].path'] },
  {
    name: 'ingress: service and resource backends',
    create: ingress({}, { http: { paths: [path({ backend: { service: { name: 'web', port: { number: 80 } }, resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b' } } })] } }),
    fields: ['spec.rules[0].http.paths[0].backend'],
  },
  {
    name: 'ingress: port name and number',
    create: ingress({}, { http: { paths: [path({ backend: { service: { name: 'web', port: { name: 'http', number: 80 } } } })] } }),
    // upstream: field.Invalid(fldPath, "", "cannot set both port name & port number") on the backend
    fields: ['spec.rules[0].http.paths[0].backend'],
  },
  {
    name: 'ingress: port number out of range',
    create: ingress({}, { http: { paths: [path({ backend: { service: { name: 'web', port: { number: 70000 } } } })] } }),
    fields: ['spec.rules[0].http.paths[0].backend.service.port.number'],
  },
  {
    name: 'ingress: backend service name',
    create: ingress({}, { http: { paths: [path({ backend: { service: { name: 'Bad_Svc', port: { number: 80 } } } })] } }),
    fields: ['spec.rules[0].http.paths[0].backend.service.name'],
  },
  { name: 'ingress: host is an IP', create: ingress({}, { host: '1.2.3.4' }), fields: ['spec.rules[0].host'] },
  { name: 'ingress: host wildcard in the middle', create: ingress({}, { host: 'foo.*.example.com' }), fields: ['spec.rules[0].host'] },
  { name: 'ingress: neither rules nor defaultBackend', create: ingress({ rules: [] }), fields: ['spec'] },
  { name: 'ingress: http without paths', create: ingress({}, { http: { paths: [] } }), fields: ['spec.rules[0].http.paths'] },
  { name: 'ingress: tls host', create: ingress({ tls: [{ hosts: ['Bad_Host'] }] }), fields: ['spec.tls[0].hosts[0]'] },
  { name: 'ingress: ingressClassName', create: ingress({ ingressClassName: 'Bad_Class' }), fields: ['spec.ingressClassName'] },
];

beforeAll(async () => {
  server = await startApiserver();
  const r = await server.request('POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
  expect(r.status, r.body).toBe(201);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('validation: invalid objects answer 422 Invalid with the upstream field paths', () => {
  it('has at least 60 cases across the eight kinds', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const kinds = new Set(cases.map((c) => (c.create ?? c.base)!.kind));
    expect([...kinds].sort()).toEqual(['CronJob', 'DaemonSet', 'Deployment', 'Ingress', 'Job', 'Pod', 'Service', 'StatefulSet']);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    let res;
    let kind: string;
    let name: string;
    if (c.create) {
      kind = c.create.kind;
      name = c.create.metadata.name;
      res = await server.request('POST', PATHS[kind], { body: JSON.stringify(c.create) });
    } else {
      kind = c.base!.kind;
      name = c.base!.metadata.name;
      const created = await server.request('POST', PATHS[kind], { body: JSON.stringify(c.base) });
      expect(created.status, created.body).toBe(201);
      const current = created.json<Obj>();
      c.mutate!(current);
      res = await server.request('PUT', `${PATHS[kind]}/${name}`, { body: JSON.stringify(current) });
    }
    expect(res.status, res.body).toBe(422);
    const status = res.json<Obj>();
    expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Invalid', code: 422, details: { name, kind } });
    const fields = [...new Set((status.details.causes as Obj[]).map((x) => x.field as string))].sort();
    expect(fields, status.message).toEqual([...c.fields].sort());
    expect(status.message).toMatch(new RegExp(`^${kind}(\\.[a-z0-9.]+)? "${name}" is invalid: `));
  });
});
