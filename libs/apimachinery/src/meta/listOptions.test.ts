import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../field-errors';
import { StatusError } from '../status';
import { assertValidListOptions, listOptionsInvalidError, validateListOptions } from './listOptions';

const msgs = (opts: Parameters<typeof validateListOptions>[0], watchListEnabled = true) =>
  validateListOptions(opts, { watchListEnabled }).map(fieldErrorString);

describe('validateListOptions (list)', () => {
  it('accepts ordinary combinations', () => {
    expect(msgs({})).toEqual([]);
    expect(msgs({ resourceVersion: '10', resourceVersionMatch: 'Exact', allowWatchBookmarks: true })).toEqual([]);
    expect(msgs({ resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' })).toEqual([]);
  });

  it('rejects bad combinations', () => {
    expect(msgs({ resourceVersionMatch: 'Exact' })).toEqual([
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    ]);
    expect(msgs({ resourceVersion: '1', resourceVersionMatch: 'Foo' })).toEqual([
      'resourceVersionMatch: Unsupported value: "Foo": supported values: "Exact", "NotOlderThan", ""',
    ]);
    expect(msgs({ resourceVersion: '0', resourceVersionMatch: 'Exact' })).toEqual([
      'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    ]);
    expect(msgs({ sendInitialEvents: false })).toEqual(['sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list']);
  });

  it('builds the 422 Invalid status the handler returns', () => {
    const err = listOptionsInvalidError(validateListOptions({ resourceVersionMatch: 'Exact' }));
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      reason: 'Invalid',
      details: {
        group: 'meta.k8s.io',
        kind: 'ListOptions',
        causes: [
          {
            reason: 'FieldValueForbidden',
            message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
            field: 'resourceVersionMatch',
          },
        ],
      },
      code: 422,
    });
  });

  it('aggregates several errors', () => {
    let err: unknown;
    try {
      assertValidListOptions({ resourceVersionMatch: 'Foo', continue: 'abc' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, ' +
        'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided, ' +
        'resourceVersionMatch: Unsupported value: "Foo": supported values: "Exact", "NotOlderThan", ""]',
    );
  });
});

describe('validateListOptions (watch)', () => {
  it('accepts watch-list requests', () => {
    expect(msgs({ watch: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true })).toEqual([]);
    expect(msgs({ watch: true, resourceVersion: '5' })).toEqual([]);
  });

  it('rejects bad combinations', () => {
    expect(msgs({ watch: true, sendInitialEvents: true })).toEqual([
      'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    ]);
    expect(msgs({ watch: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }, false)).toEqual([
      'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
    ]);
    expect(msgs({ watch: true, resourceVersionMatch: 'Exact', continue: 'x' })).toEqual([
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
    ]);
  });
});
