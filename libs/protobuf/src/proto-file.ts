/** Locates one of our .proto files under the repository's proto/ folder, from source or from dist/. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `rel` like 'proto/watchcache/v1/watchcache.proto'; searched upward from this module's folder. */
export function findProtoFile(rel: string, from = __dirname): string {
  let dir = from;
  for (;;) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    const up = resolve(dir, '..');
    if (up === dir) throw new Error(`cannot find ${rel} above ${from}`);
    dir = up;
  }
}
