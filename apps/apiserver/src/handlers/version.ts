/** /version: the Kubernetes version we implement (kubectl's dispatcher picks its binary by it). */
export const KUBERNETES_VERSION = { major: '1', minor: '32', patch: '0' };

export function versionInfo(): Record<string, string> {
  const { major, minor, patch } = KUBERNETES_VERSION;
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.${patch}+kubernest`,
    gitCommit: process.env.KUBERNEST_GIT_COMMIT ?? '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-11-23T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
