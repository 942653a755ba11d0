/** Container resource requirements (validateResourceRequirements), the everyday rules. */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import { IS_NEGATIVE_ERROR_MSG, isQualifiedName } from '../../../../apimachinery/src/validation';
import { Json, obj } from '../../common/json';
import { compareQuantities, parseQuantity } from '../../common/quantity';
import { STANDARD_COMPUTE_RESOURCES, STANDARD_OBJECT_COUNT_RESOURCES } from '../../common/standard-resources';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set<string>([...STANDARD_COMPUTE_RESOURCES, ...STANDARD_OBJECT_COUNT_RESOURCES]);

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-');
}

function quantityString(q: unknown): string {
  return typeof q === 'number' ? String(q) : String(q ?? '');
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fieldErrors.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name) && !name.startsWith('requests.') && !name.startsWith('limits.')) {
      errs.push(fieldErrors.invalid(path, name, 'must be a standard resource type or fully qualified'));
    }
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      errs.push(fieldErrors.invalid(path, name, 'must be a standard resource for containers'));
    }
  }
  return errs;
}

/** Overcommit is allowed for everything but hugepages and extended (non-native) resources. */
function isOvercommitAllowed(name: string): boolean {
  if (isHugePages(name)) return false;
  return !name.includes('/') || name.includes('kubernetes.io/');
}

export function validateResourceRequirements(resources: Json | undefined, path: string): FieldError[] {
  if (!resources) return [];
  const errs: FieldError[] = [];
  const limits = obj(resources.limits) ?? {};
  const requests = obj(resources.requests) ?? {};
  for (const [name, q] of Object.entries(limits)) {
    const p = `${path}.limits[${name}]`;
    errs.push(...validateContainerResourceName(name, p));
    if ((parseQuantity(q) ?? 0n) < 0n) errs.push(fieldErrors.invalid(p, quantityString(q), IS_NEGATIVE_ERROR_MSG));
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = `${path}.requests[${name}]`;
    errs.push(...validateContainerResourceName(name, p));
    if ((parseQuantity(q) ?? 0n) < 0n) errs.push(fieldErrors.invalid(p, quantityString(q), IS_NEGATIVE_ERROR_MSG));
    if (name in limits) {
      const cmp = compareQuantities(q, limits[name]);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(fieldErrors.invalid(`${path}.requests`, quantityString(q), `must be equal to ${name} limit of ${quantityString(limits[name])}`));
      } else if (cmp > 0) {
        errs.push(
          fieldErrors.invalid(`${path}.requests`, quantityString(q), `must be less than or equal to ${name} limit of ${quantityString(limits[name])}`),
        );
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(fieldErrors.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}
