/** Container lists of a pod spec (validateContainers, validateInitContainers, validateContainerCommon). */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import { isDNS1123Label, isValidPortName, isValidPortNum } from '../../../../apimachinery/src/validation';
import { Json, num, obj, objs, str } from '../../common/json';
import { validateEnv } from './env-validation';
import { validateLifecycle, validateLivenessProbe, validateReadinessProbe, validateStartupProbe } from './handlers';
import { validateResourceRequirements } from './resources-validation';
import { validateVolumeMounts } from './volume-validation';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

export function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(ports).forEach((port, i) => {
    const p = `${path}[${i}]`;
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(fieldErrors.invalid(`${p}.name`, name, m));
      else if (names.has(name)) errs.push(fieldErrors.duplicate(`${p}.name`, name));
      else names.add(name);
    }
    const containerPort = num(port.containerPort) ?? 0;
    if (containerPort === 0) errs.push(fieldErrors.required(`${p}.containerPort`, ''));
    else for (const m of isValidPortNum(containerPort)) errs.push(fieldErrors.invalid(`${p}.containerPort`, containerPort, m));
    const hostPort = num(port.hostPort) ?? 0;
    if (hostPort !== 0) for (const m of isValidPortNum(hostPort)) errs.push(fieldErrors.invalid(`${p}.hostPort`, hostPort, m));
    const protocol = str(port.protocol);
    if (!protocol) errs.push(fieldErrors.required(`${p}.protocol`, ''));
    else if (!PROTOCOLS.includes(protocol)) errs.push(fieldErrors.notSupported(`${p}.protocol`, protocol, PROTOCOLS));
  });
  return errs;
}

function validateContainerCommon(c: Json, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(fieldErrors.required(`${path}.name`, ''));
  else for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, m));
  if (!str(c.image)) errs.push(fieldErrors.required(`${path}.image`, ''));
  const tmp = str(c.terminationMessagePolicy);
  if (!tmp) errs.push(fieldErrors.required(`${path}.terminationMessagePolicy`, ''));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(fieldErrors.notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  const pull = str(c.imagePullPolicy);
  if (!pull) errs.push(fieldErrors.required(`${path}.imagePullPolicy`, ''));
  else if (!PULL_POLICIES.includes(pull)) errs.push(fieldErrors.notSupported(`${path}.imagePullPolicy`, pull, PULL_POLICIES));
  errs.push(...validateResourceRequirements(obj(c.resources), `${path}.resources`));
  return errs;
}

/** AccumulateUniqueHostPorts: "<protocol>/<hostIP>/<port>" may appear once. */
function checkHostPortConflicts(containers: Json[], path: string, seen = new Set<string>(), offset = 0): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((port, pi) => {
      const hostPort = num(port.hostPort) ?? 0;
      if (hostPort === 0) return;
      const key = `${str(port.protocol)}/${str(port.hostIP)}/${hostPort}`;
      if (seen.has(key)) errs.push(fieldErrors.duplicate(`${path}[${ci + offset}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

export function validateContainers(containers: unknown, volumes: Set<string>, gracePeriod: number | undefined, path: string): FieldError[] {
  const list = objs(containers);
  if (list.length === 0) return [fieldErrors.required(path, '')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldErrors.duplicate(`${p}.name`, name));
    else names.add(name);
    const lifecycle = obj(c.lifecycle);
    if (lifecycle) errs.push(...validateLifecycle(lifecycle, `${p}.lifecycle`, gracePeriod));
    errs.push(...validateLivenessProbe(obj(c.livenessProbe), `${p}.livenessProbe`, gracePeriod));
    errs.push(...validateReadinessProbe(obj(c.readinessProbe), `${p}.readinessProbe`, gracePeriod));
    errs.push(...validateStartupProbe(obj(c.startupProbe), `${p}.startupProbe`, gracePeriod));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      errs.push(fieldErrors.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    }
  });
  errs.push(...checkHostPortConflicts(list, path));
  return errs;
}

const NOT_FOR_INIT = 'may not be set for init containers without restartPolicy=Always';

export function validateInitContainers(
  containers: unknown,
  regular: unknown,
  volumes: Set<string>,
  gracePeriod: number | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(objs(regular).map((c) => str(c.name)));
  objs(containers).forEach((c, i) => {
    const p = `${path}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      const rp = str(c.restartPolicy);
      if (rp !== 'Always') errs.push(fieldErrors.notSupported(`${p}.restartPolicy`, rp, ['Always']));
      restartAlways = rp === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldErrors.duplicate(`${p}.name`, name));
    else if (name) names.add(name);
    errs.push(...checkHostPortConflicts([c], path, new Set(), i));
    if (restartAlways) {
      const lifecycle = obj(c.lifecycle);
      if (lifecycle) errs.push(...validateLifecycle(lifecycle, `${p}.lifecycle`, gracePeriod));
      errs.push(...validateLivenessProbe(obj(c.livenessProbe), `${p}.livenessProbe`, gracePeriod));
      errs.push(...validateReadinessProbe(obj(c.readinessProbe), `${p}.readinessProbe`, gracePeriod));
      errs.push(...validateStartupProbe(obj(c.startupProbe), `${p}.startupProbe`, gracePeriod));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined && c[f] !== null) errs.push(fieldErrors.forbidden(`${p}.${f}`, NOT_FOR_INIT));
      }
    }
  });
  return errs;
}

/** validateContainerOnlyForPod: pods (not templates) may not pad the image with whitespace. */
export function validateContainersOnlyForPod(containers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(containers).forEach((c, i) => {
    const image = str(c.image);
    if (image.trim() !== image) errs.push(fieldErrors.invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return errs;
}
