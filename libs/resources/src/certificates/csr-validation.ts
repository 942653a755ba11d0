/**
 * certificates/validation (Kubernetes 1.32) for CertificateSigningRequests: the PEM request,
 * usages, signerName, expirationSeconds, conditions, and the update rules (conditions and the
 * issued certificate cannot be removed).
 */
import { Pkcs10CertificateRequest } from '@peculiar/x509';
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { invalidRendered, isDNS1123Label } from '../../../apimachinery/src/validation';
import { obj, objs, str, strs } from '../common/json';

export const KNOWN_USAGES = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
];

/** Go's %#v of a []byte */
export function goBytes(b: Buffer): string {
  return `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
}

/** pem.Decode: the first PEM block (type and DER bytes), or null. */
export function decodePem(data: Buffer): { type: string; bytes: Buffer } | null {
  const m = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(data.toString('latin1'));
  if (!m) return null;
  return { type: m[1], bytes: Buffer.from(m[2].replace(/[\r\n\s]/g, ''), 'base64') };
}

/** validateCSR: the error text for spec.request, or null */
export function csrRequestError(request: Buffer): string | null {
  const block = decodePem(request);
  if (!block || block.type !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  try {
    new Pkcs10CertificateRequest(block.bytes);
  } catch {
    return 'asn1: structure error: tags don\'t match';
  }
  return null;
}

/** ValidateSignerName */
export function validateSignerName(path: string, signerName: string): FieldError[] {
  if (signerName.length === 0) return [fieldErrors.required(path, '')];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [fieldErrors.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: FieldError[] = [];
  const [domain, rest] = segments;
  if (domain.length > 253) errs.push(fieldErrors.tooLong(path, domain, 253));
  const domainLabels = domain.split('.');
  for (const lbl of domainLabels) {
    const e = isDNS1123Label(lbl);
    if (e.length) {
      for (const m of e) errs.push(fieldErrors.invalid(path, domain, `validating label ${JSON.stringify(lbl)}: ${m}`));
      break;
    }
  }
  if (domainLabels.length < 2) errs.push(fieldErrors.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const lbl of rest.split('.')) {
    const e = isDNS1123Label(lbl);
    if (e.length) {
      for (const m of e) errs.push(fieldErrors.invalid(path, rest, `validating label ${JSON.stringify(lbl)}: ${m}`));
      break;
    }
  }
  if (rest.length > 253) errs.push(fieldErrors.tooLong(path, rest, 253));
  return errs;
}

function validateConditions(csr: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const path = 'status.conditions';
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  objs(obj(csr.status)?.conditions).forEach((c, i) => {
    const type = str(c.type);
    const status = str(c.status);
    if (!type) errs.push(fieldErrors.required(`${path}[${i}].type`, ''));
    const trueOnly = type === 'Approved' || type === 'Denied' || type === 'Failed';
    const allowed = trueOnly ? ['True'] : ['False', 'True', 'Unknown'];
    if (!status) errs.push(fieldErrors.required(`${path}[${i}].status`, ''));
    else if (!allowed.includes(status)) errs.push(fieldErrors.notSupported(`${path}[${i}].status`, status, allowed));
    if (type === 'Approved') {
      approved = true;
      if (denied) errs.push(fieldErrors.invalid(`${path}[${i}].type`, type, 'Approved and Denied conditions are mutually exclusive'));
    } else if (type === 'Denied') {
      denied = true;
      if (approved) errs.push(fieldErrors.invalid(`${path}[${i}].type`, type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (seen.has(type)) errs.push(fieldErrors.duplicate(`${path}[${i}].type`, type));
    seen.add(type);
  });
  return errs;
}

function certificateError(cert: Buffer): string | null {
  if (cert.length === 0) return null;
  const text = cert.toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN ([^-\r\n]+)-----/g)];
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const b of blocks) if (b[1] !== 'CERTIFICATE') return 'only CERTIFICATE PEM blocks are allowed, found "' + b[1] + '"';
  return null;
}

const bytesOf = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : '', 'base64');

export function validateCSR(csr: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(csr.spec) ?? {};
  const request = bytesOf(spec.request);
  const reqErr = csrRequestError(request);
  if (reqErr) errs.push(invalidRendered('spec.request', goBytes(request), reqErr));
  const usages = strs(spec.usages);
  if (usages.length === 0) errs.push(fieldErrors.required('spec.usages', ''));
  usages.forEach((u, i) => {
    if (!KNOWN_USAGES.includes(u)) errs.push(fieldErrors.notSupported(`spec.usages[${i}]`, u, KNOWN_USAGES));
  });
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (seen.has(u)) errs.push(fieldErrors.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  const signerName = str(spec.signerName);
  if (signerName === 'kubernetes.io/legacy-unknown') {
    errs.push(fieldErrors.invalid('spec.signerName', signerName, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', signerName));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(fieldErrors.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr));
  const certErr = certificateError(bytesOf(obj(csr.status)?.certificate));
  if (certErr) errs.push(fieldErrors.invalid('status.certificate', '<certificate data>', certErr));
  return errs;
}

export function validateCSRUpdate(csr: KObject, old: KObject): FieldError[] {
  const errs = validateCSR(csr);
  const types = (o: KObject, t: string) => objs(obj(o.status)?.conditions).filter((c) => c.type === t).length;
  for (const t of ['Approved', 'Denied', 'Failed']) {
    if (types(csr, t) < types(old, t)) errs.push(fieldErrors.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
  }
  const oldCert = str(obj(old.status)?.certificate);
  if (oldCert && str(obj(csr.status)?.certificate) !== oldCert) {
    errs.push(fieldErrors.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}
