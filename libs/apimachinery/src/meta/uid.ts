/** Object UIDs: random (version 4) UUIDs, as k8s.io/apimachinery/pkg/util/uuid.NewUUID. */
import { randomUUID } from 'node:crypto';

export function newUid(): string {
  return randomUUID();
}
