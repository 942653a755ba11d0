/**
 * A simulated pod: a sandbox directory, fake containers with log buffers, and the two tiny
 * servers standing in for what the pod listens on (a TCP echo server and an HTTP server on
 * loopback ephemeral ports) that port-forward connects to.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { join } from 'node:path';
import type { KObject } from './kube-client';

export interface LogLine {
  time: Date;
  text: string;
}

const MAX_LOG_LINES = 2000;

/** docker.io/library/nginx:latest for nginx, as containerd reports image names */
export function normalizeImage(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  const digest = at >= 0 ? name.slice(at) : '';
  if (at >= 0) name = name.slice(0, at);
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  if (!(first.includes('.') || first.includes(':') || first === 'localhost')) {
    name = 'docker.io/' + (slash >= 0 ? name : 'library/' + name);
  }
  const lastSlash = name.lastIndexOf('/');
  if (!digest && !name.slice(lastSlash + 1).includes(':')) name += ':latest';
  return name + digest;
}

export class SimContainer extends EventEmitter {
  readonly logs: LogLine[] = [];
  readonly containerID = 'containerd://' + randomBytes(32).toString('hex');
  readonly startedAt = new Date();
  private followers = 0;
  private ticker?: NodeJS.Timeout;
  private ticks = 0;
  stopped = false;

  constructor(
    readonly pod: SimPod,
    readonly name: string,
    readonly image: string,
    readonly init = false,
  ) {
    super();
    this.setMaxListeners(0);
    const img = normalizeImage(image);
    this.write(`kubelet-sim: starting container ${name} (image ${img}) in pod ${pod.namespace}/${pod.name} on node ${pod.nodeName}`);
    this.write(`kubelet-sim: sandbox ${pod.sandboxDir}`);
    if (!init) {
      this.write(`kubelet-sim: pod IP ${pod.podIP}; TCP echo on every port, HTTP on 80/8080/443 and ports named http*`);
      this.write(`kubelet-sim: container ${name} is running`);
    } else {
      this.write(`kubelet-sim: init container ${name} completed`);
    }
  }

  get imageID(): string {
    const img = normalizeImage(this.image);
    const repo = img.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
    return `${repo}@sha256:${createHash('sha256').update(img).digest('hex')}`;
  }

  write(text: string): void {
    const line = { time: new Date(), text };
    this.logs.push(line);
    if (this.logs.length > MAX_LOG_LINES) this.logs.splice(0, this.logs.length - MAX_LOG_LINES);
    this.emit('line', line);
  }

  /** a follower (logs -f, attach) is attached: the container writes a line every second meanwhile */
  follow(): () => void {
    this.followers++;
    if (!this.ticker && !this.stopped && !this.init) {
      this.ticker = setInterval(() => this.write(`tick ${++this.ticks} from ${this.pod.namespace}/${this.pod.name}/${this.name}`), 1000);
      this.ticker.unref();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.followers === 0 && this.ticker) {
        clearInterval(this.ticker);
        this.ticker = undefined;
      }
    };
  }

  stop(): void {
    if (this.stopped) return;
    if (!this.init) this.write(`kubelet-sim: container ${this.name} is stopping`);
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.emit('stopped');
  }
}

/** the ports answered by the HTTP server; every other port gets the echo server */
const HTTP_PORTS = new Set([80, 443, 8080]);

export class SimPod extends EventEmitter {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly containers = new Map<string, SimContainer>();
  readonly initContainers = new Map<string, SimContainer>();
  readonly startTime = new Date();
  readonly sandboxDir: string;
  private echoServer?: TcpServer;
  private httpServer?: HttpServer;
  private readonly sockets = new Set<Socket>();
  echoPort = 0;
  httpPort = 0;
  stopped = false;

  constructor(
    public pod: KObject,
    readonly nodeName: string,
    readonly hostIP: string,
    readonly podIP: string,
    sandboxRoot: string,
  ) {
    super();
    this.setMaxListeners(0);
    this.namespace = pod.metadata.namespace;
    this.name = pod.metadata.name;
    this.uid = pod.metadata.uid;
    this.sandboxDir = join(sandboxRoot, `${this.namespace}_${this.name}_${this.uid}`);
  }

  get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.sandboxDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.sandboxDir, 'hostname'), this.name + '\n');
    writeFileSync(join(this.sandboxDir, 'index.html'), `<h1>${this.namespace}/${this.name}</h1>\n`);
    for (const c of (this.pod.spec?.initContainers ?? []) as KObject[]) this.initContainers.set(c.name, new SimContainer(this, c.name, c.image ?? '', true));
    for (const c of (this.pod.spec?.containers ?? []) as KObject[]) this.containers.set(c.name, new SimContainer(this, c.name, c.image ?? ''));
    this.echoServer = createTcpServer((sock) => {
      this.track(sock);
      sock.pipe(sock);
    });
    this.httpServer = createHttpServer((req, res) => {
      const body = `Hello from ${this.namespace}/${this.name} (pod IP ${this.podIP}) on node ${this.nodeName}: ${req.method} ${req.url}\n`;
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Server: 'kubelet-sim' });
      res.end(body);
    });
    this.httpServer.on('connection', (s: Socket) => this.track(s));
    this.echoPort = await listen(this.echoServer);
    this.httpPort = await listen(this.httpServer);
  }

  private track(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => this.sockets.delete(sock));
  }

  container(name: string): SimContainer | undefined {
    return this.containers.get(name) ?? this.initContainers.get(name);
  }

  /** the loopback port standing in for pod port `port` */
  targetPort(port: number): number {
    if (HTTP_PORTS.has(port)) return this.httpPort;
    for (const c of (this.pod.spec?.containers ?? []) as KObject[]) {
      for (const p of (c.ports ?? []) as KObject[]) {
        if (p.containerPort === port && typeof p.name === 'string' && p.name.startsWith('http')) return this.httpPort;
      }
    }
    return this.echoPort;
  }

  /** environment for exec: nothing inherited, PATH, HOME = the sandbox, and the pod's literal env values */
  execEnv(containerName: string, tty: boolean): Record<string, string> {
    const env: Record<string, string> = {};
    const spec = ((this.pod.spec?.containers ?? []) as KObject[]).find((c) => c.name === containerName);
    for (const e of (spec?.env ?? []) as KObject[]) if (typeof e.name === 'string' && typeof e.value === 'string') env[e.name] = e.value;
    Object.assign(env, { PATH: '/usr/bin:/bin', HOME: this.sandboxDir, HOSTNAME: this.name });
    if (tty) env.TERM = 'xterm';
    return env;
  }

  status(): KObject {
    const now = this.startTime.toISOString().replace(/\.\d+Z$/, 'Z');
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    const prev = (this.pod.status ?? {}) as KObject;
    const running = (c: SimContainer): KObject => ({
      name: c.name,
      state: { running: { startedAt: c.startedAt.toISOString().replace(/\.\d+Z$/, 'Z') } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: normalizeImage(c.image),
      imageID: c.imageID,
      containerID: c.containerID,
      started: true,
    });
    const completed = (c: SimContainer): KObject => ({
      name: c.name,
      state: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: c.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
          finishedAt: c.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
          containerID: c.containerID,
        },
      },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: normalizeImage(c.image),
      imageID: c.imageID,
      containerID: c.containerID,
      started: false,
    });
    const status: KObject = {
      phase: 'Running',
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
      hostIP: this.hostIP,
      hostIPs: [{ ip: this.hostIP }],
      podIP: this.podIP,
      podIPs: [{ ip: this.podIP }],
      startTime: now,
      containerStatuses: [...this.containers.values()].map(running),
    };
    if (this.initContainers.size > 0) status.initContainerStatuses = [...this.initContainers.values()].map(completed);
    if (prev.qosClass) status.qosClass = prev.qosClass;
    return status;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of [...this.containers.values(), ...this.initContainers.values()]) c.stop();
    this.emit('stopped');
    for (const s of this.sockets) s.destroy();
    await Promise.all([close(this.echoServer), close(this.httpServer)]);
    rmSync(this.sandboxDir, { recursive: true, force: true });
  }
}

function listen(server: TcpServer | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: TcpServer | HttpServer | undefined): Promise<void> {
  return new Promise((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
}
