import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConnectionView, Membership, ProviderSummary } from '../../lib/api-types.js';
import { formatDateTime, statusAdvice, statusText } from '../../lib/connection-status.js';
import { ImportProgressBars } from '../../lib/ui/import-progress.js';
import { useJob } from '../../lib/ui/use-job.js';
import { adminOnlyReason } from './business-data.js';

export type ManageAction = 'settings' | 'reconnect' | 'refresh' | 'change' | 'disconnect' | 'merge' | 'lists';

/** A connected accounting system: organisation, status, last refresh, live import and Manage. */
export function ConnectionPanel({
  connection,
  connections,
  provider,
  membership,
  onAction,
  onJobDone,
  headingLevel = 3,
}: {
  connection: ConnectionView;
  connections: readonly ConnectionView[];
  provider: ProviderSummary | undefined;
  membership: Membership;
  onAction(action: ManageAction): void;
  onJobDone(): void;
  headingLevel?: 2 | 3;
}) {
  const { job } = useJob(membership.business.id, connection.runningJobId);
  const finished = job?.status === 'done' || job?.status === 'failed';
  useEffect(() => {
    if (finished) onJobDone();
  }, [finished]);
  const headingId = `connection-${connection.id}`;
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <article class={`connection health-${connection.health}`} aria-labelledby={headingId}>
      <div class="row connection-head">
        <Heading id={headingId}>
          {connection.providerName}: {connection.organisation.name}
        </Heading>
        <ManageMenu connection={connection} connections={connections} membership={membership} onAction={onAction} />
      </div>
      <dl class="facts">
        <dt>Organisation</dt>
        <dd>{connection.organisation.name}</dd>
        <dt>Status</dt>
        <dd>
          <span class={`status status-${connection.health}`} data-testid="connection-status">
            {statusText(connection)}
          </span>{' '}
          <span class="muted small">{statusAdvice(connection)}</span>
        </dd>
        <dt>Last refresh</dt>
        <dd>{formatDateTime(connection.lastRefreshAt)}</dd>
      </dl>
      {connection.health === 'expired' && (
        <p class="notice notice-problem" role="alert">
          Publishing to {connection.providerName} has stopped: the connection has expired. Reconnect to continue; nothing queued is lost.
        </p>
      )}
      {connection.runningJobId && provider && <ImportProgressBars job={job} kinds={provider.lists} label={`Importing lists from ${connection.providerName}`} />}
    </article>
  );
}

interface MenuItem {
  action: ManageAction;
  label: string;
  /** Why it is off, or null. */
  off: string | null;
}

function menuItems(connection: ConnectionView, connections: readonly ConnectionView[], membership: Membership): MenuItem[] {
  const admin = adminOnlyReason(membership);
  const expired = connection.health === 'expired';
  const replacedSomething = connections.some((c) => c.status === 'replaced' && c.replacedBy === connection.id);
  return [
    { action: 'settings', label: 'Settings', off: admin },
    { action: 'reconnect', label: 'Reconnect', off: admin },
    {
      action: 'refresh',
      label: 'Refresh integration data',
      off: admin ?? (expired ? 'Reconnect first: the connection has expired.' : connection.runningJobId ? 'A refresh is already running.' : null),
    },
    { action: 'change', label: 'Change connection', off: admin },
    { action: 'disconnect', label: 'Disconnect', off: admin },
    {
      action: 'merge',
      label: 'Merge lists',
      off: admin ?? (replacedSomething ? null : 'Available after Change connection: there is no earlier connection to merge from.'),
    },
    { action: 'lists', label: 'View imported lists', off: null },
  ];
}

/** The Manage drop-down (seed 001 "Manage an existing connection"): a menu button. */
export function ManageMenu({
  connection,
  connections,
  membership,
  onAction,
}: {
  connection: ConnectionView;
  connections: readonly ConnectionView[];
  membership: Membership;
  onAction(action: ManageAction): void;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const items = menuItems(connection, connections, membership);
  const menuId = `manage-${connection.id}`;

  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])')?.focus();
    const close = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      setOpen(false);
      root.current?.querySelector<HTMLElement>('button[aria-haspopup]')?.focus();
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const all = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = all.indexOf(document.activeElement as HTMLElement);
    const next = all[(at + (event.key === 'ArrowDown' ? 1 : all.length - 1)) % all.length];
    next?.focus();
  }

  return (
    <div class="menu-root" ref={root} onKeyDown={onKeyDown}>
      <button
        type="button"
        class="secondary"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={`Manage ${connection.providerName}`}
        onClick={() => setOpen(!open)}
      >
        Manage ▾
      </button>
      {open && (
        <ul class="menu" role="menu" id={menuId} aria-label={`Manage ${connection.providerName}`}>
          {items.map((item) => (
            <li role="none" key={item.action}>
              <button
                type="button"
                role="menuitem"
                aria-disabled={item.off ? 'true' : undefined}
                title={item.off ?? undefined}
                aria-describedby={item.off ? `${menuId}-${item.action}-off` : undefined}
                onClick={() => {
                  if (item.off) return;
                  setOpen(false);
                  onAction(item.action);
                }}
              >
                {item.label}
              </button>
              {item.off && (
                <span class="menu-reason" id={`${menuId}-${item.action}-off`}>
                  {item.off}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
