/**
 * certificates.k8s.io/v1 CertificateSigningRequest (`kubectl certificate approve` sends it to
 * /approval). spec.extra values decode as {items: [...]} (the ExtraValue message); the CSR
 * strategy turns them back into string lists.
 */
import type { SchemaSet } from '../schema';

export const certificatesKinds: Record<string, string> = {
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
};

export const certificatesSchemas: SchemaSet = {
  CertificateSigningRequest: { 1: 'metadata:ObjectMeta', 2: 'spec:CertificateSigningRequestSpec', 3: 'status:CertificateSigningRequestStatus' },
  CertificateSigningRequestSpec: {
    1: 'request:bytes',
    2: 'username:string',
    3: 'uid:string',
    4: 'groups:string[]',
    5: 'usages:string[]',
    6: 'extra:map<string,CertificatesExtraValue>',
    7: 'signerName:string',
    8: 'expirationSeconds:int32?',
  },
  CertificatesExtraValue: { 1: 'items:string[]' },
  CertificateSigningRequestStatus: { 1: 'conditions:CertificateSigningRequestCondition[]', 2: 'certificate:bytes' },
  CertificateSigningRequestCondition: {
    1: 'type:string',
    2: 'reason:string',
    3: 'message:string',
    4: 'lastUpdateTime:Time',
    5: 'lastTransitionTime:Time',
    6: 'status:string',
  },
};
