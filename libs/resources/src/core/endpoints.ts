/** core/v1 endpoints (stored under services/endpoints, as upstream). */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortNum,
  validateIP,
  validateNonSpecialIP,
} from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { Json, num, objs, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateAddress(a: Json, path: string): FieldError[] {
  const ip = str(a.ip);
  const errs = validateIP(`${path}.ip`, ip);
  const hostname = str(a.hostname);
  if (hostname) for (const m of isDNS1123Label(hostname)) errs.push(fieldErrors.invalid(`${path}.hostname`, hostname, m));
  if (typeof a.nodeName === 'string') {
    for (const m of isDNS1123Subdomain(a.nodeName)) errs.push(fieldErrors.invalid(`${path}.nodeName`, a.nodeName, m));
  }
  errs.push(...validateNonSpecialIP(`${path}.ip`, ip));
  return errs;
}

function validatePort(p: Json, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(p.name);
  if (requireName && !name) errs.push(fieldErrors.required(`${path}.name`, ''));
  else if (name) for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, m));
  const port = num(p.port) ?? 0;
  for (const m of isValidPortNum(port)) errs.push(fieldErrors.invalid(`${path}.port`, port, m));
  const protocol = str(p.protocol);
  if (!protocol) errs.push(fieldErrors.required(`${path}.protocol`, ''));
  else if (!PROTOCOLS.includes(protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, protocol, PROTOCOLS));
  if (typeof p.appProtocol === 'string') {
    for (const m of isQualifiedName(p.appProtocol)) errs.push(fieldErrors.invalid(`${path}.appProtocol`, p.appProtocol, m));
  }
  return errs;
}

function validateEndpoints(ep: KObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(ep.subsets).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    const addresses = objs(ss.addresses);
    const notReady = objs(ss.notReadyAddresses);
    if (addresses.length === 0 && notReady.length === 0) {
      errs.push(fieldErrors.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    addresses.forEach((a, j) => errs.push(...validateAddress(a, `${p}.addresses[${j}]`)));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, `${p}.notReadyAddresses[${j}]`)));
    const ports = objs(ss.ports);
    ports.forEach((port, j) => errs.push(...validatePort(port, ports.length > 1, `${p}.ports[${j}]`)));
  });
  return errs;
}

/** formatEndpoints: up to three "ip:port" entries, then " + N more...". */
export function formatEndpoints(ep: KObject): string {
  const subsets = objs(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addresses = objs(ss.addresses);
    const ports = objs(ss.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(str(a.ip), num(port.port) ?? 0));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export function endpointsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    listKind: 'EndpointsList',
    plural: 'endpoints',
    singular: 'endpoints',
    namespaced: true,
    shortNames: ['ep'],
    storagePrefix: 'services/endpoints',
    modelType: 'V1Endpoints',
    strategy: {
      default(ep) {
        for (const ss of objs(ep.subsets)) for (const p of objs(ss.ports)) if (!str(p.protocol)) p.protocol = 'TCP';
      },
      validate: validateEndpoints,
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    },
    table: {
      columns: [nameColumn(), column('Endpoints', 'string', 'Addresses and ports of the endpoints.'), ageColumn()],
      cells: (ep, now) => [ep.metadata.name ?? '', formatEndpoints(ep), translateTimestampSince(ep.metadata.creationTimestamp, now)],
    },
  };
}
