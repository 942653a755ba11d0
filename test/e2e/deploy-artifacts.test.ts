/**
 * The deployment artifacts under deploy/ (Kubernetes manifests, the Helm chart rendered by our own
 * renderer, Dockerfiles, systemd units, the OpenTelemetry config) are valid:
 *  - every YAML parses, and the chart's defaults produce the same objects as deploy/kubernetes;
 *  - kubectl 1.32 `apply --server-side --dry-run=server` of the manifests and of the rendered
 *    chart succeeds against a real Kubernest replica on etcd;
 *  - every `--flag` of a kubernest container command, systemd ExecStart/env file and Dockerfile
 *    ENTRYPOINT is listed by `bin/kubernest <component> --help`;
 *  - Dockerfiles are multi-stage, run as a numeric non-root USER and do not ADD from URLs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseTracingConfiguration } from '../../libs/tracing/src/config';
import { renderChartStream } from '../../deploy/helm/render';
import { ApiserverInstance, KUBERNEST_BIN, kubectl, REPO_ROOT, startApiserver } from '../harness/apiserver';

const DEPLOY = join(REPO_ROOT, 'deploy');
const CHART = join(DEPLOY, 'helm', 'kubernest');
const COMPONENTS = ['apiserver', 'watch-cache', 'bootstrap-controller', 'konnectivity-server', 'konnectivity-agent', 'server'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));

function parseDocs(text: string, where: string): Obj[] {
  const docs = parseAllDocuments(text);
  const out: Obj[] = [];
  for (const d of docs) {
    expect(d.errors.map((e) => e.message), where).toEqual([]);
    const js = d.toJS() as Obj | null;
    if (js) out.push(js);
  }
  return out;
}

const renderedChart = renderChartStream(CHART, { releaseName: 'kubernest', namespace: 'kubernest' });
const manifestObjs = yamlFiles(join(DEPLOY, 'kubernetes')).flatMap((f) => parseDocs(readFileSync(f, 'utf8'), f));
const chartObjs = parseDocs(renderedChart, 'rendered chart');
/** for the served cluster's nodes (kube-system of Kubernest itself) */
const nodeObjs = yamlFiles(join(DEPLOY, 'kubernetes', 'nodes')).flatMap((f) => parseDocs(readFileSync(f, 'utf8'), f));

/** flags per component, from `bin/kubernest <component> --help` */
const helpFlags = new Map<string, Set<string>>();
function flagsOf(component: string): Set<string> {
  let s = helpFlags.get(component);
  if (!s) {
    const help = execFileSync(process.execPath, [KUBERNEST_BIN, component, '--help'], { encoding: 'utf8', timeout: 30_000 });
    s = new Set([...help.matchAll(/^\s+(?:-\w, )?--([a-z0-9-]+)/gm)].map((m) => m[1]));
    expect(s.size, `${component} --help lists flags`).toBeGreaterThan(1);
    helpFlags.set(component, s);
  }
  return s;
}

const flagNames = (args: string[]) => args.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]);

function expectKnownFlags(component: string, args: string[], where: string) {
  expect(COMPONENTS.concat('kubelet-sim'), where).toContain(component);
  const known = flagsOf(component);
  const unknown = flagNames(args).filter((f) => !known.has(f));
  expect(unknown, `${where}: flags not in \`kubernest ${component} --help\``).toEqual([]);
}

/** every container whose command runs bin/kubernest, as [component, args] */
function kubernestContainers(objs: Obj[]): { where: string; component: string; args: string[] }[] {
  const out: { where: string; component: string; args: string[] }[] = [];
  for (const o of objs) {
    const containers: Obj[] = o.spec?.template?.spec?.containers ?? [];
    for (const c of containers) {
      const cmd: string[] = [...(c.command ?? []), ...(c.args ?? [])];
      const i = cmd.findIndex((x) => /(^|\/)bin\/kubernest$/.test(x));
      if (i >= 0) out.push({ where: `${o.kind}/${o.metadata.name} container ${c.name}`, component: cmd[i + 1], args: cmd.slice(i + 2) });
    }
  }
  return out;
}

describe('YAML', () => {
  it('deploy/kubernetes: every document is an object with apiVersion, kind and a name in namespace kubernest', () => {
    expect(manifestObjs.length).toBeGreaterThan(15);
    for (const o of manifestObjs) {
      expect(o.apiVersion && o.kind && o.metadata?.name, JSON.stringify(o).slice(0, 200)).toBeTruthy();
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('kubernest');
    }
    const kinds = manifestObjs.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const k of [
      'Namespace/kubernest',
      'StatefulSet/kubernest-etcd',
      'Deployment/kubernest-redis',
      'Deployment/kubernest-watch-cache',
      'Deployment/kubernest-apiserver',
      'Deployment/kubernest-bootstrap-controller',
      'Deployment/kubernest-konnectivity-server',
      'Secret/kubernest-pki',
      'ConfigMap/kubernest-egress-selector',
      'ConfigMap/kubernest-tracing',
    ])
      expect(kinds).toContain(k);
  });

  it('the rendered chart (defaults) produces the same objects as deploy/kubernetes', () => {
    const ids = (objs: Obj[]) => objs.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    expect(ids(chartObjs)).toEqual(ids(manifestObjs));
    const replicas = (objs: Obj[]) => Object.fromEntries(objs.filter((o) => o.spec?.replicas !== undefined).map((o) => [o.metadata.name, o.spec.replicas]));
    expect(replicas(chartObjs)).toEqual(replicas(manifestObjs));
  });

  it('the apiserver Service maps 443 to 6443 and the replicas probe /readyz and /livez over HTTPS', () => {
    for (const objs of [manifestObjs, chartObjs]) {
      const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'kubernest-apiserver')!;
      expect(svc.spec.ports[0]).toMatchObject({ port: 443, targetPort: 6443 });
      const c = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kubernest-apiserver')!.spec.template.spec.containers[0];
      expect(c.readinessProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/readyz', port: 6443 });
      expect(c.livenessProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/livez', port: 6443 });
    }
  });

  it('every pod runs as non-root with a read-only root filesystem and resource limits', () => {
    for (const o of [...manifestObjs, ...chartObjs, ...nodeObjs]) {
      const pod = o.spec?.template?.spec;
      if (!pod) continue;
      expect(pod.securityContext?.runAsNonRoot, `${o.kind}/${o.metadata.name}`).toBe(true);
      for (const c of pod.containers) {
        expect(c.securityContext?.readOnlyRootFilesystem, `${o.metadata.name}/${c.name}`).toBe(true);
        expect(c.resources?.requests && c.resources?.limits, `${o.metadata.name}/${c.name}`).toBeTruthy();
      }
    }
  });

  it('deploy/otel: the collector config and the TracingConfiguration parse; so does the ConfigMap copy', () => {
    const files = yamlFiles(join(DEPLOY, 'otel'));
    expect(files.map((f) => f.split('/').pop())).toEqual(['collector.yaml', 'tracing-config.yaml']);
    const [collector] = parseDocs(readFileSync(files[0], 'utf8'), files[0]);
    expect(collector.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(collector.service.pipelines.traces.processors).toContain('batch');
    expect(collector.service.pipelines.traces.exporters).toEqual(expect.arrayContaining(['debug', 'otlp']));
    expect(parseTracingConfiguration(readFileSync(files[1], 'utf8')).endpoint).toBe('localhost:4317');
    for (const objs of [manifestObjs, chartObjs]) {
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kubernest-tracing')!;
      expect(parseTracingConfiguration(cm.data['tracing-config.yaml']).endpoint).toBe('otel-collector.observability.svc:4317');
      const egress = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kubernest-egress-selector')!;
      expect(parseDocs(egress.data['egress-selector.yaml'], 'egress')[0].kind).toBe('EgressSelectorConfiguration');
    }
  });
});

describe('flags exist (bin/kubernest <component> --help)', () => {
  it('in the container commands of the manifests and of the rendered chart', () => {
    const containers = [...kubernestContainers(manifestObjs), ...kubernestContainers(chartObjs)];
    expect(new Set(containers.map((c) => c.component))).toEqual(new Set(['apiserver', 'watch-cache', 'bootstrap-controller', 'konnectivity-server']));
    for (const c of containers) expectKnownFlags(c.component, c.args, c.where);
    const agents = kubernestContainers(nodeObjs);
    expect(agents.map((c) => c.component)).toEqual(['konnectivity-agent']);
    for (const c of agents) expectKnownFlags(c.component, c.args, c.where);
  });

  it('in the systemd units and their env files', () => {
    const dir = join(DEPLOY, 'systemd');
    const units = readdirSync(dir).filter((f) => f.endsWith('.service'));
    expect(units.sort()).toEqual(COMPONENTS.map((c) => `kubernest-${c}.service`).sort());
    for (const u of units) {
      const text = readFileSync(join(dir, u), 'utf8');
      const exec = /^ExecStart=\/usr\/bin\/node \/opt\/kubernest\/bin\/kubernest (\S+) (.*)$/m.exec(text);
      expect(exec, u).toBeTruthy();
      const component = exec![1];
      expect(u).toBe(`kubernest-${component}.service`);
      for (const line of ['Restart=on-failure', 'User=kubernest', 'NoNewPrivileges=yes', 'ProtectSystem=strict', `EnvironmentFile=/etc/kubernest/${component}.env`])
        expect(text.split('\n'), u).toContain(line);
      const env = readFileSync(join(dir, `${component}.env`), 'utf8').replace(/\\\n/g, ' ');
      const flags = /^FLAGS="([^"]*)"/m.exec(env);
      expect(flags, `${component}.env`).toBeTruthy();
      const args = [...exec![2].split(/\s+/).filter((a) => !a.startsWith('$')), ...flags![1].trim().split(/\s+/)];
      expect(flagNames(args).length, u).toBeGreaterThan(0);
      expectKnownFlags(component, args, u);
    }
  });

  it('in the Dockerfile ENTRYPOINTs', () => {
    const dir = join(DEPLOY, 'docker');
    const files = readdirSync(dir).filter((f) => f.endsWith('.Dockerfile'));
    expect(files.sort()).toEqual(COMPONENTS.map((c) => `${c}.Dockerfile`).sort());
    for (const f of files) {
      const ep = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(dir, f), 'utf8'));
      const argv = JSON.parse(ep![1]) as string[];
      expect(argv.slice(0, 3), f).toEqual(['node', 'bin/kubernest', f.replace('.Dockerfile', '')]);
      expectKnownFlags(argv[2], argv.slice(3), f);
    }
  });
});

describe('Dockerfiles', () => {
  const dir = join(DEPLOY, 'docker');
  it('are multi-stage, run as a numeric non-root user in the final stage, never ADD from a URL', () => {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.Dockerfile'))) {
      const lines = readFileSync(join(dir, f), 'utf8')
        .replace(/\\\n/g, ' ')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      const froms = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
      expect(froms.length, f).toBeGreaterThanOrEqual(2);
      const final = lines.slice(froms[froms.length - 1]);
      expect(final[0], f).toMatch(/^FROM node:20[\w.-]*-slim\b/);
      const users = final.filter((l) => /^USER\s/i.test(l));
      expect(users.length, f).toBeGreaterThan(0);
      const user = users[users.length - 1].split(/\s+/)[1].split(':')[0];
      expect(user, f).toMatch(/^\d+$/);
      expect(user, f).not.toBe('0');
      expect(lines.filter((l) => /^ADD\s.*https?:\/\//i.test(l)), f).toEqual([]);
      expect(lines.some((l) => /npm ci/.test(l) && /npm run build/.test(l)), f).toBe(true);
      if (['apiserver', 'server', 'konnectivity-server', 'watch-cache'].includes(f.replace('.Dockerfile', ''))) expect(lines.some((l) => /^HEALTHCHECK\s/.test(l)), f).toBe(true);
    }
  });

  it('a .dockerignore at the repository root keeps node_modules and dist out of the context', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});

describe('server-side dry-run apply with kubectl 1.32 against Kubernest', () => {
  let server: ApiserverInstance;
  let tmp: string;
  beforeAll(async () => {
    server = await startApiserver();
    tmp = mkdtempSync(join(tmpdir(), 'kubernest-deploy-'));
    // objects of a namespace can only be created (even in a dry run) once it exists
    const ns = await kubectl('1.32', server.kubeconfig, ['create', 'namespace', 'kubernest']);
    expect(ns.code, ns.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const applied = (stdout: string) => stdout.split('\n').filter((l) => l.endsWith('serverside-applied (server dry run)')).length;

  it('applies every manifest of deploy/kubernetes', async () => {
    const r = await kubectl('1.32', server.kubeconfig, ['apply', '--server-side', '--dry-run=server', '-f', join(DEPLOY, 'kubernetes')]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(applied(r.stdout), r.stdout).toBe(manifestObjs.length);
  });

  it('applies the rendered Helm chart', async () => {
    const file = join(tmp, 'chart.yaml');
    writeFileSync(file, renderedChart);
    const r = await kubectl('1.32', server.kubeconfig, ['apply', '--server-side', '--dry-run=server', '-f', file]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(applied(r.stdout), r.stdout).toBe(chartObjs.length);
  });

  it('applies the node agents (deploy/kubernetes/nodes) to kube-system', async () => {
    const r = await kubectl('1.32', server.kubeconfig, ['apply', '--server-side', '--dry-run=server', '-f', join(DEPLOY, 'kubernetes', 'nodes')]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(applied(r.stdout), r.stdout).toBe(nodeObjs.length);
    expect(nodeObjs.every((o) => o.metadata.namespace === 'kube-system')).toBe(true);
  });

  it('stored nothing (dry run)', async () => {
    const r = await kubectl('1.32', server.kubeconfig, ['get', 'deployments,statefulsets,services,configmaps,secrets', '-n', 'kubernest', '-o', 'name']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l && !l.startsWith('configmap/kube-root-ca.crt'))).toEqual([]);
  });
});
