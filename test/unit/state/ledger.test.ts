import { describe, expect, it } from 'vitest';
import { DamagedRecordError, decideClaim, readDeliveryRecord, readJobRecord } from '../../../lambda/state/ledger.js';

const NOW = new Date('2026-11-23T02:00:00Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

describe('decideClaim', () => {
  it.each([
    ['nothing recorded', undefined, 'claim'],
    ['the last send failed', { status: 'failed', updatedAt: at(-1000) }, 'claim'],
    ['already sent', { status: 'sent', updatedAt: at(-1000) }, 'already-sent'],
    ['being sent, lease running', { status: 'sending', updatedAt: at(-1000), owner: 'a', leaseUntil: at(1) }, 'busy'],
    [
      'being sent, lease over: the sender died',
      { status: 'sending', updatedAt: at(-600_000), owner: 'a', leaseUntil: at(0) },
      'interrupted',
    ],
    ['unconfirmed', { status: 'unconfirmed', updatedAt: at(-1000) }, 'unconfirmed'],
    // States no run writes: once read as "another run is sending" forever; now a person is told.
    ['a status no run writes', { status: 'queued', updatedAt: at(-1000) }, 'unreadable'],
    ['being sent without a lease', { status: 'sending', updatedAt: at(-1000), owner: 'a' }, 'unreadable'],
    ['a lease that is no time', { status: 'sending', updatedAt: at(-1000), leaseUntil: 'soon' }, 'unreadable'],
    ['a lease in epoch digits', { status: 'sending', updatedAt: at(-1000), leaseUntil: '1795398000000' }, 'unreadable'],
    // A lease no run takes (they are 10 minutes): it would hold the channel "busy" for years.
    [
      'a lease until 2099',
      { status: 'sending', updatedAt: at(-1000), leaseUntil: '2099-01-01T00:00:00.000Z' },
      'unreadable',
    ],
    ['a lease 12 minutes ahead', { status: 'sending', updatedAt: at(0), leaseUntil: at(12 * 60_000) }, 'unreadable'],
    // A whole lease just taken, on a clock a little ahead of this one.
    ['a lease 10½ minutes ahead', { status: 'sending', updatedAt: at(0), leaseUntil: at(630_000) }, 'busy'],
  ] as const)('%s → %s', (_what, record, decision) => {
    // Act
    const decided = decideClaim(record as Parameters<typeof decideClaim>[0], NOW);

    // Assess
    expect(decided).toBe(decision);
  });
});

describe('records read at the boundary', () => {
  const damaged = (problem: string) =>
    new DamagedRecordError('ledger table L, item pk "daily#d", sk "app#a"', problem, 'fix');

  it('names each field no run could have written, with the value found', () => {
    // Act
    // As a JSON file holds it: a number no JavaScript number holds exactly.
    const read = () => readJobRecord(JSON.parse('{"status": "done", "updatedAt": 12345678901234567.5}'), damaged);

    // Assess
    expect(read).toThrow(DamagedRecordError);
    expect(read).toThrow(
      /status must be pending, sent, no-data or failed, not "done"; updatedAt must be an ISO 8601 time \(a string\), not 12345678901234568/,
    );
  });

  it('keeps a delivery record whose state only a person can judge, for decideClaim to refuse', () => {
    const record = readDeliveryRecord({ status: 'sending', updatedAt: at(0), leaseUntil: 1795398000000 }, damaged);

    expect(record).toEqual({ status: 'sending', updatedAt: at(0), leaseUntil: '1795398000000' });
    expect(decideClaim(record, NOW)).toBe('unreadable');
  });
});
