import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a file so that a crash mid-write never leaves a truncated file under the final name. */
export async function writeAtomically(path: string, body: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Unique per write: two writers of one path in one process must not share a temporary file.
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, path);
}
