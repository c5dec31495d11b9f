import { mkdir, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAtomically } from '../../shared/atomic-write.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import {
  DamagedRecordError,
  type DeliveryRecord,
  type DeliveryScope,
  type JobRecord,
  LEFT_OUT,
  type Ledger,
  LedgerError,
  type OnDamagedRecord,
  readDeliveryRecord,
  readJobRecord,
  readNoDataPeriods,
  safeSegment,
  sameRecord,
  type UnitJob,
} from '../ledger.js';

/** A lock older than this was left by a process that died holding it (holds last milliseconds). */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

/**
 * The ledger as small JSON files beside the local archive, for `wxa-report run`:
 *
 *   <root>/jobs/<job>/<period>/<app>.json
 *   <root>/deliveries/<job>/<period>/<app>/<channel>.json
 *   <root>/no-data/<appid>/<api>.json                       {"periods":[…]} WeChat had no data for
 *
 * Compare-and-swap holds across processes on one machine: each record has a lock directory
 * (mkdir is atomic), held only for the read-compare-write, never while a message is being sent.
 * A file no run could have written (not JSON, a field of the wrong type) stops only its own unit,
 * named; a day's list leaves it out and says so.
 */
export class FileLedger implements Ledger {
  readonly root: string;

  constructor(
    root: string,
    private readonly logger: Logger = silentLogger,
  ) {
    this.root = resolve(root);
  }

  async getJob(job: UnitJob, period: string, app: string): Promise<JobRecord | undefined> {
    return readJobFile(this.jobPath(job, period, app));
  }

  async putJob(job: UnitJob, period: string, app: string, record: JobRecord): Promise<void> {
    await writeAtomically(this.jobPath(job, period, app), `${JSON.stringify(record)}\n`);
  }

  async listJobs(job: UnitJob, period: string, onDamaged?: OnDamagedRecord): Promise<Map<string, JobRecord>> {
    const folder = join(this.root, 'jobs', safeSegment(job, 'job'), safeSegment(period, 'period'));
    const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const records = new Map<string, JobRecord>();
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const app = name.slice(0, -'.json'.length);
      try {
        const record = await readJobFile(join(folder, name));
        if (record) records.set(app, record);
      } catch (error) {
        if (!(error instanceof DamagedRecordError)) throw error;
        // A warning: the CLI shows it without --verbose (a listing that drops a record says so).
        this.logger.warn(LEFT_OUT, { problem: error.message, fix: error.fix });
        onDamaged?.(app, error);
      }
    }
    return records;
  }

  async getDelivery(scope: DeliveryScope, channel: string): Promise<DeliveryRecord | undefined> {
    return readDeliveryFile(this.deliveryPath(scope, channel), channel);
  }

  async swapDelivery(
    scope: DeliveryScope,
    channel: string,
    expected: DeliveryRecord | undefined,
    next: DeliveryRecord,
  ): Promise<boolean> {
    const path = this.deliveryPath(scope, channel);
    return this.withLock(path, async () => {
      if (!sameRecord(await readDeliveryFile(path, channel), expected)) return false;
      await writeAtomically(path, `${JSON.stringify(next)}\n`);
      return true;
    });
  }

  async noDataPeriods(appid: string, api: string): Promise<ReadonlySet<string>> {
    return readNoDataFile(this.noDataPath(appid, api));
  }

  async rememberNoData(appid: string, api: string, periods: readonly string[]): Promise<void> {
    if (periods.length === 0) return;
    const path = this.noDataPath(appid, api);
    await this.withLock(path, async () => {
      const known = await readNoDataFile(path).catch((error: unknown) => {
        // A damaged file is replaced by what is known now: the worst is asking WeChat once more.
        if (error instanceof DamagedRecordError) return new Set<string>();
        throw error;
      });
      const all = [...new Set([...known, ...periods])].sort();
      await writeAtomically(path, `${JSON.stringify({ periods: all })}\n`);
    });
  }

  private noDataPath(appid: string, api: string): string {
    return join(this.root, 'no-data', safeSegment(appid, 'AppID'), `${safeSegment(api, 'API')}.json`);
  }

  private jobPath(job: UnitJob, period: string, app: string): string {
    return join(
      this.root,
      'jobs',
      safeSegment(job, 'job'),
      safeSegment(period, 'period'),
      `${safeSegment(app, 'app')}.json`,
    );
  }

  private deliveryPath(scope: DeliveryScope, channel: string): string {
    return join(
      this.root,
      'deliveries',
      safeSegment(scope.job, 'job'),
      safeSegment(scope.period, 'period'),
      safeSegment(scope.app, 'app'),
      `${safeSegment(channel, 'channel')}.json`,
    );
  }

  private async withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
    const lock = `${path}.lock`;
    await mkdir(join(lock, '..'), { recursive: true });
    const started = Date.now();
    for (;;) {
      try {
        await mkdir(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > STALE_LOCK_MS) await rmdir(lock).catch(() => undefined);
        else if (Date.now() - started > LOCK_WAIT_MS) throw new LedgerError(`${lock} stays locked: is a run stuck?`);
        else await sleep(5 + Math.random() * 20);
      }
    }
    try {
      return await work();
    } finally {
      await rmdir(lock).catch(() => undefined);
    }
  }
}

async function readJson(path: string, damaged: (problem: string) => DamagedRecordError): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LedgerError(`cannot read the ledger record ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw damaged(`not JSON: ${(error as Error).message}`);
  }
}

async function readJobFile(path: string): Promise<JobRecord | undefined> {
  const damaged = (problem: string) =>
    new DamagedRecordError(
      `the ledger file ${path}`,
      problem,
      'fix the file, or delete it: the unit records it again when it next runs, and what was sent stays sent',
    );
  const value = await readJson(path, damaged);
  return value === undefined ? undefined : readJobRecord(value, damaged);
}

async function readDeliveryFile(path: string, channel: string): Promise<DeliveryRecord | undefined> {
  const damaged = (problem: string) =>
    new DamagedRecordError(
      `the ledger file ${path}`,
      problem,
      `check whether that report went out on ${channel}; then fix the file, or delete it to let the next run send it`,
    );
  const value = await readJson(path, damaged);
  return value === undefined ? undefined : readDeliveryRecord(value, damaged);
}

async function readNoDataFile(path: string): Promise<ReadonlySet<string>> {
  const damaged = (problem: string) =>
    new DamagedRecordError(
      `the ledger file ${path}`,
      problem,
      'delete it: WeChat is asked for those periods once more, and the answers are remembered again',
    );
  const value = await readJson(path, damaged);
  return value === undefined ? new Set() : readNoDataPeriods(value, damaged);
}
