/** What happened to one report (job, app, period): lets retries and Lambda re-runs skip done work. */
export type RunStatus = 'sent' | 'pending' | 'no-data';

export interface RunRecord {
  readonly status: RunStatus;
  readonly updatedAt: string;
  readonly detail?: string;
}

export type JobKind = 'daily' | 'monthly';

/** The run ledger port: S3 in the deployment, memory elsewhere. */
export interface RunLedger {
  get(job: JobKind, appid: string, period: string): Promise<RunRecord | undefined>;
  set(job: JobKind, appid: string, period: string, record: RunRecord): Promise<void>;
}

export const ledgerKey = (job: JobKind, appid: string, period: string) => `state/${job}/appid=${appid}/${period}.json`;

export class MemoryRunLedger implements RunLedger {
  private readonly records = new Map<string, RunRecord>();

  async get(job: JobKind, appid: string, period: string): Promise<RunRecord | undefined> {
    return this.records.get(ledgerKey(job, appid, period));
  }

  async set(job: JobKind, appid: string, period: string, record: RunRecord): Promise<void> {
    this.records.set(ledgerKey(job, appid, period), record);
  }
}
