/**
 * Start-up benchmark: milliseconds from spawning `bin/kubernest` to the first `GET /readyz` that
 * answers 200, for
 *   - embedded, fresh data dir:     `server --data-dir <new dir>` (creates certs, kubeconfig, SQLite);
 *   - embedded, existing data dir:  `server --data-dir <dir>` again (certs and database present);
 *   - server + etcd:                `server --etcd-servers=<etcd> --data-dir <dir with certs>`;
 *   - apiserver + etcd:             `apiserver --etcd-servers=<etcd> --cert-dir <dir with certs>`.
 * One etcd is started for the whole run. The scenarios are interleaved (one run of each, then the
 * next round) so load drift on the machine hits all of them alike. Every process is stopped
 * (SIGTERM, then SIGKILL after 5 s) before the next starts.
 * Prints a table and the goal line, writes bench/results/startup.json. See bench/README.md.
 *
 * Environment: BENCH_STARTUP_RUNS (10 per scenario), BENCH_STARTUP_TIMEOUT_MS (180000, the whole run).
 * Exit status 0 only if every start succeeded and the goal passed.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/harness/apiserver';
import { EtcdInstance, startEtcd } from '../test/harness/etcd';
import { freePort } from '../test/harness/ports';
import { gitCommit, intEnv } from './util';
import { spawn } from 'node:child_process';
import { KubernestProcess, ReadyTimes, spawnKubernest, stopProcess, waitReady } from './proc';

const RUNS = intEnv('BENCH_STARTUP_RUNS', 10, 1);
const TIMEOUT_MS = intEnv('BENCH_STARTUP_TIMEOUT_MS', 180_000, 1000);
const POLL_MS = 10;
const PROBE_TIMEOUT_MS = 500;
/** one start may take at most this long */
const START_DEADLINE_MS = 30_000;
const GOAL_MS = 1500;
const GOAL_SCENARIO = 'embedded-existing';
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

const loadAtStart = loadavg()[0];
const log = (s: string) => process.stderr.write(`[bench:startup] ${s}\n`);

interface Scenario {
  id: string;
  label: string;
  /** one-time set-up, unmeasured (e.g. a first start that creates the certs) */
  prepare?: () => Promise<void>;
  /** the command line of one measured start on `port` (a kubernest scenario) */
  args?: (port: number) => Promise<string[]>;
  /** or a measurement of its own (the Node floor) */
  measure?: () => Promise<ReadyTimes>;
  /** not a Kubernest start: shown for reference only */
  reference?: boolean;
  times: number[];
  /** ms to the first HTTP answer of any status, same runs as `times` */
  answerTimes: number[];
  errors: string[];
}

interface Summary {
  scenario: string;
  label: string;
  runs: number;
  ok: number;
  errors: number;
  firstError?: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** median ms to the first HTTP answer of any status: the port serves; the rest is readiness */
  firstAnswerMedianMs: number;
  timesMs: number[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summarize(sc: Scenario): Summary {
  const t = sc.times;
  return {
    scenario: sc.id,
    label: sc.label,
    runs: t.length + sc.errors.length,
    ok: t.length,
    errors: sc.errors.length,
    ...(sc.errors.length ? { firstError: sc.errors[0] } : {}),
    medianMs: round1(median(t)),
    minMs: round1(t.length ? Math.min(...t) : NaN),
    maxMs: round1(t.length ? Math.max(...t) : NaN),
    meanMs: round1(t.length ? t.reduce((a, b) => a + b, 0) / t.length : NaN),
    firstAnswerMedianMs: round1(median(sc.answerTimes)),
    timesMs: t.map(round1),
  };
}

function table(rows: Summary[]): string {
  const head = ['scenario', 'ok/runs', 'median ms', 'min ms', 'max ms', 'mean ms', 'first answer (median)'];
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
  const cells = rows.map((r) => [r.label, `${r.ok}/${r.runs}`, fmt(r.medianMs), fmt(r.minMs), fmt(r.maxMs), fmt(r.meanMs), fmt(r.firstAnswerMedianMs)]);
  const widths = head.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const line = (cs: string[]) => cs.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

interface State {
  root?: string;
  etcd?: EtcdInstance;
  current?: KubernestProcess;
  aborted: boolean;
  scenarios: Scenario[];
}

/** One measured (or set-up) start: spawn, wait for /readyz 200, stop. */
async function startOnce(state: State, args: string[], port: number): Promise<ReadyTimes> {
  const proc = (state.current = spawnKubernest(args));
  try {
    return await waitReady(proc, `https://127.0.0.1:${port}`, {
      intervalMs: POLL_MS,
      probeTimeoutMs: PROBE_TIMEOUT_MS,
      deadlineMs: START_DEADLINE_MS,
      cancelled: () => state.aborted,
    });
  } finally {
    await stopProcess(proc.child);
    state.current = undefined;
  }
}

/** The floor under every start on this machine right now: spawning Node until it exits. */
function nodeFloor(): Promise<ReadyTimes> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve({ readyMs: ms, firstAnswerMs: NaN });
      else reject(new Error(`node -e 0 exited with ${code}`));
    });
  });
}

async function bench(state: State): Promise<void> {
  log(`runs=${RUNS} per scenario, poll every ${POLL_MS} ms (probe timeout ${PROBE_TIMEOUT_MS} ms), overall timeout ${TIMEOUT_MS} ms`);
  const root = (state.root = await mkdtemp(join(tmpdir(), 'kubernest-bench-startup-')));
  let t = Date.now();
  const etcd = (state.etcd = await startEtcd());
  log(`etcd up at ${etcd.endpoint} (${Date.now() - t} ms)`);

  const existingDir = join(root, 'embedded-existing');
  const etcdServerDir = join(root, 'server-etcd');
  const apiserverCertDir = join(root, 'apiserver-etcd');
  let fresh = 0;
  const prep = async (args: string[]) => {
    const port = await freePort();
    const ms = (await startOnce(state, [...args, `--secure-port=${port}`], port)).readyMs;
    log(`  set-up start: ${ms.toFixed(0)} ms (${args[0]} ${args.slice(1).join(' ')})`);
  };
  const common = ['--bind-address=127.0.0.1'];
  state.scenarios = [
    {
      id: 'node-floor',
      label: 'node -e 0 (floor, to exit)',
      reference: true,
      measure: nodeFloor,
      times: [],
      answerTimes: [],
      errors: [],
    },
    {
      id: 'embedded-fresh',
      label: 'embedded, fresh data dir',
      args: async (port) => {
        const dir = join(root, `embedded-fresh-${fresh++}`);
        return ['server', `--data-dir=${dir}`, `--secure-port=${port}`, ...common];
      },
      times: [],
      answerTimes: [],
      errors: [],
    },
    {
      id: 'embedded-existing',
      label: 'embedded, existing data dir',
      prepare: () => prep(['server', `--data-dir=${existingDir}`, ...common]),
      args: async (port) => ['server', `--data-dir=${existingDir}`, `--secure-port=${port}`, ...common],
      times: [],
      answerTimes: [],
      errors: [],
    },
    {
      id: 'server-etcd',
      label: 'server --etcd-servers',
      prepare: () => prep(['server', `--etcd-servers=${etcd.endpoint}`, `--data-dir=${etcdServerDir}`, ...common]),
      args: async (port) => ['server', `--etcd-servers=${etcd.endpoint}`, `--data-dir=${etcdServerDir}`, `--secure-port=${port}`, ...common],
      times: [],
      answerTimes: [],
      errors: [],
    },
    {
      id: 'apiserver-etcd',
      label: 'apiserver --etcd-servers',
      prepare: async () => {
        mkdirSync(apiserverCertDir, { recursive: true, mode: 0o700 });
        await prep(['apiserver', `--etcd-servers=${etcd.endpoint}`, `--cert-dir=${apiserverCertDir}`, '--advertise-address=127.0.0.1', ...common]);
      },
      args: async (port) => [
        'apiserver',
        `--etcd-servers=${etcd.endpoint}`,
        `--cert-dir=${apiserverCertDir}`,
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        ...common,
      ],
      times: [],
      answerTimes: [],
      errors: [],
    },
  ];

  // Set-up (unmeasured): the "existing" dirs get their certs and database, etcd its bootstrap
  // objects, and the OS its file cache of node_modules and dist/.
  t = Date.now();
  log('set-up starts (unmeasured):');
  for (const sc of state.scenarios) await sc.prepare?.();
  log(`set-up done (${Date.now() - t} ms)`);

  for (let run = 1; run <= RUNS; run++) {
    const line: string[] = [];
    for (const sc of state.scenarios) {
      if (state.aborted) return;
      try {
        let r: ReadyTimes;
        if (sc.measure) r = await sc.measure();
        else {
          const port = await freePort();
          r = await startOnce(state, await sc.args!(port), port);
        }
        sc.times.push(r.readyMs);
        sc.answerTimes.push(r.firstAnswerMs);
        line.push(`${sc.id} ${r.readyMs.toFixed(0)}`);
      } catch (e) {
        if (state.aborted) return;
        const msg = e instanceof Error ? e.message : String(e);
        sc.errors.push(msg);
        line.push(`${sc.id} ERROR`);
        log(`${sc.id} run ${run} failed: ${msg}`);
      }
    }
    log(`run ${run}/${RUNS}: ${line.join(', ')} ms`);
  }
}

async function report(state: State, timedOut: string | undefined): Promise<number> {
  const rows = state.scenarios.map(summarize);
  const goal = rows.find((r) => r.scenario === GOAL_SCENARIO);
  const goalPass = goal !== undefined && goal.ok > 0 && goal.errors === 0 && goal.medianMs < GOAL_MS;
  const out: string[] = [];
  out.push('');
  out.push(`Kubernest start-up: ms from spawn to the first GET /readyz = 200 (${RUNS} runs per scenario, polled every ${POLL_MS} ms)`);
  if (timedOut) out.push(`INCOMPLETE: ${timedOut}`);
  out.push('');
  out.push(table(rows));
  out.push('');
  out.push(`load average (1 min): ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end, ${cpus().length} CPUs`);
  out.push(`goal: embedded (existing data dir) median < ${GOAL_MS} ms: ${goalPass ? 'PASS' : 'FAIL'} (median ${goal && Number.isFinite(goal.medianMs) ? `${goal.medianMs.toFixed(0)} ms` : 'n/a'})`);
  out.push('');
  process.stdout.write(out.join('\n'));

  const result = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryBytes: totalmem(),
    loadavg1m: { start: round1(loadAtStart), end: round1(loadavg()[0]) },
    config: { runs: RUNS, pollMs: POLL_MS, probeTimeoutMs: PROBE_TIMEOUT_MS, timeoutMs: TIMEOUT_MS },
    ...(timedOut ? { incomplete: timedOut } : {}),
    results: rows,
    goal: { scenario: GOAL_SCENARIO, medianBelowMs: GOAL_MS, medianMs: goal?.medianMs ?? null, pass: goalPass },
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'startup.json');
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  log(`results written to ${file}`);
  const errors = rows.reduce((s, r) => s + r.errors, 0);
  return timedOut || errors > 0 || !goalPass ? 1 : 0;
}

async function main(): Promise<number> {
  const state: State = { aborted: false, scenarios: [] };
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      state.aborted = true;
      if (state.current) await stopProcess(state.current.child).catch(() => undefined);
      await state.etcd?.stop().catch((e) => log(`stopping etcd: ${e}`));
      if (state.root) await rm(state.root, { recursive: true, force: true }).catch((e) => log(`removing ${state.root}: ${e}`));
    })());

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`start-up benchmark did not finish in ${TIMEOUT_MS} ms`), TIMEOUT_MS);
  });
  const run = bench(state).then(() => undefined);
  run.catch(() => undefined); // a rejection after the timeout won is ignored, not unhandled
  try {
    const timedOut = await Promise.race([run, timeout]);
    if (timedOut) {
      log(`ABORTED: ${timedOut}`);
      await cleanup(); // stop the current start before reporting
    }
    return await report(state, timedOut);
  } catch (e) {
    log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
}

void main().then(
  (code) => process.exit(code),
  (e) => {
    log(String(e));
    process.exit(1);
  },
);
