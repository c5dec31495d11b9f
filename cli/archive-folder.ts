import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './cli-io.js';

/**
 * The archive to read: a folder with raw/ in it. A path that does not exist, or holds no archive, is
 * an error (not an empty answer, which would read as "no data").
 */
export async function archiveRoot(path: string, isDefault: boolean): Promise<string> {
  const flag = isDefault ? `the default archive ${path}` : `--archive ${path}`;
  const kind = await stat(path).then(
    (s) => (s.isDirectory() ? 'folder' : 'file'),
    () => 'missing',
  );
  if (kind === 'missing')
    throw new CliError(
      `there is no archive at ${flag}: give --archive the folder "wxa-report daily" or "backfill" wrote (it holds raw/), or fill one first with "wxa-report backfill --from YYYY-MM-DD"`,
    );
  if (kind === 'file') throw new CliError(`${flag} is a file: give the archive folder (it holds raw/)`);
  if (await isFolder(join(path, 'raw'))) return path;
  const inner = join(path, 'archive');
  if (await isFolder(join(inner, 'raw')))
    throw new CliError(`${flag} is not an archive (no raw/ in it), but ${inner} is: give --archive ${inner}`);
  throw new CliError(
    `${flag} is not an archive: nothing is archived there yet (no raw/ in it); run "wxa-report daily" or "backfill" with the same --archive first`,
  );
}

const isFolder = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
