/** Small file helpers: atomic writes with a given mode, optional reads. */
import { promises as fs } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  await fs.writeFile(tmp, data, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, path);
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
