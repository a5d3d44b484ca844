import { useEffect, useState } from 'preact/hooks';
import { listKindLabels, type ListKind } from '../../../shared/catalogue.js';
import type { Problem } from '../../lib/api-client.js';
import type { ConnectionView, ListEntryView } from '../../lib/api-types.js';
import { sendMessage } from '../../lib/messaging.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import type { BusinessData } from './business-data.js';
import { ConnectionPanel, type ManageAction } from './connection-panel.js';

/** One connection: its status and Manage menu, and its imported lists to browse. */
export function ConnectionPage({
  data,
  connection,
  connectionId,
  navigate,
  initialKind,
}: {
  data: BusinessData;
  connection: ConnectionView | undefined;
  connectionId: string;
  navigate(hash: string): void;
  initialKind: string | null;
}) {
  const provider = data.providers?.find((p) => p.id === connection?.provider);
  const [banner, setBanner] = useState<Problem | string>();
  const [notice, setNotice] = useState<string>();
  const kinds = provider?.lists ?? [];
  const [kind, setKind] = useState<ListKind | undefined>();
  const active = kind ?? (kinds.includes(initialKind as ListKind) ? (initialKind as ListKind) : kinds[0]);

  if (!connection) {
    return (
      <>
        <Breadcrumb navigate={navigate} name="Connection" />
        <ProblemNotice problem={data.problem} />
        <p class="muted" role="status">
          {data.connections ? 'That connection is not here any more.' : 'Loading…'}
        </p>
      </>
    );
  }

  async function act(action: ManageAction) {
    if (!connection) return;
    if (action === 'refresh') {
      const result = await sendMessage('refresh', { businessId: data.membership.business.id, connectionId: connection.id });
      if (!result.ok) return setBanner(result.problem);
      setNotice(`Refreshing the lists from ${connection.providerName}. This should only take a couple of minutes. No data will be lost.`);
      return data.reload();
    }
    if (action === 'lists') return;
    if (action === 'settings') return navigate(`#/connection/${connection.id}/settings`);
    if (action === 'merge') return navigate(`#/connection/${connection.id}/merge`);
    navigate(`#/${action}/${connection.id}`);
  }

  return (
    <>
      <Breadcrumb navigate={navigate} name={connection.providerName} />
      <ProblemNotice problem={banner} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ConnectionPanel
        connection={connection}
        connections={data.connections ?? []}
        provider={provider}
        membership={data.membership}
        onAction={(action) => void act(action)}
        onJobDone={() => void data.reload()}
        headingLevel={2}
      />
      {kinds.length > 0 && active && (
        <section class="section stack" aria-labelledby="lists-heading">
          <h2 id="lists-heading">Imported lists</h2>
          <div class="tabs" role="tablist" aria-label="Lists">
            {kinds.map((k) => (
              <button
                type="button"
                role="tab"
                key={k}
                id={`tab-${k}`}
                aria-selected={k === active}
                aria-controls="list-panel"
                class={k === active ? 'tab active' : 'tab'}
                onClick={() => setKind(k)}
              >
                {listKindLabels[k]}
              </button>
            ))}
          </div>
          <div id="list-panel" role="tabpanel" aria-labelledby={`tab-${active}`}>
            <ListBrowser key={`${active}-${connection.lastRefreshAt}`} data={data} connectionId={connectionId} kind={active} />
          </div>
        </section>
      )}
    </>
  );
}

function Breadcrumb({ navigate, name }: { navigate(hash: string): void; name: string }) {
  return (
    <nav aria-label="Breadcrumb" class="breadcrumb">
      Business settings ›{' '}
      <a href="#/connections" onClick={(e) => (e.preventDefault(), navigate('#/connections'))}>
        Connections
      </a>{' '}
      › {name}
    </nav>
  );
}

/** A searchable list; archived entries stay, marked, with the reason. */
export function ListBrowser({ data, connectionId, kind }: { data: BusinessData; connectionId: string; kind: ListKind }) {
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<'all' | 'active' | 'archived'>('all');
  const [entries, setEntries] = useState<ListEntryView[] | null>(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem>();

  async function load(after?: string) {
    const result = await sendMessage('listEntries', {
      businessId: data.membership.business.id,
      connectionId,
      kind,
      status,
      limit: 100,
      ...(q.trim() ? { q: q.trim() } : {}),
      ...(after ? { after } : {}),
    });
    if (!result.ok) return setProblem(result.problem);
    setProblem(undefined);
    setEntries((previous) => (after && previous ? [...previous, ...result.value.entries] : result.value.entries));
    setTotal(result.value.total);
    setNext(result.value.next);
  }

  useEffect(() => {
    const timer = setTimeout(() => void load(), q ? 250 : 0);
    return () => clearTimeout(timer);
  }, [q, status, kind]);

  const label = listKindLabels[kind];
  return (
    <div class="stack">
      <div class="row">
        <label for="list-search">Search {label.toLowerCase()}</label>
        <input id="list-search" type="search" class="grow" value={q} placeholder="Name or code" onInput={(e) => setQ(e.currentTarget.value)} />
        <label for="list-status">Show</label>
        <select id="list-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as typeof status)}>
          <option value="all">All</option>
          <option value="active">Active</option>
          <option value="archived">Archived</option>
        </select>
      </div>
      <ProblemNotice problem={problem} />
      {entries && (
        <p class="muted small" role="status">
          {total} {total === 1 ? 'entry' : 'entries'}
        </p>
      )}
      {entries && entries.length > 0 && (
        <table class="table" aria-label={label}>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Tax rate</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.externalId} class={e.status === 'archived' ? 'archived' : undefined}>
                <td class="mono">{e.code ?? ''}</td>
                <td>{e.name}</td>
                <td>{e.type ?? ''}</td>
                <td>{e.taxRate ?? ''}</td>
                <td>
                  {e.status === 'archived' ? (
                    <span class="status status-archived" title={e.archivedReason ?? undefined}>
                      Archived{e.archivedReason ? `: ${e.archivedReason}` : ''}
                    </span>
                  ) : (
                    'Active'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="secondary" onClick={() => void load(next)}>
          Show more
        </button>
      )}
    </div>
  );
}
