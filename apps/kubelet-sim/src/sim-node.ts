/**
 * One simulated node: registers its Node, renews its Lease in kube-node-lease, posts node status
 * periodically, lists and watches its pods (fieldSelector spec.nodeName=<node>), runs each as a
 * SimPod marked Running through pods/status, finalizes gracefully deleted pods (delete with
 * gracePeriodSeconds=0), and serves its kubelet HTTPS API.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, KObject, KubeClient, WatchHandle } from './kube-client';
import { KubeletNode, KubeletServer } from './kubelet-server';
import { SimPod } from './sim-pod';

export interface SimNodeOptions {
  index: number;
  name: string;
  ip: string;
  port: number;
  sandboxDir: string;
  tls: { cert: string; key: string };
  nodeStatusUpdateMs: number;
  leaseRenewMs: number;
  log(msg: string): void;
}

const LEASE_NS = 'kube-node-lease';
const LEASE_DURATION_SECONDS = 40;

const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const isoSec = (d = new Date()) => d.toISOString().replace(/\.\d+Z$/, 'Z');

export class SimNode implements KubeletNode {
  readonly name: string;
  readonly ip: string;
  port: number;
  readonly startTime = new Date();
  readonly capacity = { cpu: 8, memoryBytes: 32 * 2 ** 30, pods: 110 };
  private readonly machineID = randomUUID().replace(/-/g, '');
  private readonly systemUUID = randomUUID();
  private readonly bootID = randomUUID();
  private readonly server: KubeletServer;
  private readonly simPods = new Map<string, SimPod>();
  /** pods being started/finalized, by uid, so events racing each other act once */
  private readonly busy = new Set<string>();
  private readonly usedIPs = new Set<number>();
  private nodeUID = '';
  private leaseRV = '';
  private readyTransition = isoSec();
  private timers: NodeJS.Timeout[] = [];
  private watch?: WatchHandle;
  private stopped = false;
  private syncLoop?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: SimNodeOptions,
  ) {
    this.name = opts.name;
    this.ip = opts.ip;
    this.port = opts.port;
    this.server = new KubeletServer(this, opts.tls);
  }

  get podCIDR(): string {
    return `10.244.${this.opts.index}.0/24`;
  }

  get configz(): KObject {
    return {
      kind: 'KubeletConfiguration',
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      address: this.ip,
      port: this.port,
      readOnlyPort: 0,
      authentication: { anonymous: { enabled: true }, webhook: { enabled: false }, x509: {} },
      authorization: { mode: 'AlwaysAllow' },
      clusterDomain: 'cluster.local',
      clusterDNS: ['10.96.0.10'],
      podCIDR: this.podCIDR,
      maxPods: this.capacity.pods,
      nodeStatusUpdateFrequency: `${this.opts.nodeStatusUpdateMs / 1000}s`,
      nodeStatusReportFrequency: `${this.opts.nodeStatusUpdateMs / 1000}s`,
      nodeLeaseDurationSeconds: LEASE_DURATION_SECONDS,
      cgroupDriver: 'systemd',
      containerRuntimeEndpoint: 'unix:///run/kubernest-kubelet-sim.sock',
      enableServer: true,
      failSwapOn: true,
      evictionHard: { 'imagefs.available': '15%', 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%' },
    };
  }

  machineInfo(): KObject {
    return {
      timestamp: new Date().toISOString(),
      num_cores: this.capacity.cpu,
      num_physical_cores: this.capacity.cpu,
      num_sockets: 1,
      cpu_frequency_khz: 2_400_000,
      memory_capacity: this.capacity.memoryBytes,
      swap_capacity: 0,
      memory_by_type: {},
      hugepages: [
        { page_size: 1048576, num_pages: 0 },
        { page_size: 2048, num_pages: 0 },
      ],
      machine_id: this.machineID,
      system_uuid: this.systemUUID,
      boot_id: this.bootID,
      filesystems: [{ device: '/dev/sim0', capacity: 100 * 2 ** 30, type: 'vfs', inodes: 6_553_600, has_inodes: true }],
      disk_map: {},
      network_devices: [{ name: 'eth0', mac_address: '02:42:ac:11:00:02', speed: 10000, mtu: 1500 }],
      topology: [{ node_id: 0, memory: this.capacity.memoryBytes, hugepages: null, cores: null, caches: null }],
      cloud_provider: 'Unknown',
      instance_type: 'kubelet-sim',
      instance_id: this.name,
    };
  }

  pods(): SimPod[] {
    return [...this.simPods.values()];
  }

  findPod(namespace: string, name: string, uid?: string): SimPod | undefined {
    const p = this.simPods.get(`${namespace}/${name}`);
    return p && (!uid || p.uid === uid) ? p : undefined;
  }

  async start(): Promise<void> {
    this.port = await this.server.listen(this.opts.port, this.ip);
    await this.register();
    await this.renewLease();
    this.timers.push(setInterval(() => void this.renewLease().catch((e) => this.opts.log(`${this.name}: lease renewal failed: ${(e as Error).message}`)), this.opts.leaseRenewMs));
    this.timers.push(setInterval(() => void this.postStatus().catch((e) => this.opts.log(`${this.name}: status update failed: ${(e as Error).message}`)), this.opts.nodeStatusUpdateMs));
    this.syncLoop = this.runPodSync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.watch?.stop();
    await this.syncLoop?.catch(() => undefined);
    await Promise.all(this.pods().map((p) => p.stop()));
    this.simPods.clear();
    await this.server.close();
  }

  // ---- Node and Lease --------------------------------------------------------------------------

  private nodeStatus(): KObject {
    const now = isoSec();
    const cond = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: type === 'Ready' ? this.readyTransition : isoSec(this.startTime),
      reason,
      message,
    });
    const resources = {
      cpu: String(this.capacity.cpu),
      memory: `${this.capacity.memoryBytes / 1024}Ki`,
      pods: String(this.capacity.pods),
      'ephemeral-storage': `${100 * 1024 * 1024}Ki`,
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
    };
    return {
      capacity: resources,
      allocatable: resources,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: this.ip },
        { type: 'Hostname', address: this.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.port } },
      nodeInfo: {
        machineID: this.machineID,
        systemUUID: this.systemUUID,
        bootID: this.bootID,
        kernelVersion: '6.1.0-kubelet-sim',
        osImage: 'Kubernest kubelet-sim',
        containerRuntimeVersion: 'containerd://1.7.24-sim',
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: 'v1.32.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [],
    };
  }

  private async register(): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': this.name,
          'kubernetes.io/os': 'linux',
          'kubernest.io/kubelet-sim': 'true',
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: { podCIDR: this.podCIDR, podCIDRs: [this.podCIDR] },
      status: this.nodeStatus(),
    };
    let created: KObject;
    try {
      created = await this.client.request('POST', '/api/v1/nodes', node);
      this.opts.log(`${this.name}: registered node (kubelet API on https://${this.ip}:${this.port})`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
      created = await this.client.get(`/api/v1/nodes/${this.name}`);
      this.opts.log(`${this.name}: node already registered; taking it over (kubelet API on https://${this.ip}:${this.port})`);
    }
    this.nodeUID = created.metadata.uid;
    this.readyTransition = isoSec();
    await this.postStatus();
  }

  private async postStatus(): Promise<void> {
    await this.client.request('PATCH', `/api/v1/nodes/${this.name}/status`, { status: this.nodeStatus() }, 'application/merge-patch+json');
  }

  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases/${this.name}`;
    const lease = (rv: string): KObject => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: LEASE_NS,
        ...(rv ? { resourceVersion: rv } : {}),
        ownerReferences: this.nodeUID ? [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: this.nodeUID }] : [],
      },
      spec: { holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime() },
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!this.leaseRV) {
          try {
            this.leaseRV = (await this.client.get(path)).metadata.resourceVersion;
          } catch (e) {
            if (!(e instanceof ApiError && e.status === 404)) throw e;
            await this.ensureLeaseNamespace();
            this.leaseRV = (await this.client.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases`, lease(''))).metadata.resourceVersion;
            return;
          }
        }
        this.leaseRV = (await this.client.request('PUT', path, lease(this.leaseRV))).metadata.resourceVersion;
        return;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
          this.leaseRV = '';
          continue;
        }
        throw e;
      }
    }
  }

  private async ensureLeaseNamespace(): Promise<void> {
    try {
      await this.client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LEASE_NS } });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    }
  }

  // ---- Pods ------------------------------------------------------------------------------------

  private async runPodSync(): Promise<void> {
    const selector = encodeURIComponent(`spec.nodeName=${this.name}`);
    let rv = '';
    while (!this.stopped) {
      try {
        if (!rv) {
          const list = await this.client.get(`/api/v1/pods?fieldSelector=${selector}`);
          const seen = new Set<string>();
          for (const pod of list.items as KObject[]) {
            seen.add(pod.metadata.uid);
            this.onPod(pod);
          }
          for (const p of this.pods()) if (!seen.has(p.uid)) void this.removePod(p.pod);
          rv = list.metadata.resourceVersion;
        }
        let gone = false;
        this.watch = this.client.watch(`/api/v1/pods?watch=1&allowWatchBookmarks=true&fieldSelector=${selector}&resourceVersion=${rv}&timeoutSeconds=300`, (ev) => {
          if (ev.type === 'ERROR') {
            gone = true;
            return;
          }
          if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') return;
          if (ev.type === 'DELETED') void this.removePod(ev.object);
          else this.onPod(ev.object);
        });
        await this.watch.done;
        if (gone) rv = '';
      } catch (e) {
        if (this.stopped) return;
        this.opts.log(`${this.name}: pod sync: ${(e as Error).message}`);
        rv = '';
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 250));
    }
  }

  private onPod(pod: KObject): void {
    if (pod.spec?.nodeName !== this.name) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const existing = this.simPods.get(key);
    if (existing && existing.uid !== pod.metadata.uid) void this.removePod(existing.pod);
    if (pod.metadata.deletionTimestamp) {
      void this.finalize(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (existing && existing.uid === pod.metadata.uid) {
      existing.pod = pod;
      return;
    }
    void this.startPod(pod);
  }

  private allocateIP(pod: KObject): string {
    const prefix = `10.244.${this.opts.index}.`;
    const prev: string | undefined = pod.status?.podIP;
    if (prev?.startsWith(prefix)) {
      const n = Number(prev.slice(prefix.length));
      if (n >= 2 && n <= 254 && !this.usedIPs.has(n)) {
        this.usedIPs.add(n);
        return prev;
      }
    }
    for (let n = 2; n <= 254; n++) {
      if (!this.usedIPs.has(n)) {
        this.usedIPs.add(n);
        return prefix + n;
      }
    }
    throw new Error(`no free pod IP left in ${this.podCIDR}`);
  }

  private async startPod(pod: KObject): Promise<void> {
    const uid: string = pod.metadata.uid;
    if (this.busy.has(uid) || this.stopped) return;
    this.busy.add(uid);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let sim: SimPod | undefined;
    try {
      sim = new SimPod(pod, this.name, this.ip, this.allocateIP(pod), this.opts.sandboxDir);
      this.simPods.set(key, sim);
      await sim.start();
      const updated = await this.client.request(
        'PATCH',
        `/api/v1/namespaces/${encodeURIComponent(sim.namespace)}/pods/${encodeURIComponent(sim.name)}/status`,
        { metadata: { uid }, status: sim.status() },
        'application/merge-patch+json',
      );
      if (this.simPods.get(key) === sim) sim.pod = updated;
      this.opts.log(`${this.name}: pod ${key} running with IP ${sim.podIP}`);
    } catch (e) {
      this.opts.log(`${this.name}: starting pod ${key} failed: ${(e as Error).message}`);
      if (sim && this.simPods.get(key) === sim) {
        this.simPods.delete(key);
        this.releaseIP(sim.podIP);
        await sim.stop();
      }
    } finally {
      this.busy.delete(uid);
    }
  }

  private releaseIP(ip: string): void {
    this.usedIPs.delete(Number(ip.split('.')[3]));
  }

  /** a pod with deletionTimestamp: stop its containers, then delete it for good as the kubelet does */
  private async finalize(pod: KObject): Promise<void> {
    const uid: string = pod.metadata.uid;
    const key = `finalize:${uid}`;
    if (this.busy.has(key)) return;
    this.busy.add(key);
    try {
      await this.removePod(pod);
      await this.client.request('DELETE', `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
      this.opts.log(`${this.name}: pod ${pod.metadata.namespace}/${pod.metadata.name} terminated and deleted`);
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 404 || e.status === 409))) this.opts.log(`${this.name}: finalizing pod failed: ${(e as Error).message}`);
    } finally {
      this.busy.delete(key);
    }
  }

  private async removePod(pod: KObject): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const sim = this.simPods.get(key);
    if (!sim || sim.uid !== pod.metadata.uid) return;
    this.simPods.delete(key);
    this.releaseIP(sim.podIP);
    await sim.stop();
  }
}
