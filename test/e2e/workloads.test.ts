/**
 * End to end with kubectl 1.32 over etcd: StatefulSet (volume claim templates, scale), DaemonSet,
 * Job, CronJob and PodDisruptionBudget — apply, the table columns kubectl prints, the defaults
 * read back, `kubectl create job|cronjob|pdb` (protobuf bodies), and 422s with upstream messages.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
const ns = 'wl';
const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, [...args, '-n', ns]);
const kin = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, [...args, '-n', ns], input);

beforeAll(async () => {
  server = await startApiserver();
  const r = await kubectl('1.32', server.kubeconfig, ['create', 'namespace', ns]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const manifests = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80, name: web}]
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
      - name: agent
        image: prom/node-exporter:v1.8.0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(200)"]
      restartPolicy: Never
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "@hourly"
  timeZone: Europe/Berlin
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox
          restartPolicy: OnFailure
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
`;

const header = (out: string) => out.split('\n')[0].trim().split(/\s{2,}/);
const row = (out: string, name: string) =>
  out
    .split('\n')
    .find((l) => l.startsWith(`${name} `))
    ?.trim()
    .split(/\s{2,}/);

describe('workload resources with kubectl 1.32', () => {
  it('applies a StatefulSet, DaemonSet, Job, CronJob and PDB', async () => {
    const r = await kin(manifests, 'apply', '-f', '-');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'statefulset.apps/web created',
      'daemonset.apps/agent created',
      'job.batch/pi created',
      'cronjob.batch/hello created',
      'poddisruptionbudget.policy/web created',
    ]);
  });

  it('prints the upstream columns', async () => {
    const sts = await k('get', 'sts');
    expect(header(sts.stdout), sts.stderr).toEqual(['NAME', 'READY', 'AGE']);
    expect(row(sts.stdout, 'web')?.slice(0, 2)).toEqual(['web', '0/2']);
    const ds = await k('get', 'ds', '-o', 'wide');
    expect(header(ds.stdout)).toEqual([
      'NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR',
    ]);
    const dsRow = row(ds.stdout, 'agent')!;
    expect([...dsRow.slice(0, 7), ...dsRow.slice(8)]).toEqual([
      'agent', '0', '0', '0', '0', '0', 'kubernetes.io/os=linux', 'agent', 'prom/node-exporter:v1.8.0', 'app=agent',
    ]);
    const job = await k('get', 'jobs');
    expect(header(job.stdout)).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    expect(row(job.stdout, 'pi')?.slice(0, 3)).toEqual(['pi', 'Running', '0/1']);
    const cj = await k('get', 'cj');
    expect(header(cj.stdout)).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    expect(row(cj.stdout, 'hello')?.slice(0, 6)).toEqual(['hello', '@hourly', 'Europe/Berlin', 'False', '0', '<none>']);
    const pdb = await k('get', 'pdb');
    expect(header(pdb.stdout)).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(row(pdb.stdout, 'web')?.slice(0, 4)).toEqual(['web', 'N/A', '1', '0']);
  });

  it('reads back the defaults kube-apiserver 1.32 fills in', async () => {
    const sts = JSON.parse((await k('get', 'sts', 'web', '-o', 'json')).stdout);
    expect(sts.spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    expect(sts.spec.volumeClaimTemplates[0]).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'www', creationTimestamp: null },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
    expect(sts.status).toEqual({ replicas: 0, availableReplicas: 0 });
    const ds = JSON.parse((await k('get', 'ds', 'agent', '-o', 'json')).stdout);
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.metadata.annotations['deprecated.daemonset.template.generation']).toBe('1');
    const job = JSON.parse((await k('get', 'job', 'pi', '-o', 'json')).stdout);
    expect(job.spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' });
    expect(job.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } });
    expect(job.metadata.labels).toEqual({
      'batch.kubernetes.io/controller-uid': job.metadata.uid,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': job.metadata.uid,
      'job-name': 'pi',
    });
    const cj = JSON.parse((await k('get', 'cj', 'hello', '-o', 'json')).stdout);
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });

  it('kubectl create job, cronjob and pdb (protobuf bodies)', async () => {
    const job = await k('create', 'job', 'x', '--image=busybox');
    expect(job.stdout.trim(), job.stderr).toBe('job.batch/x created');
    const got = JSON.parse((await k('get', 'job', 'x', '-o', 'json')).stdout);
    expect(got.spec.template.spec.containers[0]).toMatchObject({ name: 'x', image: 'busybox' });
    expect(got.spec.template.spec.restartPolicy).toBe('Never');
    expect(got.spec.template.metadata.labels['job-name']).toBe('x');
    const cj = await k('create', 'cronjob', 'y', '--image=busybox', '--schedule=*/5 * * * *');
    expect(cj.stdout.trim(), cj.stderr).toBe('cronjob.batch/y created');
    const list = await k('get', 'cronjobs');
    expect(row(list.stdout, 'y')?.slice(0, 4)).toEqual(['y', '*/5 * * * *', '<none>', 'False']);
    const manual = await k('create', 'job', 'manual', '--from=cronjob/hello');
    expect(manual.stdout.trim(), manual.stderr).toBe('job.batch/manual created');
    const m = JSON.parse((await k('get', 'job', 'manual', '-o', 'json')).stdout);
    expect(m.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(m.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'hello' });
    expect(m.spec.backoffLimit).toBe(6);
    const pdb = await k('create', 'pdb', 'z', '--selector=app=web', '--min-available=50%');
    expect(pdb.stdout.trim(), pdb.stderr).toBe('poddisruptionbudget.policy/z created');
    expect(row((await k('get', 'pdb')).stdout, 'z')?.slice(0, 3)).toEqual(['z', '50%', 'N/A']);
  });

  it('shows the kinds in `get all` and explains their fields', async () => {
    const all = await k('get', 'all');
    expect(all.code, all.stderr).toBe(0);
    for (const name of ['statefulset.apps/web', 'daemonset.apps/agent', 'job.batch/pi', 'cronjob.batch/hello']) expect(all.stdout).toContain(name);
    expect(all.stdout).not.toContain('poddisruptionbudget');
    const ex = await kubectl('1.32', server.kubeconfig, ['explain', 'cronjobs.spec.timeZone']);
    expect(ex.stdout, ex.stderr).toContain('KIND:       CronJob');
    expect(ex.stdout).toContain('FIELD: timeZone <string>');
    const sts = await kubectl('1.32', server.kubeconfig, ['explain', 'sts.spec.volumeClaimTemplates']);
    expect(sts.stdout, sts.stderr).toContain('FIELD: volumeClaimTemplates <[]PersistentVolumeClaim>');
  });

  it('kubectl create job sends protobuf', async () => {
    const r = await k('create', 'job', 'x2', '--image=busybox', '-v=8');
    expect(r.stdout.trim(), r.stderr).toBe('job.batch/x2 created');
    expect(r.stderr).toMatch(/Content-Type: application\/vnd\.kubernetes\.protobuf/);
  });

  it('re-applies a changed manifest (strategic merge patch on the pod template)', async () => {
    const r = await kin(manifests.replace('image: nginx:1.25', 'image: nginx:1.27'), 'apply', '-f', '-');
    expect(r.stdout, r.stderr).toContain('statefulset.apps/web configured');
    expect(r.stdout).toContain('daemonset.apps/agent unchanged');
    const sts = JSON.parse((await k('get', 'sts', 'web', '-o', 'json')).stdout);
    expect(sts.spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual(['nginx:1.27']);
    expect(sts.metadata.generation).toBe(2);
  });

  it('kubectl describe works for each kind', async () => {
    for (const [kind, name, text] of [
      ['statefulset', 'web', 'Volume Claims:'],
      ['daemonset', 'agent', 'Desired Number of Nodes Scheduled: 0'],
      ['job', 'pi', 'Completion Mode:  NonIndexed'],
      ['cronjob', 'hello', 'Schedule:'],
      ['pdb', 'web', 'Max unavailable:'],
    ]) {
      const r = await k('describe', kind, name);
      expect(r.code, `${kind}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(text);
    }
  });

  it('kubectl scale sts', async () => {
    const r = await k('scale', 'sts', 'web', '--replicas=3');
    expect(r.stdout.trim(), r.stderr).toBe('statefulset.apps/web scaled');
    expect((await k('get', 'sts', 'web', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('3');
    expect(row((await k('get', 'sts')).stdout, 'web')?.[1]).toBe('0/3');
  });

  it('rejects invalid objects with 422s and upstream messages', async () => {
    const badJob = `apiVersion: batch/v1
kind: Job
metadata: {name: bad}
spec:
  template:
    spec:
      containers: [{name: c, image: busybox}]
`;
    const j = await kin(badJob, 'apply', '-f', '-');
    expect(j.code).not.toBe(0);
    expect(j.stderr).toContain('The Job "bad" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
    const badCron = `apiVersion: batch/v1
kind: CronJob
metadata: {name: badcron}
spec:
  schedule: "61 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: c, image: busybox}]
          restartPolicy: Never
`;
    const c = await kin(badCron, 'apply', '-f', '-');
    expect(c.stderr).toContain('The CronJob "badcron" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
    const badPdb = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: badpdb}
spec:
  minAvailable: 1
  maxUnavailable: 1
`;
    const p = await kin(badPdb, 'apply', '-f', '-');
    expect(p.stderr).toContain('The PodDisruptionBudget "badpdb" is invalid: spec: Invalid value');
    expect(p.stderr).toContain('minAvailable and maxUnavailable cannot be both set');
    const ds = await k('patch', 'ds', 'agent', '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}}}}');
    expect(ds.stderr).toContain('The DaemonSet "agent" is invalid:');
    expect(ds.stderr).toContain('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
    const dotted = await kin(manifests.split('---')[0].replace('name: web\n', 'name: web.v1\n'), 'apply', '-f', '-');
    expect(dotted.stderr).toContain('The StatefulSet "web.v1" is invalid: metadata.name: Invalid value: "web.v1": a lowercase RFC 1123 label must consist of');
    const sts = await k('patch', 'sts', 'web', '--type=merge', '-p', '{"spec":{"serviceName":"other"}}');
    expect(sts.stderr).toContain("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
  });

  it('the Python client creates, lists, patches and deletes CronJobs and Jobs through its typed API', async () => {
    const script = `
import json, sys
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1])
b = client.BatchV1Api()
tmpl = client.V1PodTemplateSpec(spec=client.V1PodSpec(restart_policy="Never", containers=[client.V1Container(name="c", image="busybox")]))
cj = client.V1CronJob(metadata=client.V1ObjectMeta(name="pycron"), spec=client.V1CronJobSpec(schedule="0 * * * *", job_template=client.V1JobTemplateSpec(spec=client.V1JobSpec(template=tmpl))))
out = {}
created = b.create_namespaced_cron_job("${ns}", cj)
out["history"] = [created.spec.successful_jobs_history_limit, created.spec.failed_jobs_history_limit, created.spec.concurrency_policy]
out["listed"] = sorted(c.metadata.name for c in b.list_namespaced_cron_job("${ns}").items)
patched = b.patch_namespaced_cron_job("pycron", "${ns}", {"spec": {"suspend": True}})
out["suspend"] = patched.spec.suspend
job = b.create_namespaced_job("${ns}", client.V1Job(metadata=client.V1ObjectMeta(name="pyjob"), spec=client.V1JobSpec(template=tmpl)))
out["job"] = [job.spec.backoff_limit, job.spec.completions, job.spec.selector.match_labels["batch.kubernetes.io/controller-uid"] == job.metadata.uid]
b.delete_namespaced_cron_job("pycron", "${ns}")
out["after"] = [c.metadata.name for c in b.list_namespaced_cron_job("${ns}").items if c.metadata.name == "pycron"]
print(json.dumps(out))
`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('/usr/bin/python3', ['-c', script, server.kubeconfig], { timeout: 60_000 }, (err, o, e) => (err ? reject(new Error(`${err.message}\n${e}`)) : resolve(o)));
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out.history).toEqual([3, 1, 'Allow']);
    expect(out.listed).toContain('pycron');
    expect(out.suspend).toBe(true);
    expect(out.job).toEqual([6, 1, true]);
    expect(out.after).toEqual([]);
  });
});
