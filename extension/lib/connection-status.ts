/** A connection's state in the user's words (seed 003: active, expiring, expired, refreshing). */
import type { ConnectionView } from './api-types.js';

export function statusText(connection: Pick<ConnectionView, 'health' | 'daysLeft'>): string {
  switch (connection.health) {
    case 'active':
      return 'Active';
    case 'expiring': {
      const days = connection.daysLeft ?? 0;
      return `Expiring in ${days} day${days === 1 ? '' : 's'}`;
    }
    case 'expired':
      return 'Expired';
    case 'refreshing':
      return 'Refreshing';
    case 'replaced':
      return 'Replaced';
    case 'disconnected':
      return 'Disconnected';
  }
}

/** The one sentence under the status: what it means and what to do. */
export function statusAdvice(connection: ConnectionView): string {
  switch (connection.health) {
    case 'expiring':
      return `Reconnect before ${formatDate(connection.expiresAt)} to keep publishing without a break.`;
    case 'expired':
      return connection.expiredReason ?? 'Reconnect to keep publishing. Nothing queued is lost.';
    case 'refreshing':
      return 'Importing the lists from your accounting software.';
    case 'active':
      return `Renew by ${formatDate(connection.expiresAt)} (connections last a year).`;
    default:
      return '';
  }
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

export function formatDateTime(iso: string | null): string {
  return iso ? dateTimeFormat.format(new Date(iso)) : 'Never';
}

/** Connections that still count (not replaced or disconnected). */
export function liveConnections<T extends Pick<ConnectionView, 'status'>>(connections: readonly T[]): T[] {
  return connections.filter((c) => c.status === 'active' || c.status === 'expired');
}
