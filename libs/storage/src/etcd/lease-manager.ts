/**
 * Hands out etcd leases for TTL'd keys, reusing a recent lease for keys with a similar TTL as
 * upstream's leaseManager does (reuse window = min(5% of the TTL, 60s), at most 1000 keys per lease),
 * so a burst of Events does not create one lease per object.
 */
import { Etcd3 } from 'etcd3';

export interface LeaseManagerConfig {
  /** upper bound of the reuse window, seconds (default 60) */
  reuseDurationSeconds?: number;
  /** reuse window as a fraction of the TTL (default 0.05) */
  reuseDurationPercent?: number;
  /** most keys attached to one lease (default 1000) */
  maxObjectsPerLease?: number;
}

export class LeaseManager {
  private prevLeaseId = '0';
  private prevExpiresAt = 0;
  private attached = 0;
  private readonly reuseSeconds: number;
  private readonly reusePercent: number;
  private readonly maxObjects: number;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly client: Etcd3,
    config: LeaseManagerConfig = {},
  ) {
    this.reuseSeconds = config.reuseDurationSeconds ?? 60;
    this.reusePercent = config.reuseDurationPercent ?? 0.05;
    this.maxObjects = config.maxObjectsPerLease ?? 1000;
  }

  /** A lease id (decimal string) that lives at least `ttlSeconds`. */
  async getLease(ttlSeconds: number): Promise<string> {
    // Serialise grants so a burst shares one lease instead of racing to create many.
    while (this.pending) await this.pending.catch(() => undefined);
    const now = Date.now();
    const reuse = Math.min(Math.floor(this.reusePercent * ttlSeconds), this.reuseSeconds);
    const valid = now + ttlSeconds * 1000 < this.prevExpiresAt;
    const sufficient = now + (ttlSeconds + reuse) * 1000 > this.prevExpiresAt;
    this.attached++;
    if (valid && sufficient && this.attached <= this.maxObjects) return this.prevLeaseId;

    const ttl = ttlSeconds + reuse;
    const grant = this.client.leaseClient.leaseGrant({ TTL: ttl }).then((res) => {
      this.prevLeaseId = res.ID;
      this.prevExpiresAt = now + ttl * 1000;
      this.attached = 1;
      return res.ID;
    });
    this.pending = grant;
    try {
      return await grant;
    } finally {
      this.pending = undefined;
    }
  }
}
