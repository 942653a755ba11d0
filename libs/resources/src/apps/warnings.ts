/** Creation warnings shared by workload controllers (names end up in pod names and hostnames). */
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1123Label } from '../../../apimachinery/src/validation';

export function workloadNameWarnings(o: KObject, old?: KObject): string[] {
  if (old) return [];
  const msgs = isDNS1123Label(o.metadata.name ?? '');
  if (msgs.length === 0) return [];
  return [
    `metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`,
  ];
}
