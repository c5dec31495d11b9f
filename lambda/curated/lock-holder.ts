import { hostname } from 'node:os';

/** Who holds a compaction lock, as recorded in it: `host` and `pid` when it is a process on a machine (the CLI). */
export interface LockHolder {
  readonly owner: string;
  readonly until: string;
  readonly host?: string;
  readonly pid?: number;
}

/**
 * The machine and process a lock records, so that a later run on the same machine can see its
 * holder is gone (stopped with kill -9, a crash) without waiting for the lease.
 */
export function holderProcess(): { host: string; pid: number } {
  return { host: hostname(), pid: process.pid };
}

/** The lock's JSON, read leniently: what it names, and nothing it does not. */
export function lockHolderOf(json: Record<string, unknown>): LockHolder {
  return {
    owner: String(json.owner ?? 'another compaction'),
    until: String(json.until ?? ''),
    ...(typeof json.host === 'string' ? { host: json.host } : {}),
    ...(typeof json.pid === 'number' ? { pid: json.pid } : {}),
  };
}

/** A holder on this machine whose process is gone (stopped with Ctrl-C, say): its lease need not run out. */
export function diedHere(holder: LockHolder): boolean {
  if (holder.host !== hostname() || holder.pid === undefined || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
