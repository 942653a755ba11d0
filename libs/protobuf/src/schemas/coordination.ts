/** coordination.k8s.io/v1 Lease (its times are MicroTime). */
import type { SchemaSet } from '../schema';

export const coordinationKinds: Record<string, string> = {
  'coordination.k8s.io/v1/Lease': 'Lease',
};

export const coordinationSchemas: SchemaSet = {
  Lease: { 1: 'metadata:ObjectMeta', 2: 'spec:LeaseSpec' },
  LeaseSpec: {
    1: 'holderIdentity:string?',
    2: 'leaseDurationSeconds:int32?',
    3: 'acquireTime:MicroTime?',
    4: 'renewTime:MicroTime?',
    5: 'leaseTransitions:int32?',
  },
};
