/**
 * Items and where their publishing stands: filter by state, open one to see its lines (and who
 * set each field: submitted, your edit, a rule, or a default), the pre-publish check, the error in
 * a bookkeeper's words, and the published document; Publish or Re-publish from there.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Problem } from '../../lib/api-client.js';
import type { Item, ItemState } from '../../lib/api-types.js';
import { itemStateLabels, itemStates, itemTypeLabels, publishAction } from '../../lib/items.js';
import { sendMessage } from '../../lib/messaging.js';
import { Dialog } from '../../lib/ui/dialog.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import type { Route } from '../../lib/ui/use-hash-route.js';
import type { BusinessData } from './business-data.js';

const sourceLabels: Record<string, string> = {
  submitted: 'as submitted',
  manual: 'your edit',
  rule: 'supplier rule',
  default: 'default setting',
  connection: 'set by a connection',
};
const moving: readonly ItemState[] = ['queued', 'publishing'];

export function ItemsPage({ data, route, navigate }: { data: BusinessData; route: Route; navigate(hash: string): void }) {
  const businessId = data.membership.business.id;
  const filter = (route.query.get('state') as ItemState | null) ?? undefined;
  const [items, setItems] = useState<Item[]>();
  const [counts, setCounts] = useState<Partial<Record<ItemState, number>>>({});
  const [problem, setProblem] = useState<Problem>();
  const [openId, setOpenId] = useState<string>();

  async function load() {
    const result = await sendMessage('listItems', { businessId, limit: 100, ...(filter ? { state: filter } : {}) });
    if (!result.ok) return setProblem(result.problem);
    setProblem(undefined);
    setItems(result.value.items);
    setCounts(result.value.counts);
  }
  useEffect(() => void load(), [businessId, filter]);
  // While something is on its way, follow it.
  useEffect(() => {
    if (!items?.some((i) => moving.includes(i.state))) return;
    const timer = setInterval(() => void load(), 1_500);
    return () => clearInterval(timer);
  }, [items]);

  const total = Object.values(counts).reduce((n, c) => n + (c ?? 0), 0);
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        Items
      </nav>
      <h1>Items</h1>
      <ProblemNotice problem={problem} />
      <div class="tabs" role="tablist" aria-label="Publishing state">
        <a role="tab" class={!filter ? 'tab active' : 'tab'} aria-selected={!filter} href="#/items">
          All ({total})
        </a>
        {itemStates
          .filter((s) => (counts[s] ?? 0) > 0 || s === filter)
          .map((s) => (
            <a key={s} role="tab" class={filter === s ? 'tab active' : 'tab'} aria-selected={filter === s} href={`#/items?state=${s}`}>
              {itemStateLabels[s]} ({counts[s] ?? 0})
            </a>
          ))}
      </div>
      {items && items.length === 0 && <p class="muted">No items here.</p>}
      {items && items.length > 0 && (
        <table class="table" aria-label="Items">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Supplier or customer</th>
              <th scope="col">Type</th>
              <th scope="col">Number</th>
              <th scope="col">Total</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <td>{item.date}</td>
                <td>
                  <button type="button" class="link" onClick={() => setOpenId(item.id)}>
                    {item.contact.name}
                  </button>
                </td>
                <td>{itemTypeLabels[item.type]}</td>
                <td>{item.number ?? ''}</td>
                <td class="mono">
                  {item.total} {item.currency}
                </td>
                <td>
                  <span class={`status state-${item.state}`}>{itemStateLabels[item.state]}</span>
                  {item.error && <span class="small block problem-text">{item.error.message}</span>}
                  {!item.error && item.issues[0] && <span class="small block muted">{item.issues[0].message}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {openId && (
        <ItemDialog
          data={data}
          businessId={businessId}
          itemId={openId}
          onClose={() => setOpenId(undefined)}
          onChanged={() => void load()}
          navigate={navigate}
        />
      )}
    </>
  );
}

function ItemDialog({
  data,
  businessId,
  itemId,
  onClose,
  onChanged,
  navigate,
}: {
  data: BusinessData;
  businessId: string;
  itemId: string;
  onClose(): void;
  onChanged(): void;
  navigate(hash: string): void;
}) {
  const [item, setItem] = useState<Item>();
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);

  async function load() {
    const result = await sendMessage('getItem', { businessId, itemId });
    if (!result.ok) return setProblem(result.problem);
    setItem(result.value);
  }
  useEffect(() => void load(), [itemId]);
  useEffect(() => {
    if (!item || !moving.includes(item.state)) return;
    const timer = setInterval(() => void load(), 1_000);
    return () => clearInterval(timer);
  }, [item?.state]);

  async function publish(again: boolean) {
    setBusy(true);
    setProblem(undefined);
    const result = await sendMessage('publishItem', { businessId, itemId, again });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    setItem(result.value);
    onChanged();
  }

  const action = item ? publishAction(item.state) : null;
  const ledger = data.connections?.find((c) => c.id === item?.publish.connectionId) ?? data.connections?.find((c) => c.role === 'ledger' && c.status === 'active');
  const destinationLabel = (id: string | null) =>
    id && item ? (data.providers?.find((p) => p.id === ledger?.provider)?.destinations[item.type].find((d) => d.id === id)?.label ?? id) : '—';
  const source = (path: string) => {
    const s = item?.sources[path];
    // The server may name a source this page does not know yet: show its own word.
    return s ? <span class="source">{sourceLabels[s] ?? s}</span> : null;
  };
  return (
    <Dialog title={item ? `${itemTypeLabels[item.type]}: ${item.contact.name}` : 'Item'} onClose={onClose} wide>
      <ProblemNotice problem={problem} />
      {item && (
        <div class="stack">
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <span class={`status state-${item.state}`}>{itemStateLabels[item.state]}</span>
            </dd>
            <dt>Date</dt>
            <dd>{item.date}</dd>
            <dt>Number</dt>
            <dd>{item.number ?? '—'}</dd>
            <dt>Total</dt>
            <dd class="mono">
              {item.total} {item.currency} {item.totalTax ? `(tax ${item.totalTax})` : ''}
            </dd>
            <dt>Publish as</dt>
            <dd>
              {destinationLabel(item.destination)} {item.status ? `(${item.status})` : ''} {source('destination')}
            </dd>
            <dt>Paid</dt>
            <dd>
              {item.paid ? `Yes${item.paymentAccount ? `, from ${item.paymentAccount.name ?? item.paymentAccount.code}` : ''}` : 'No'} {source('paid')}
            </dd>
          </dl>
          <table class="table" aria-label="Lines">
            <thead>
              <tr>
                <th scope="col">Description</th>
                <th scope="col">Amount</th>
                <th scope="col">Category</th>
                <th scope="col">Tax rate</th>
                <th scope="col">Project</th>
              </tr>
            </thead>
            <tbody>
              {item.lines.map((line, i) => (
                <tr key={i}>
                  <td>{line.description ?? ''}</td>
                  <td class="mono">{line.amount}</td>
                  <td>
                    {line.category?.name ?? line.category?.code ?? ''} {source(`lines.${i}.category`)}
                  </td>
                  <td>
                    {line.taxRate?.name ?? line.taxRate?.code ?? ''} {source(`lines.${i}.taxRate`)}
                  </td>
                  <td>
                    {line.project?.name ?? ''} {source(`lines.${i}.project`)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {item.issues.length > 0 && (
            <div class="notice notice-problem" role="alert" aria-label="Check before publishing">
              <p>Fix these before publishing:</p>
              <ul>
                {item.issues.map((issue) => (
                  <li key={issue.path + issue.code}>{issue.message}</li>
                ))}
              </ul>
            </div>
          )}
          {item.error && (
            <div class="notice notice-problem" role="alert" aria-label="Publishing error">
              <p>{item.error.message}</p>
              {item.error.providerMessage && <p class="small">The accounting software said: {item.error.providerMessage}</p>}
              {item.state === 'waiting_for_reconnect' && (
                <button type="button" class="link" onClick={() => navigate('#/connections')}>
                  Go to Connections to reconnect
                </button>
              )}
            </div>
          )}
          {item.publish.documentId && (
            <p class="notice" role="status">
              Published{item.publish.publishedAt ? ` on ${new Date(item.publish.publishedAt).toLocaleString('en-GB')}` : ''}.{' '}
              {item.publish.url && (
                <a href={item.publish.url} target="_blank" rel="noreferrer">
                  Open it in the accounting software
                </a>
              )}
              {item.publish.attachment === 'failed' && ` The file was not attached: ${item.publish.attachmentError ?? 'unknown error'}. Re-publish retries the file only.`}
            </p>
          )}
          <div class="row">
            {action && (
              <button type="button" disabled={busy} onClick={() => void publish(action === 'republish')}>
                {busy ? 'Sending…' : action === 'republish' ? 'Re-publish' : 'Publish'}
              </button>
            )}
            {!action && item.publish.attachment === 'failed' && (
              <button type="button" disabled={busy} onClick={() => void publish(true)}>
                Retry the attachment
              </button>
            )}
            <button type="button" class="secondary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
