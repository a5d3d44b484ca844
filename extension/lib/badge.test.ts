import { describe, expect, it } from 'vitest';
import type { ConnectionView } from './api-types.js';
import { badgeColors, badgeFor } from './badge.js';

const connection = (over: Partial<ConnectionView>): ConnectionView => ({
  id: 'c1',
  provider: 'xero',
  providerName: 'Xero',
  role: 'ledger',
  status: 'active',
  health: 'active',
  daysLeft: 200,
  expiresAt: '2027-06-01T00:00:00.000Z',
  expiredReason: null,
  organisation: { id: 'o1', name: 'Demo Company (UK)' },
  authorisedAt: '2026-06-01T00:00:00.000Z',
  lastRefreshAt: null,
  runningJobId: null,
  replacedBy: null,
  ...over,
});

describe('the toolbar badge', () => {
  it('is empty when all is well', () => {
    expect(badgeFor({ connections: [connection({})] }).text).toBe('');
  });

  it('warns with the days left from 30 days before expiry', () => {
    expect(badgeFor({ connections: [connection({ health: 'expiring', daysLeft: 12 })] })).toMatchObject({
      level: 'warning',
      text: '12d',
      color: badgeColors.warning,
      title: 'Bookbridge: Xero expires in 12 days — reconnect before then.',
    });
  });

  it('turns red when a connection expired, before anything else', () => {
    const state = badgeFor({ connections: [connection({ health: 'expired', status: 'expired', daysLeft: 0 })], failingItems: 3 });
    expect(state).toMatchObject({ level: 'problem', text: '!', color: badgeColors.problem });
  });

  it('turns red with the count when publishing fails', () => {
    expect(badgeFor({ connections: [connection({ health: 'expiring', daysLeft: 5 })], failingItems: 3 })).toMatchObject({ text: '3', color: badgeColors.problem });
  });

  it('ignores replaced connections', () => {
    expect(badgeFor({ connections: [connection({ status: 'replaced', health: 'replaced' })] }).level).toBe('ok');
  });
});
