import { describe, expect, it } from 'vitest';
import { validateContainerSecurityContexts, validatePodSecurityContext } from './security-context-validation';

describe('security context ID checks', () => {
  it('reports out-of-range pod-level IDs with upstream paths and message', () => {
    const errs = validatePodSecurityContext({ runAsUser: -1, runAsGroup: 2147483648, fsGroup: 10, supplementalGroups: [1, -5] }, 'spec.securityContext');
    expect(errs.map((e) => e.field)).toEqual(['spec.securityContext.runAsUser', 'spec.securityContext.runAsGroup', 'spec.securityContext.supplementalGroups[1]']);
    expect(errs[0].detail).toBe('must be between 0 and 2147483647, inclusive');
  });

  it('checks container and init container runAsUser/runAsGroup', () => {
    const spec = { initContainers: [{ name: 'i', securityContext: { runAsGroup: -1 } }], containers: [{ name: 'a', securityContext: { runAsUser: 0 } }, { name: 'b', securityContext: { runAsUser: -2 } }] };
    expect(validateContainerSecurityContexts(spec, 'spec').map((e) => e.field)).toEqual([
      'spec.initContainers[0].securityContext.runAsGroup',
      'spec.containers[1].securityContext.runAsUser',
    ]);
  });
});
