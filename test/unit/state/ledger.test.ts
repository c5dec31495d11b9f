import { describe, expect, it } from 'vitest';
import { decideClaim } from '../../../lambda/state/ledger.js';

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
  ] as const)('%s → %s', (_what, record, decision) => {
    // Act
    const decided = decideClaim(record, NOW);

    // Assess
    expect(decided).toBe(decision);
  });
});
