/** Bitmap, ranges and the repair pass, in memory. */
import { describe, expect, it } from 'vitest';
import { AllocationBitmap } from './bitmap';
import { formatIP, parseCIDR, parseIP } from './ip';
import { IPRange, PortRange } from './ranges';
import { collectServiceNodePorts, LeakCounters, repairClusterIPs, repairNodePorts } from './repair';

describe('AllocationBitmap', () => {
  it('serialises as big.Int bytes: big-endian, no leading zeros', () => {
    const bm = new AllocationBitmap(254, 16);
    expect(bm.toBytes()).toEqual(Buffer.alloc(0));
    bm.allocate(0);
    expect([...bm.toBytes()]).toEqual([0x01]);
    bm.allocate(9);
    expect([...bm.toBytes()]).toEqual([0x02, 0x01]);
    bm.release(0);
    expect([...bm.toBytes()]).toEqual([0x02, 0x00]);
    const back = AllocationBitmap.fromBytes(254, 16, Buffer.from([0x02, 0x01]));
    expect(back.items()).toEqual([0, 9]);
    expect(back.count).toBe(2);
  });

  it('allocates dynamically in the upper band first, wrapping, then the lower band', () => {
    const bm = new AllocationBitmap(40, 16);
    const seen: number[] = [];
    for (let k = 0; k < 24; k++) seen.push(bm.allocateNext(() => 0)!);
    expect(seen).toEqual(Array.from({ length: 24 }, (_, i) => 16 + i));
    // upper band full: lower band, random start, wrap
    expect(bm.allocateNext((n) => n - 1)).toBe(15);
    expect(bm.allocateNext((n) => n - 1)).toBe(0);
    for (let k = 0; k < 14; k++) bm.allocateNext();
    expect(bm.free()).toBe(0);
    expect(bm.allocateNext()).toBeUndefined();
  });

  it('random start in the upper band wraps inside it', () => {
    const bm = new AllocationBitmap(40, 16);
    bm.allocate(39);
    expect(bm.allocateNext((n) => n - 1)).toBe(16);
  });

  it('static allocation and release', () => {
    const bm = new AllocationBitmap(10, 0);
    expect(bm.allocate(3)).toBe(true);
    expect(bm.allocate(3)).toBe(false);
    bm.release(3);
    bm.release(3);
    expect(bm.count).toBe(0);
  });
});

describe('ranges', () => {
  it('IPv4 CIDR: network and broadcast excluded, band offset', () => {
    const r = IPRange.parse('10.0.0.0/24');
    expect(r.max).toBe(254);
    expect(r.offset).toBe(16);
    expect(r.indexOf('10.0.0.1')).toBe(0);
    expect(r.indexOf('10.0.0.254')).toBe(253);
    expect(r.indexOf('10.0.0.0')).toBeUndefined();
    expect(r.indexOf('10.0.0.255')).toBeUndefined();
    expect(r.indexOf('10.0.1.1')).toBeUndefined();
    expect(r.valueAt(9)).toBe('10.0.0.10');
    expect(IPRange.parse('10.96.0.0/12').offset).toBe(256);
    expect(IPRange.parse('10.0.0.0/20').offset).toBe(256);
    expect(IPRange.parse('10.0.0.0/22').offset).toBe(64);
    expect(IPRange.parse('10.0.0.0/28').offset).toBe(0);
    expect(IPRange.parse('10.0.0.0/27').offset).toBe(16);
  });

  it('IPv6 CIDR: network excluded, at most 65535 values', () => {
    const r = IPRange.parse('fd00:10:96::/112');
    expect(r.max).toBe(65535);
    expect(r.offset).toBe(256);
    expect(r.valueAt(0)).toBe('fd00:10:96::1');
    expect(r.indexOf('fd00:10:96::a')).toBe(9);
    expect(r.indexOf('FD00:10:96:0::A')).toBe(9);
    expect(IPRange.parse('fd00::/64').max).toBe(65535);
    expect(IPRange.parse('fd00::/120').max).toBe(255);
  });

  it('IP text helpers', () => {
    expect(formatIP('IPv6', parseIP('2001:db8:0:0:1:0:0:1')!.value)).toBe('2001:db8::1:0:0:1');
    expect(formatIP('IPv6', parseIP('::ffff:1.2.3.4')!.value)).toBe('::ffff:102:304');
    expect(parseIP('10.0.0.256')).toBeNull();
    expect(parseCIDR('10.0.0.7/24')!.text).toBe('10.0.0.0/24');
  });

  it('port range: band offset and messages', () => {
    const r = new PortRange(30000, 2768);
    expect(r.spec).toBe('30000-32767');
    expect(r.offset).toBe(86);
    expect(r.indexOf(30000)).toBe(0);
    expect(r.indexOf(32768)).toBeUndefined();
    expect(PortRange.parse('30000-32767').max).toBe(2768);
    expect(new PortRange(1000, 16).offset).toBe(0);
    expect(new PortRange(1000, 10000).offset).toBe(128);
    expect(r.errNotInRange().message).toBe('provided port is not in the valid range. The range of valid ports is 30000-32767');
    expect(IPRange.parse('10.0.0.0/24').errNotInRange('10.1.0.5').message).toBe(
      'the provided IP (10.1.0.5) is not in the valid range. The range of valid IPs is 10.0.0.0/24',
    );
  });
});

const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { namespace: 'default', name, uid: `uid-${name}` }, spec });

function stored(range: IPRange | PortRange, values: (string | number)[]) {
  const bm = new AllocationBitmap(range.max, range.offset);
  for (const v of values) bm.allocate((range as { indexOf(v: unknown): number | undefined }).indexOf(v)!);
  return { range: range.spec, data: bm.toBytes().toString('base64') };
}

describe('repairClusterIPs', () => {
  const range = IPRange.parse('10.0.0.0/24');

  it('rebuilds from Services with upstream events and metrics', () => {
    const res = repairClusterIPs({
      range,
      stored: stored(range, ['10.0.0.10', '10.0.0.99']),
      leaks: {},
      services: [
        svc('a', { clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10'] }),
        svc('b', { clusterIP: '10.0.0.11', clusterIPs: ['10.0.0.11'] }),
        svc('c', { clusterIP: '10.0.0.11', clusterIPs: ['10.0.0.11'] }),
        svc('d', { clusterIP: '10.1.0.1', clusterIPs: ['10.1.0.1'] }),
        svc('e', { clusterIP: 'bogus', clusterIPs: ['bogus'] }),
        svc('f', { clusterIP: 'None', clusterIPs: ['None'] }),
        svc('g', { type: 'ExternalName', externalName: 'x.example' }),
        svc('h', { clusterIP: 'fd00::1', clusterIPs: ['fd00::1'] }),
      ],
    });
    expect(res.ok).toBe(true);
    expect(res.events.map((e) => [e.reason, e.message, e.service.name])).toEqual([
      ['ClusterIPNotAllocated', 'Cluster IP [IPv4]:10.0.0.11 is not allocated; repairing', 'b'],
      ['ClusterIPAlreadyAllocated', 'Cluster IP [IPv4]:10.0.0.11 was assigned to multiple services; please recreate service', 'c'],
      ['ClusterIPOutOfRange', 'Cluster IP [IPv4]:10.1.0.1 is not within the configured Service CIDR 10.0.0.0/24; please recreate service', 'd'],
      ['ClusterIPNotValid', 'Cluster IP bogus is not a valid IP; please recreate service', 'e'],
      ['ClusterIPNotValid', 'Cluster IP fd00::1(IPv6) is of ip family that is no longer configured on cluster; please recreate service', 'h'],
    ]);
    expect(res.events[0]).toMatchObject({ type: 'Warning', action: 'ClusterIPAllocation', service: { namespace: 'default', uid: 'uid-b' } });
    expect(res.metrics).toEqual({ repair: 1, duplicate: 1, outOfRange: 1, invalid: 2 });
    // 10.0.0.99 is a leak candidate: kept for now
    expect(res.bitmap.items().map((i) => range.valueAt(i))).toEqual(['10.0.0.10', '10.0.0.11', '10.0.0.99']);
    expect(res.leaks).toEqual({ '10.0.0.99': 1 });
  });

  it('frees a leaked IP on the third pass; counters survive JSON', () => {
    let leaks: LeakCounters = {};
    const st = stored(range, ['10.0.0.5', '10.0.0.6']);
    const services = [svc('a', { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'] })];
    const kept: boolean[] = [];
    for (let pass = 1; pass <= 3; pass++) {
      const res = repairClusterIPs({ range, stored: st, services, leaks });
      kept.push(res.bitmap.has(range.indexOf('10.0.0.6')!));
      if (pass === 3) expect(res.metrics).toEqual({ leak: 1 });
      else expect(res.metrics).toEqual({});
      leaks = JSON.parse(JSON.stringify(res.leaks));
    }
    expect(kept).toEqual([true, true, false]);
    expect(leaks).toEqual({});
  });

  it('a leak candidate that gets used is forgotten', () => {
    const st = stored(range, ['10.0.0.6']);
    const first = repairClusterIPs({ range, stored: st, services: [], leaks: {} });
    expect(first.leaks).toEqual({ '10.0.0.6': 1 });
    const second = repairClusterIPs({ range, stored: st, services: [svc('late', { clusterIP: '10.0.0.6' })], leaks: first.leaks });
    expect(second.leaks).toEqual({});
    expect(second.events).toEqual([]);
  });

  it('migrates a snapshot of another range and skips the other family when dual-stack', () => {
    const other = IPRange.parse('10.0.0.0/25');
    const res = repairClusterIPs({
      range,
      stored: stored(other, ['10.0.0.3']),
      services: [svc('v6', { clusterIP: 'fd00::1' })],
      leaks: {},
      otherFamilyConfigured: true,
    });
    expect(res.range).toBe('10.0.0.0/24');
    expect(res.events).toEqual([]);
    expect(res.leaks).toEqual({ '10.0.0.3': 1 });
  });

  it('a missing RangeAllocation repairs every Service IP', () => {
    const res = repairClusterIPs({ range, stored: null, services: [svc('a', { clusterIP: '10.0.0.1' })], leaks: {} });
    expect(res.events.map((e) => e.reason)).toEqual(['ClusterIPNotAllocated']);
    expect([...res.bitmap.toBytes()]).toEqual([1]);
  });
});

describe('repairNodePorts', () => {
  const range = new PortRange(30000, 2768);

  it('counts nodePorts and healthCheckNodePort, with upstream events', () => {
    const res = repairNodePorts({
      range,
      stored: stored(range, [30080, 30500, 31000]),
      leaks: {},
      services: [
        svc('a', { type: 'NodePort', ports: [{ port: 53, protocol: 'TCP', nodePort: 30080 }, { port: 53, protocol: 'UDP', nodePort: 30080 }] }),
        svc('b', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] }),
        svc('c', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30500, ports: [{ port: 80, nodePort: 30081 }] }),
        svc('d', { type: 'NodePort', ports: [{ port: 80, nodePort: 20000 }] }),
      ],
    });
    expect(res.events.map((e) => [e.reason, e.message, e.service.name])).toEqual([
      ['PortAlreadyAllocated', 'Port 30080 was assigned to multiple services; please recreate service', 'b'],
      ['PortNotAllocated', 'Port 30081 is not allocated; repairing', 'c'],
      ['PortOutOfRange', 'Port 20000 is not within the port range 30000-32767; please recreate service', 'd'],
    ]);
    expect(res.metrics).toEqual({ duplicate: 1, repair: 1, outOfRange: 1 });
    expect(res.bitmap.items().map((i) => range.valueAt(i))).toEqual([30080, 30081, 30500, 31000]);
    expect(res.leaks).toEqual({ '31000': 1 });
  });

  it('collectServiceNodePorts: other protocol dedupes, same protocol counts twice', () => {
    expect(
      collectServiceNodePorts({
        ports: [
          { protocol: 'TCP', nodePort: 1 },
          { protocol: 'UDP', nodePort: 1 },
          { protocol: 'TCP', nodePort: 1 },
        ],
        healthCheckNodePort: 1,
      }),
    ).toEqual([1, 1, 1]);
    expect(collectServiceNodePorts({ ports: [{ protocol: 'UDP', nodePort: 2 }], healthCheckNodePort: 2 })).toEqual([2]);
  });

  it('leak freed on the third pass', () => {
    let leaks: LeakCounters = {};
    const st = stored(range, [31000]);
    const has: boolean[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const res = repairNodePorts({ range, stored: st, services: [], leaks });
      has.push(res.bitmap.has(1000));
      leaks = res.leaks;
    }
    expect(has).toEqual([true, true, false]);
  });
});
