/** kubectl against a real replica: Services get a ClusterIP and NodePorts from the configured ranges. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver();
});

afterAll(async () => {
  await server?.stop();
});

describe('services', () => {
  it('kubectl create service nodeport allocates a ClusterIP and a NodePort', async () => {
    const created = await kubectl('1.32', server.kubeconfig, ['create', 'service', 'nodeport', 'x', '--tcp=80']);
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('service/x created');
    const got = await kubectl('1.32', server.kubeconfig, ['get', 'svc', 'x']);
    const [header, row] = got.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    const cols = row.split(/\s+/);
    expect(cols[0]).toBe('x');
    expect(cols[1]).toBe('NodePort');
    expect(cols[2]).toMatch(/^10\.0\.0\.(\d+)$/); // default --service-cluster-ip-range 10.0.0.0/24
    const last = Number(cols[2].split('.')[3]);
    expect(last >= 1 && last <= 254).toBe(true);
    expect(cols[3]).toBe('<none>');
    expect(cols[4]).toMatch(/^80:3\d{4}\/TCP$/);
    const nodePort = Number(cols[4].slice(3, 8));
    expect(nodePort >= 30000 && nodePort <= 32767).toBe(true);

    const taken = await kubectl('1.32', server.kubeconfig, ['create', 'service', 'clusterip', 'y', '--tcp=80', `--clusterip=${cols[2]}`]);
    expect(taken.stderr).toContain(`failed to allocate IP ${cols[2]}: provided IP is already allocated`);
    const del = await kubectl('1.32', server.kubeconfig, ['delete', 'svc', 'x']);
    expect(del.stdout.trim()).toBe('service "x" deleted');
    const again = await kubectl('1.32', server.kubeconfig, ['create', 'service', 'clusterip', 'y', '--tcp=80', `--clusterip=${cols[2]}`]);
    expect(again.stdout.trim()).toBe('service/y created');
  });
});
