import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalArchive } from '../../lambda/archive/local/local-archive.js';
import type { IsoDate } from '../../lambda/calendar/beijing-calendar.js';
import type { CuratedStore } from '../../lambda/curated/curated-store.js';
import { LocalCuratedStore } from '../../lambda/curated/local/local-curated-store.js';
import {
  type CompactionDependencies,
  type CompactionOptions,
  type CompactionResult,
  compactArchive,
} from '../../lambda/pipeline/compact-archive.js';
import type { Logger } from '../../lambda/shared/logger.js';
import { DEMO_APPS } from '../../lambda/simulator/simulated-data.js';
import { writeSyntheticArchive } from '../../lambda/simulator/synthetic-archive.js';
import { DuckDbCompactor } from '../../lambda/sql/duckdb/duckdb-compactor.js';
import { LocalSql } from '../../lambda/sql/duckdb/local-sql.js';
import { SQL_TABLES } from '../../lambda/sql/tables.js';
import type { ArchivedApi } from '../../lambda/wechat/datacube-apis.js';
import { NOW } from './simulator.js';
import { tempDir } from './temp-dir.js';

export const APPIDS = DEMO_APPS.map((a) => a.appid);

/** A local archive of the two demo apps over [from, to], every API unless told, as backfill would write it. */
export async function syntheticArchive(
  root: string,
  from: IsoDate,
  to: IsoDate,
  options: { apis?: readonly ArchivedApi[]; appids?: readonly string[]; now?: Date } = {},
): Promise<void> {
  await writeSyntheticArchive(new LocalArchive(root), {
    appids: options.appids ?? APPIDS,
    from,
    to,
    apis: options.apis,
    now: options.now ?? NOW,
  });
}

/** Warnings a run logged, for tests to read. */
export function recordingLogger(): Logger & { readonly warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
}

/** One compaction of a local archive with DuckDB, in a work folder of its own. */
export async function compactLocal(
  root: string,
  options: CompactionOptions = {},
  overrides: Partial<CompactionDependencies> & { store?: CuratedStore } = {},
): Promise<CompactionResult> {
  const engine = await DuckDbCompactor.open();
  const work = await tempDir('wxa-compact-work-');
  try {
    return await compactArchive(
      {
        store: new LocalCuratedStore(root),
        engine,
        workDir: work.path,
        clock: () => new Date(),
        logger: recordingLogger(),
        toolVersion: 'test',
        owner: 'test',
        ...overrides,
      },
      options,
    );
  } finally {
    engine.close();
    await work.remove();
  }
}

/** The README's queries and every table's rows, as `wxa-report query` answers them over an archive. */
export async function everyAnswer(root: string, appid = APPIDS[0] as string): Promise<Record<string, unknown[]>> {
  const sql = await LocalSql.open(root);
  try {
    const answers: Record<string, unknown[]> = {};
    for (const table of SQL_TABLES)
      answers[table.name] = (await sql.query(`SELECT * FROM ${table.name} ORDER BY ALL`)).rows as unknown[];
    for (const [name, query] of README_QUERIES(appid)) answers[name] = (await sql.query(query)).rows as unknown[];
    return answers;
  } finally {
    sql.close();
  }
}

/** The queries of the README's "Read the archive" section, for one app. */
export const README_QUERIES = (appid: string): readonly (readonly [string, string])[] => [
  [
    'daily trend with its 7-day average',
    `SELECT dt, visit_uv, round(avg(visit_uv) OVER (ORDER BY dt ROWS 6 PRECEDING)) AS avg_7d FROM daily_visit_trend WHERE appid = '${appid}' ORDER BY dt`,
  ],
  [
    'retention by cohort',
    `SELECT c.month, c.visit_uv_new AS new_users, n.visit_uv_new AS came_back FROM monthly_retain c LEFT JOIN monthly_retain n ON n.appid = c.appid AND n.month = c.month AND n.key = 1 WHERE c.appid = '${appid}' AND c.key = 0 ORDER BY c.month`,
  ],
  [
    'top pages',
    `SELECT page_path, sum(page_visit_pv) AS visits, sum(page_visit_uv) AS visitors FROM visit_page WHERE appid = '${appid}' GROUP BY page_path ORDER BY visits DESC, page_path LIMIT 20`,
  ],
];

/** Every file under the curated layer, with its size and modification time (to tell a run that changed nothing). */
export async function curatedFiles(root: string): Promise<Record<string, string>> {
  const folder = join(root, 'curated');
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  const files: Record<string, string> = {};
  for (const e of entries.filter((x) => x.isFile())) {
    const path = join(e.parentPath, e.name);
    const s = await stat(path);
    files[path.slice(folder.length + 1)] = `${s.size}@${s.mtimeMs}`;
  }
  return files;
}

/**
 * A Parquet file's bytes damaged as a disk fault or a cut copy would: `garbage` a few bytes of text
 * (another length than its manifest records); `footer` its metadata overwritten, `pages` its first
 * page overwritten (both the same length, so only reading it finds out).
 */
export function damagedParquet(bytes: Uint8Array, how: 'garbage' | 'footer' | 'pages'): Buffer {
  if (how === 'garbage') return Buffer.from('garbage\n');
  const damaged = Buffer.from(bytes);
  // A file is PAR1, its pages, its footer (the schema first), the footer's length (4 bytes), PAR1.
  const start = how === 'footer' ? damaged.length - 8 - damaged.readUInt32LE(damaged.length - 8) : 4;
  damaged.fill(0x55, start, start + 64);
  return damaged;
}

/** Damages a month file of a local archive in place (see damagedParquet). */
export async function damageMonthFile(root: string, table: string, month: string, how: 'garbage' | 'footer' | 'pages') {
  const folder = join(root, 'curated', table, `month=${month}`);
  const { file } = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as { file: string };
  await writeFile(join(folder, file), damagedParquet(await readFile(join(folder, file)), how));
  return `curated/${table}/month=${month}/${file}`;
}
