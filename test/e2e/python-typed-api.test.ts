/**
 * Issue 3 acceptance: the official Python client (Debian python3-kubernetes) creates, lists, patches
 * and deletes Deployments (AppsV1Api), Services (CoreV1Api) and CronJobs (BatchV1Api) through its
 * typed API — every response is deserialized into the generated models (V1Deployment, V1Service,
 * V1CronJob), whose required-field checks fail on a malformed body.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const script = `
import json, sys
from kubernetes import client, config
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=sys.argv[1])
core, apps, batch = client.CoreV1Api(), client.AppsV1Api(), client.BatchV1Api()
ns = "py-typed"
out = {}
core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
labels = {"app": "shop"}
container = client.V1Container(name="web", image="nginx:1.27", ports=[client.V1ContainerPort(container_port=80, name="http")])

# Deployments
dep = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="shop", labels=labels),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels=labels),
        template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(containers=[container])),
    ),
)
created = apps.create_namespaced_deployment(ns, dep)
out["deployment_created"] = [type(created).__name__, created.spec.strategy.type, created.spec.revision_history_limit,
    created.spec.template.spec.containers[0].image_pull_policy, created.spec.template.spec.containers[0].ports[0].protocol]
listed = apps.list_namespaced_deployment(ns, label_selector="app=shop")
out["deployment_list"] = [type(listed).__name__, [d.metadata.name for d in listed.items]]
patched = apps.patch_namespaced_deployment("shop", ns, {"spec": {"replicas": 4}})
out["deployment_patched"] = [patched.spec.replicas, patched.metadata.generation]
scale = apps.patch_namespaced_deployment_scale("shop", ns, {"spec": {"replicas": 1}})
out["deployment_scale"] = [type(scale).__name__, scale.spec.replicas]
st = apps.delete_namespaced_deployment("shop", ns)
out["deployment_deleted"] = type(st).__name__
try:
    apps.read_namespaced_deployment("shop", ns)
except ApiException as e:
    out["deployment_gone"] = e.status

# Services
svc = client.V1Service(
    metadata=client.V1ObjectMeta(name="shop", labels=labels),
    spec=client.V1ServiceSpec(selector=labels, ports=[client.V1ServicePort(name="http", port=80, target_port="http")]),
)
created = core.create_namespaced_service(ns, svc)
out["service_created"] = [type(created).__name__, created.spec.type, created.spec.session_affinity,
    created.spec.ports[0].protocol, created.spec.ports[0].target_port, bool(created.spec.cluster_ip)]
out["service_list"] = [s.metadata.name for s in core.list_namespaced_service(ns).items]
patched = core.patch_namespaced_service("shop", ns, {"metadata": {"labels": {"tier": "fe"}}, "spec": {"ports": [{"name": "metrics", "port": 9090}]}})
out["service_patched"] = [patched.metadata.labels, sorted(p.name for p in patched.spec.ports)]
core.delete_namespaced_service("shop", ns)
out["service_after_delete"] = [s.metadata.name for s in core.list_namespaced_service(ns).items]

# CronJobs
cj = client.V1CronJob(
    metadata=client.V1ObjectMeta(name="report"),
    spec=client.V1CronJobSpec(
        schedule="*/10 * * * *",
        job_template=client.V1JobTemplateSpec(spec=client.V1JobSpec(template=client.V1PodTemplateSpec(
            spec=client.V1PodSpec(restart_policy="OnFailure", containers=[client.V1Container(name="r", image="busybox", command=["true"])])))),
    ),
)
created = batch.create_namespaced_cron_job(ns, cj)
out["cronjob_created"] = [type(created).__name__, created.spec.concurrency_policy, created.spec.suspend,
    created.spec.successful_jobs_history_limit, created.spec.failed_jobs_history_limit]
out["cronjob_list"] = [c.metadata.name for c in batch.list_namespaced_cron_job(ns).items]
patched = batch.patch_namespaced_cron_job("report", ns, {"spec": {"suspend": True, "schedule": "0 * * * *"}})
out["cronjob_patched"] = [patched.spec.suspend, patched.spec.schedule]
try:
    batch.patch_namespaced_cron_job("report", ns, {"spec": {"schedule": "not a schedule"}})
except ApiException as e:
    body = json.loads(e.body)
    out["cronjob_invalid"] = [e.status, body["reason"], [c["field"] for c in body["details"]["causes"]]]
batch.delete_namespaced_cron_job("report", ns, propagation_policy="Background")
out["cronjob_after_delete"] = [c.metadata.name for c in batch.list_namespaced_cron_job(ns).items]
print(json.dumps(out))
`;

describe('python3-kubernetes typed API', () => {
  it('creates, lists, patches and deletes Deployments, Services and CronJobs', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('/usr/bin/python3', ['-c', script, server.kubeconfig], { timeout: 90_000 }, (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
      );
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out).toEqual({
      deployment_created: ['V1Deployment', 'RollingUpdate', 10, 'IfNotPresent', 'TCP'],
      deployment_list: ['V1DeploymentList', ['shop']],
      deployment_patched: [4, 2],
      deployment_scale: ['V1Scale', 1],
      deployment_deleted: 'V1Status',
      deployment_gone: 404,
      service_created: ['V1Service', 'ClusterIP', 'None', 'TCP', 'http', true],
      service_list: ['shop'],
      service_patched: [{ app: 'shop', tier: 'fe' }, ['http', 'metrics']],
      service_after_delete: [],
      cronjob_created: ['V1CronJob', 'Allow', false, 3, 1],
      cronjob_list: ['report'],
      cronjob_patched: [true, '0 * * * *'],
      cronjob_invalid: [422, 'Invalid', ['spec.schedule']],
      cronjob_after_delete: [],
    });
  });
});
