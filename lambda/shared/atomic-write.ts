import { randomUUID } from 'node:crypto';
import { access, link, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a file so that a crash mid-write never leaves a truncated file under the final name. */
export async function writeAtomically(path: string, body: Buffer | string): Promise<void> {
  const temporary = await writeTemporary(path, body);
  await rename(temporary, path);
}

/**
 * Writes a file once: complete or not at all under the final name, and never over a file already
 * there (the first bytes are kept). Resolves to whether this call created it. The temporary file is
 * hard-linked to the final name, which fails with EEXIST when it exists, atomically (POSIX link(2));
 * where hard links are not supported, an exclusive rename is emulated by a check first.
 */
export async function writeOnce(path: string, body: Buffer | string): Promise<boolean> {
  const temporary = await writeTemporary(path, body);
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    return renameUnlessPresent(temporary, path);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function renameUnlessPresent(temporary: string, path: string): Promise<boolean> {
  const present = await access(path).then(
    () => true,
    () => false,
  );
  if (present) return false;
  await rename(temporary, path);
  return true;
}

async function writeTemporary(path: string, body: Buffer | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  // Unique per write: two writers of one path in one process must not share a temporary file.
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, body);
  return temporary;
}
