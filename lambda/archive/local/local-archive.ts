import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { writeAtomically, writeOnce } from '../../shared/atomic-write.js';
import { type Archive, ArchiveError, archiveKeys, type Provenance } from '../archive.js';

/**
 * The archive in a local folder, with the same keys as S3 (so `aws s3 sync` can upload it). The
 * provenance of `raw/x/response.json` is written to `provenance/x/response.json.provenance.json`,
 * outside `raw/`, so tables over `raw/` see only WeChat's bytes.
 *
 * A new key is written once, complete or not at all (a hard link of a finished temporary file); the
 * same answer again changes nothing; a different one is noted under `replaced/`, then replaces the
 * bytes and their provenance (see Archive).
 */
export class LocalArchive implements Archive {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Buffer, provenance: Provenance): Promise<void> {
    const path = this.pathOf(key);
    const sidecar = this.pathOf(`provenance/${key.replace(/^raw\//, '')}.provenance.json`);
    const describe = () => writeAtomically(sidecar, Buffer.from(`${JSON.stringify(provenance, null, 2)}\n`));
    // Only the write that created the body describes it; a sidecar left by a crash before is replaced.
    if (await writeOnce(path, body)) return describe();
    const current = await readFile(path).catch(() => undefined);
    if (current?.equals(body)) return;
    // The note first: a crash after it costs a needless re-compaction, never a stale row.
    const note = archiveKeys.replacement(key, new Date(), randomUUID().slice(0, 8));
    await writeAtomically(this.pathOf(note), `${JSON.stringify({ key, fetchedAt: provenance.fetchedAt })}\n`);
    await writeAtomically(path, body);
    await describe();
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ArchiveError(`cannot read ${this.locate(key)}`, { cause: error });
    }
  }

  locate(key: string): string {
    return this.pathOf(key);
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new ArchiveError(`archive key "${key}" escapes ${this.root}`);
    return path;
  }
}
