/**
 * The toolbar badge (DESIGN "Health before failure"): amber with the days left from 30 days before
 * a connection expires, red when one has expired or publishing is failing, nothing when all is well.
 */
import type { ConnectionView } from './api-types.js';

export type BadgeLevel = 'ok' | 'warning' | 'problem' | 'signed_out';

export interface BadgeState {
  level: BadgeLevel;
  text: string;
  /** Hex colour for the badge background. */
  color: string;
  /** The toolbar tooltip: what is wrong, in words. */
  title: string;
}

export const badgeColors = { warning: '#b35c00', problem: '#c62828' } as const;

export function badgeFor(input: { connections: readonly ConnectionView[]; failingItems?: number }): BadgeState {
  const live = input.connections.filter((c) => c.status === 'active' || c.status === 'expired');
  const expired = live.filter((c) => c.health === 'expired');
  if (expired.length > 0) {
    const names = expired.map((c) => c.providerName).join(', ');
    return { level: 'problem', text: '!', color: badgeColors.problem, title: `Bookbridge: ${names} expired — reconnect to keep publishing.` };
  }
  const failing = input.failingItems ?? 0;
  if (failing > 0) {
    return {
      level: 'problem',
      text: failing > 99 ? '99+' : String(failing),
      color: badgeColors.problem,
      title: `Bookbridge: ${failing} item${failing === 1 ? '' : 's'} failed to publish.`,
    };
  }
  const expiring = live
    .filter((c) => c.health === 'expiring' && c.daysLeft !== null)
    .sort((a, b) => (a.daysLeft ?? 0) - (b.daysLeft ?? 0))[0];
  if (expiring) {
    const days = expiring.daysLeft ?? 0;
    return {
      level: 'warning',
      text: `${days}d`,
      color: badgeColors.warning,
      title: `Bookbridge: ${expiring.providerName} expires in ${days} day${days === 1 ? '' : 's'} — reconnect before then.`,
    };
  }
  return { level: 'ok', text: '', color: '#2e7d32', title: 'Bookbridge' };
}

export const signedOutBadge: BadgeState = { level: 'signed_out', text: '', color: '#5a6375', title: 'Bookbridge: not signed in' };
