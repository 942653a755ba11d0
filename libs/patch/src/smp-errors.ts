/**
 * Errors raised while applying a strategic merge patch, with the texts of
 * k8s.io/apimachinery/pkg/util/mergepatch and strategicpatch, and the HTTP status the PATCH
 * handler gives each (interpretStrategicMergePatchError): format errors are 400, lists of lists
 * 422, anything else reaches the client unconverted as a 500 with the Go error text.
 */
import { StatusError } from '../../apimachinery/src/status';
import { goSprintS, goSprintV, goTypeString } from './go-json';
import { patchErrors } from './patch-errors';

export type SmpErrorClass = 'badRequest' | 'unprocessable' | 'unconverted';

export class SmpError extends Error {
  constructor(
    message: string,
    readonly errorClass: SmpErrorClass = 'unconverted',
  ) {
    super(message);
    this.name = 'SmpError';
  }

  toStatusError(): StatusError {
    switch (this.errorClass) {
      case 'badRequest':
        return patchErrors.badRequest(this.message);
      case 'unprocessable':
        return patchErrors.unprocessable(this.message);
      default:
        return patchErrors.unconverted(this.message);
    }
  }
}

export const smpErrors = {
  badJSONDoc: () => new SmpError('invalid JSON document', 'badRequest'),
  noListOfLists: () => new SmpError('lists of lists are not supported', 'unprocessable'),
  badPatchFormatForPrimitiveList: () => new SmpError('invalid patch format of primitive list', 'badRequest'),
  badPatchFormatForRetainKeys: () => new SmpError('invalid patch format of retainKeys', 'badRequest'),
  badPatchFormatForSetElementOrderList: () => new SmpError('invalid patch format of setElementOrder list', 'badRequest'),

  /** mergepatch.ErrNoMergeKey */
  noMergeKey: (m: unknown, key: string) => new SmpError(`map: ${goSprintV(m)} does not contain declared merge key: ${key}`),
  /** mergepatch.ErrBadArgType(expected, actual) */
  badArgType: (expectedGoType: string, actual: unknown) =>
    new SmpError(`expected a ${expectedGoType}, but received a ${goTypeString(actual)}`),
  /** mergepatch.ErrBadPatchType */
  badPatchType: (directive: unknown, m: unknown) =>
    new SmpError(`unknown patch type: ${goSprintS(directive)} in map: ${goSprintV(m)}`),
  mergingListsNotSupported: () => new SmpError('merging lists cannot yet be specified in the patch'),
  noMergeKeyForList: (schemaName: string) => new SmpError(`cannot merge lists without merge key for ${schemaName}`),
  elementTypesDiffer: (slices: unknown[][]) => new SmpError(`list element types are not identical: ${goSprintV(slices)}`),
  noElements: () => new SmpError('no elements in any of the given slices'),
  notAMap: (index: number) => new SmpError(`value for key ${index} is not a map`),
  orderMismatch: (patchList: unknown[], setOrderList: unknown[]) =>
    new SmpError(
      `the order in patch list:\n${goSprintV(patchList)}\n doesn't match $setElementOrder list:\n${goSprintV(setOrderList)}`,
    ),
  unexpectedStrategy: (strategies: string[]) => new SmpError(`unexpected patch strategy: ${goSprintV(strategies)}`),
};
