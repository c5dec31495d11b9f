import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

async function sources(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

const IO =
  /from '(@aws-sdk\/[^']+|@aws-lambda-powertools\/[^']+|nodemailer[^']*|node:(http|https|net|fs|fs\/promises|child_process))'/;

describe('ports and adapters', () => {
  it.each(['lambda/report', 'lambda/render', 'lambda/domain', 'lambda/calendar', 'lambda/pipeline'])(
    '%s does no I/O of its own: no AWS SDK, nodemailer, HTTP or file-system import',
    async (folder) => {
      const offenders: string[] = [];
      for (const file of await sources(folder)) {
        if (IO.test(await readFile(file, 'utf8'))) offenders.push(file);
      }
      expect(offenders).toEqual([]);
    },
  );

  it.each(['lambda/report', 'lambda/render'])(
    '%s depends on no adapter layer (notify, archive, wechat, secrets)',
    async (folder) => {
      const offenders: string[] = [];
      for (const file of await sources(folder)) {
        if (/from '(\.\.\/)+(notify|archive|wechat|secrets|state|handlers)\//.test(await readFile(file, 'utf8')))
          offenders.push(file);
      }
      expect(offenders).toEqual([]);
    },
  );

  it('reads process.env only in the composition roots (handlers, CLI, bin)', async () => {
    const offenders: string[] = [];
    for (const folder of ['lambda', 'lib']) {
      for (const file of await sources(folder)) {
        if (file.startsWith(join('lambda', 'handlers'))) continue;
        if ((await readFile(file, 'utf8')).includes('process.env')) offenders.push(file);
      }
    }
    expect(offenders).toEqual([]);
  });
});
