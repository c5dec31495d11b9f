import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { writeAtomically } from '../../shared/atomic-write.js';
import { type Archive, ArchiveError, type Provenance } from '../archive.js';

/**
 * The archive in a local folder, with the same keys as S3 (so `aws s3 sync` can upload it). The
 * provenance of `raw/x/response.json` is written to `provenance/x/response.json.provenance.json`,
 * outside `raw/`, so tables over `raw/` see only WeChat's bytes.
 */
export class LocalArchive implements Archive {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Buffer, provenance: Provenance): Promise<void> {
    const path = this.pathOf(key);
    await writeAtomically(path, body);
    const sidecar = this.pathOf(`provenance/${key.replace(/^raw\//, '')}.provenance.json`);
    await writeAtomically(sidecar, Buffer.from(`${JSON.stringify(provenance, null, 2)}\n`));
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
