import { useEffect, useState } from 'preact/hooks';
import type { ConnectionView, ProviderSummary, Purpose } from '../../lib/api-types.js';
import { liveConnections } from '../../lib/connection-status.js';
import { sendMessage } from '../../lib/messaging.js';
import type { KeyGuide } from '../../lib/key-guide.js';
import { keyGuideItem } from '../../lib/storage.js';
import { connectBlockedReason, howItConnects, importedLists } from '../../lib/providers.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import type { Route } from '../../lib/ui/use-hash-route.js';
import { adminOnlyReason, type BusinessData } from './business-data.js';
import { ConnectDialog, type ConnectDone } from './connect-dialog.js';
import { ConnectionPanel, type ManageAction } from './connection-panel.js';
import { DisconnectDialog } from './disconnect-dialog.js';
import { GuideAccess } from './guide-access.js';

type Open =
  | { kind: 'connect'; purpose: Purpose; provider?: ProviderSummary; connection?: ConnectionView; hint?: string; waitingForKey?: boolean }
  | { kind: 'disconnect'; connection: ConnectionView };

export type Banner = {
  tone: 'info' | 'problem';
  text: string;
  action?: { label: string; hash: string };
  /** A refresh under way: the banner tells how it ended. */
  refreshing?: { connectionId: string; jobId: string };
};

export function ConnectionsPage({ data, route, navigate }: { data: BusinessData; route: Route; navigate(hash: string): void }) {
  const { membership, providers, connections } = data;
  const [open, setOpen] = useState<Open>();
  const [banner, setBanner] = useState<Banner>();
  const live = liveConnections(connections ?? []);
  const adminReason = adminOnlyReason(membership);

  // Links from the popup, the provider pages and the connection page: #/connect?provider=xero&hint=…,
  // #/reconnect/<id>, #/change/<id>, #/disconnect/<id>.
  useEffect(() => {
    if (!providers || !connections) return;
    const [page, id] = route.path;
    if (page === 'connect') {
      const provider = providers.find((p) => p.id === route.query.get('provider'));
      const hint = route.query.get('hint') ?? undefined;
      const existing = live.find((c) => c.provider === provider?.id && c.health === 'expired');
      if (existing && provider) setOpen({ kind: 'connect', purpose: 'reconnect', provider, connection: existing, ...(hint ? { hint } : {}) });
      else if (provider) setOpen({ kind: 'connect', purpose: 'connect', provider, ...(hint ? { hint } : {}) });
      navigate('#/connections');
    } else if (page === 'finish-key') {
      // The KashFlow guide's "Return to Bookbridge" opened this tab: the effect below takes it on.
      navigate('#/connections');
    } else if ((page === 'reconnect' || page === 'change' || page === 'disconnect') && id) {
      const connection = live.find((c) => c.id === id);
      const provider = providers.find((p) => p.id === connection?.provider);
      if (connection && provider) {
        if (page === 'disconnect') setOpen({ kind: 'disconnect', connection });
        else if (page === 'change') setOpen({ kind: 'connect', purpose: 'change', connection });
        else setOpen({ kind: 'connect', purpose: 'reconnect', provider, connection });
      }
      navigate('#/connections');
    }
  }, [route, providers, connections]);

  // A key captured on the provider's page while no dialog is open here (the dialog was closed, or
  // this tab came from "Return to Bookbridge"): open the dialog where the guide stands.
  useEffect(() => {
    if (!providers || !connections) return;
    const take = (guide: KeyGuide | null) => {
      if (guide?.stage !== 'verified' || guide.businessId !== membership.business.id) return;
      const provider = providers.find((p) => p.id === guide.provider);
      if (!provider) return;
      const connection = connections.find((c) => c.id === guide.connectionId);
      setOpen((current) => current ?? { kind: 'connect', purpose: guide.purpose, provider, waitingForKey: true, ...(connection ? { connection } : {}) });
    };
    void keyGuideItem.getValue().then(take);
    return keyGuideItem.watch(take);
  }, [providers, connections === null]);

  // The refresh banner follows the refresh to its end, as the job reports it.
  useEffect(() => {
    const watching = banner?.refreshing;
    if (!watching || !connections) return;
    const connection = connections.find((c) => c.id === watching.connectionId);
    if (!connection || connection.runningJobId) return;
    void sendMessage('getJob', { businessId: membership.business.id, jobId: watching.jobId }).then(async (result) => {
      if (!result.ok || result.value.status === 'queued' || result.value.status === 'running') return;
      if (result.value.status === 'failed') {
        setBanner({ tone: 'problem', text: `The refresh stopped: ${result.value.error ?? 'unknown error'} Nothing imported before is lost.` });
        await data.reload(); // the failure may have expired the connection
      } else {
        setBanner({ tone: 'info', text: `The lists from ${connection.providerName} are up to date.` });
      }
    });
  }, [connections, banner]);

  async function act(action: ManageAction, connection: ConnectionView) {
    const provider = providers?.find((p) => p.id === connection.provider);
    switch (action) {
      case 'settings':
        return navigate(`#/connection/${connection.id}/settings`);
      case 'reconnect':
        return setOpen({ kind: 'connect', purpose: 'reconnect', connection, ...(provider ? { provider } : {}) });
      case 'change':
        return setOpen({ kind: 'connect', purpose: 'change', connection });
      case 'disconnect':
        return setOpen({ kind: 'disconnect', connection });
      case 'merge':
        return navigate(`#/connection/${connection.id}/merge`);
      case 'lists':
        return navigate(`#/connection/${connection.id}`);
      case 'refresh': {
        const result = await sendMessage('refresh', { businessId: membership.business.id, connectionId: connection.id });
        if (!result.ok) return setBanner({ tone: 'problem', text: result.problem.message });
        setBanner({
          tone: 'info',
          text: `Refreshing the lists from ${connection.providerName}. This should only take a couple of minutes. No data will be lost.`,
          refreshing: { connectionId: connection.id, jobId: result.value.jobId },
        });
        return data.reload();
      }
    }
  }

  function connected(done: ConnectDone) {
    setOpen(undefined);
    void data.reload();
    // Seed 001: after Finish "you'll land on the connection settings page".
    if (done.purpose === 'connect' && done.connection.role === 'ledger') return navigate(`#/connection/${done.connection.id}/settings`);
    if (done.purpose === 'change') {
      setBanner({
        tone: 'info',
        text: `${done.connection.providerName} (${done.connection.organisation.name}) replaces your previous connection. Your items stay. Use the List Merge Tool to match your old lists to the new ones so your rules keep working.`,
        action: { label: 'Open the List Merge Tool', hash: `#/connection/${done.connection.id}/merge` },
      });
    } else if (done.purpose === 'reconnect') {
      setBanner({ tone: 'info', text: `${done.connection.providerName} is reconnected to ${done.connection.organisation.name}. Your settings and rules are unchanged; items that failed because of the expiry are queued again.` });
    }
  }

  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        Business settings › Connections
      </nav>
      <h1>Connections</h1>
      <section class="section stack" aria-labelledby="accounting-software-heading">
        <h2 id="accounting-software-heading">Accounting software</h2>
        <p class="muted">
          Connect {membership.business.name} to its accounting software to publish receipts, invoices and expense claims
          straight into it.
        </p>
        {adminReason && <p class="notice">{adminReason}</p>}
        <ProblemNotice problem={data.problem} />
        {banner && (
          <div class={banner.tone === 'problem' ? 'notice notice-problem row' : 'notice row'} role={banner.tone === 'problem' ? 'alert' : 'status'}>
            <span>{banner.text}</span>
            {banner.action && (
              <button type="button" class="link" onClick={() => navigate(banner.action!.hash)}>
                {banner.action.label}
              </button>
            )}
            <button type="button" class="link" onClick={() => setBanner(undefined)}>
              Close
            </button>
          </div>
        )}
        {connections === null && !data.problem && (
          <p class="muted" role="status">
            Loading connections…
          </p>
        )}
        {live.map((connection) => (
          <ConnectionPanel
            key={connection.id}
            connection={connection}
            connections={connections ?? []}
            provider={providers?.find((p) => p.id === connection.provider)}
            membership={membership}
            onAction={(action) => void act(action, connection)}
            onJobDone={() => void data.reload()}
          />
        ))}
        {providers === null && !data.problem && (
          <p class="muted" role="status">
            Loading accounting software…
          </p>
        )}
        {providers && (
          <ul class="providers" aria-label="Accounting software you can connect">
            {providers.map((provider) => (
              <ProviderCard
                key={provider.id}
                provider={provider}
                connected={live.find((c) => c.provider === provider.id)}
                blocked={blockedReason(provider, live, membership.role)}
                onConnect={() => setOpen({ kind: 'connect', purpose: 'connect', provider })}
              />
            ))}
          </ul>
        )}
        {providers && <GuideAccess providers={providers} />}
      </section>
      {open?.kind === 'connect' && providers && (
        <ConnectDialog
          data={data}
          providers={providers}
          purpose={open.purpose}
          initialProvider={open.provider}
          connection={open.connection}
          hint={open.hint}
          waitingForKey={open.waitingForKey}
          onClose={() => setOpen(undefined)}
          onDone={connected}
        />
      )}
      {open?.kind === 'disconnect' && (
        <DisconnectDialog
          data={data}
          connection={open.connection}
          onClose={() => setOpen(undefined)}
          onDone={(text) => {
            setOpen(undefined);
            setBanner({ tone: 'info', text });
            void data.reload();
          }}
        />
      )}
    </>
  );
}

/** Connect is off for standard users, unavailable providers, and a second ledger (use Change connection). */
function blockedReason(provider: ProviderSummary, live: ConnectionView[], role: Parameters<typeof connectBlockedReason>[1]): string | null {
  const basic = connectBlockedReason(provider, role);
  if (basic) return basic;
  if (provider.role === 'ledger') {
    const ledger = live.find((c) => c.role === 'ledger');
    if (ledger) return `${ledger.providerName} is connected. To switch, use Manage > Change connection.`;
  } else if (!live.some((c) => c.role === 'ledger')) {
    return `${provider.name} works beside your accounting software: connect Xero or QuickBooks Online first.`;
  }
  return null;
}

function ProviderCard({
  provider,
  connected,
  blocked,
  onConnect,
}: {
  provider: ProviderSummary;
  connected: ConnectionView | undefined;
  blocked: string | null;
  onConnect(): void;
}) {
  const headingId = `provider-${provider.id}`;
  const reasonId = `provider-${provider.id}-blocked`;
  return (
    <li class="provider" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {provider.name}
        {provider.sandbox && ' '}
        {provider.sandbox && (
          <span class="badge" title={`Connects to Bookbridge's built-in ${provider.name} sandbox, not the real service`}>
            (sandbox)
          </span>
        )}
      </h3>
      <p>{howItConnects(provider)}</p>
      <p class="muted small">{importedLists(provider)}</p>
      {provider.bankMatch && <p class="small">Bank match available.</p>}
      {provider.limitations && (
        <p class="limitations">
          <strong>Limitations:</strong> {provider.limitations}
        </p>
      )}
      <div class="actions stack">
        {connected ? (
          <p class="small">
            <strong>Connected</strong> to {connected.organisation.name}: use Manage above.
          </p>
        ) : (
          <>
            <button
              type="button"
              aria-label={`Connect ${provider.name}`}
              disabled={blocked !== null}
              aria-describedby={blocked ? reasonId : undefined}
              onClick={onConnect}
            >
              Connect
            </button>
            {blocked && (
              <p id={reasonId} class="muted small">
                {blocked}
              </p>
            )}
          </>
        )}
      </div>
    </li>
  );
}
