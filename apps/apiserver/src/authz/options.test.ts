import { describe, expect, it } from 'vitest';
import { parseApiserverFlags } from '../config/apiserver-options';

const base = ['--etcd-servers=http://127.0.0.1:2379'];

describe('--authorization-mode', () => {
  it('is absent by default (the built-in default authorizer) and parsed as a comma list', () => {
    expect(parseApiserverFlags(base).authorizationModes).toBeUndefined();
    expect(parseApiserverFlags([...base, '--authorization-mode=Node,RBAC']).authorizationModes).toEqual(['Node', 'RBAC']);
  });

  it('rejects unknown and repeated modes', () => {
    expect(() => parseApiserverFlags([...base, '--authorization-mode=Magic'])).toThrow('authorization-mode "Magic" is not a valid mode');
    expect(() => parseApiserverFlags([...base, '--authorization-mode=RBAC,RBAC'])).toThrow('authorization-mode "RBAC" has mode specified more than once');
  });
});
