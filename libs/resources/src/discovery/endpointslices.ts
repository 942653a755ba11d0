/**
 * discovery.k8s.io/v1 endpointslices, minimal: defaulting of port protocols, the main validation
 * rules (addressType, addresses per type, ports) and upstream's table
 * (NAME ADDRESSTYPE PORTS ENDPOINTS AGE).
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortNum, validateIP } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { num, obj, objs, str, strs } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

function validateSlice(slice: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const addressType = str(slice.addressType);
  if (!addressType) errs.push(fieldErrors.required('addressType', ''));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(fieldErrors.notSupported('addressType', addressType, ADDRESS_TYPES));
  const endpoints = objs(slice.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) errs.push(fieldErrors.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addresses = strs(ep.addresses);
    if (addresses.length === 0) errs.push(fieldErrors.required(`${path}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(fieldErrors.tooMany(`${path}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      const p = `${path}.addresses[${j}]`;
      if (addressType === 'FQDN') for (const m of isDNS1123Subdomain(a)) errs.push(fieldErrors.invalid(p, a, m));
      else if (addressType === 'IPv4' || addressType === 'IPv6') {
        const ipErrs = validateIP(p, a);
        errs.push(...ipErrs);
        if (ipErrs.length === 0 && (addressType === 'IPv4') !== !a.includes(':')) errs.push(fieldErrors.invalid(p, a, `must be an ${addressType} address`));
      }
    });
    const hostname = str(ep.hostname);
    if (hostname) for (const m of isDNS1123Label(hostname)) errs.push(fieldErrors.invalid(`${path}.hostname`, hostname, m));
  });
  const ports = objs(slice.ports);
  if (ports.length > MAX_PORTS) errs.push(fieldErrors.tooMany('ports', ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    const name = str(p.name);
    if (name) for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, m));
    if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
    names.add(name);
    const port = num(p.port);
    if (port !== undefined) for (const m of isValidPortNum(port)) errs.push(fieldErrors.invalid(`${path}.port`, port, m));
    const protocol = str(p.protocol);
    if (protocol && !PROTOCOLS.includes(protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, protocol, PROTOCOLS));
  });
  return errs;
}

function validateSliceUpdate(slice: KObject, old: KObject): FieldError[] {
  const errs = validateSlice(slice);
  if (str(slice.addressType) !== str(old.addressType)) errs.push(fieldErrors.invalid('addressType', str(slice.addressType), 'field is immutable'));
  return errs;
}

/** upstream listWithMoreString: up to three entries, then " + N more...", "<unset>" when empty. */
function listWithMore(list: string[], count: number, max: number): string {
  const ret = list.join(',');
  if (count > max) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

export function formatDiscoveryPorts(slice: KObject): string {
  const ports = objs(slice.ports);
  const list = ports.slice(0, 3).map((p) => {
    const n = num(p.port);
    if (n !== undefined) return String(n);
    return typeof p.name === 'string' ? p.name : '*';
  });
  return listWithMore(list, ports.length, 3);
}

export function formatDiscoveryEndpoints(slice: KObject): string {
  const all = objs(slice.endpoints).flatMap((ep) => strs(ep.addresses));
  return listWithMore(all.slice(0, 3), all.length, 3);
}

export function endpointSlicesDefinition(): ResourceDefinition {
  return {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    namespaced: true,
    storagePrefix: 'endpointslices',
    modelType: 'V1EndpointSlice',
    strategy: {
      default(slice) {
        for (const p of objs(slice.ports)) if (!str(p.protocol)) p.protocol = 'TCP';
        for (const ep of objs(slice.endpoints)) if (!obj(ep.conditions)) ep.conditions = {};
      },
      validate: validateSlice,
      validateUpdate: validateSliceUpdate,
    },
    table: {
      columns: [
        nameColumn(),
        column('AddressType', 'string', 'The type of address held by the EndpointSlice.'),
        column('Ports', 'string', 'The ports exposed by the EndpointSlice.'),
        column('Endpoints', 'string', 'The addresses of the EndpointSlice.'),
        ageColumn(),
      ],
      cells: (slice, now) => [
        slice.metadata.name ?? '',
        str(slice.addressType),
        formatDiscoveryPorts(slice),
        formatDiscoveryEndpoints(slice),
        translateTimestampSince(slice.metadata.creationTimestamp, now),
      ],
    },
  };
}
