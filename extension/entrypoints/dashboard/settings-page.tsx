/**
 * Publishing settings (seed 001 "Configure your connection settings"): General (default
 * destination and status per item type), Bank match, Tax, Automatic publishing. The choices come
 * from the server for the connected provider.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ItemType } from '../../../shared/catalogue.js';
import type { Problem } from '../../lib/api-client.js';
import type { PublishingSettingsInput, PublishingSettingsView } from '../../lib/api-types.js';
import { itemTypeLabels } from '../../lib/items.js';
import { sendMessage } from '../../lib/messaging.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import { adminOnlyReason, type BusinessData } from './business-data.js';

const itemTypes = Object.keys(itemTypeLabels) as ItemType[];

export function SettingsPage({ data, navigate }: { data: BusinessData; navigate(hash: string): void }) {
  const businessId = data.membership.business.id;
  const [view, setView] = useState<PublishingSettingsView>();
  const [draft, setDraft] = useState<PublishingSettingsInput>();
  const [problem, setProblem] = useState<Problem>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const admin = adminOnlyReason(data.membership);

  useEffect(() => {
    void sendMessage('getSettings', { businessId }).then((result) => {
      if (!result.ok) return setProblem(result.problem);
      setView(result.value);
      setDraft(result.value.settings);
    });
  }, [businessId]);

  async function save(event: Event) {
    event.preventDefault();
    if (!draft) return;
    setBusy(true);
    setSaved(false);
    setProblem(undefined);
    const result = await sendMessage('saveSettings', { businessId, settings: draft });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    setView(result.value);
    setDraft(result.value.settings);
    setSaved(true);
  }

  const update = (change: (d: PublishingSettingsInput) => PublishingSettingsInput) => {
    setSaved(false);
    setDraft((d) => (d ? change(d) : d));
  };

  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        Business settings ›{' '}
        <a href="#/connections" onClick={(e) => (e.preventDefault(), navigate('#/connections'))}>
          Connections
        </a>{' '}
        › Settings
      </nav>
      <h1>{view ? `${view.providerName} settings` : 'Settings'}</h1>
      {admin && <p class="notice">{admin}</p>}
      <ProblemNotice problem={problem} />
      {view && draft && (
        <form class="stack" onSubmit={save} aria-label="Publishing settings">
          <fieldset class="section stack" disabled={Boolean(admin)}>
            <legend>General</legend>
            <p class="muted small">Where each kind of item goes by default. Supplier and customer rules, and your edits to an item, come first.</p>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Items</th>
                  <th scope="col">Publish as</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {itemTypes.map((type) => {
                  const choices = view.choices.destinations[type];
                  const chosen = choices.find((c) => c.id === draft.destinations[type]);
                  return (
                    <tr key={type}>
                      <th scope="row">{itemTypeLabels[type]}</th>
                      <td>
                        {choices.length === 0 ? (
                          <span class="muted small">{view.providerName} cannot take these</span>
                        ) : (
                          <select
                            aria-label={`${itemTypeLabels[type]}: publish as`}
                            value={draft.destinations[type] ?? ''}
                            onChange={(e) => {
                              const id = e.currentTarget.value;
                              const statuses = choices.find((c) => c.id === id)?.statuses ?? [];
                              update((d) => ({
                                ...d,
                                destinations: { ...d.destinations, [type]: id },
                                statuses: { ...d.statuses, [type]: statuses[0] ?? null },
                              }));
                            }}
                          >
                            {choices.map((c) => (
                              <option key={c.id} value={c.id}>
                                {c.label}
                                {c.paidOnly ? ' (paid items)' : ''}
                              </option>
                            ))}
                          </select>
                        )}
                      </td>
                      <td>
                        {chosen && chosen.statuses.length > 0 ? (
                          <select
                            aria-label={`${itemTypeLabels[type]}: status`}
                            value={draft.statuses[type] ?? ''}
                            onChange={(e) => {
                              const value = e.currentTarget.value;
                              update((d) => ({ ...d, statuses: { ...d.statuses, [type]: value } }));
                            }}
                          >
                            {chosen.statuses.map((s) => (
                              <option key={s} value={s}>
                                {s}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <span class="muted small">—</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </fieldset>

          <fieldset class="section stack" disabled={Boolean(admin)}>
            <legend>Bank match</legend>
            <label class="check">
              <input
                type="checkbox"
                checked={draft.bankMatch}
                disabled={!view.choices.bankMatch.available}
                aria-describedby="bank-match-note"
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  update((d) => ({ ...d, bankMatch: on }));
                }}
              />
              Send paid items to the matched bank account, for easier reconciliation
            </label>
            <p id="bank-match-note" class="muted small">
              {view.choices.bankMatch.reason ?? 'Paid items are published with their payment from the bank account chosen on the item.'}
            </p>
          </fieldset>

          <fieldset class="section stack" disabled={Boolean(admin)}>
            <legend>Tax</legend>
            <p class="muted small">The default tax never overwrites a supplier rule or a manual edit on an item.</p>
            {view.choices.taxHandling.map((h) => (
              <label class="check" key={h.id}>
                <input
                  type="radio"
                  name="tax-handling"
                  value={h.id}
                  checked={draft.tax.handling === h.id}
                  onChange={() => update((d) => ({ ...d, tax: { ...d.tax, handling: h.id } }))}
                />
                {h.label}
              </label>
            ))}
            {draft.tax.handling === 'fixed' && (
              <div class="row">
                {(['costRate', 'salesRate'] as const).map((field) => (
                  <label key={field} class="stack small">
                    {field === 'costRate' ? 'Tax rate for costs' : 'Tax rate for sales'}
                    <select
                      value={draft.tax[field] ?? ''}
                      onChange={(e) => {
                        const value = e.currentTarget.value || null;
                        update((d) => ({ ...d, tax: { ...d.tax, [field]: value } }));
                      }}
                    >
                      <option value="">Choose…</option>
                      {view.choices.taxRates.map((r) => (
                        <option key={r.externalId} value={r.externalId}>
                          {r.name}
                          {r.rate ? ` (${r.rate}%)` : ''}
                        </option>
                      ))}
                    </select>
                  </label>
                ))}
              </div>
            )}
          </fieldset>

          <fieldset class="section stack" disabled={Boolean(admin)}>
            <legend>Automatic publishing</legend>
            <label class="check">
              <input
                type="checkbox"
                checked={draft.autoPublish}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  update((d) => ({ ...d, autoPublish: on }));
                }}
              />
              Publish items automatically when they pass the check and their supplier rule allows it
            </label>
            <p class="muted small">Turn on auto-publish per supplier in Rules once their categories are set.</p>
          </fieldset>

          <div class="row">
            <button type="submit" disabled={busy || Boolean(admin)}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
            {saved && (
              <span role="status" class="small">
                Settings saved. Items not yet published use them from now on.
              </span>
            )}
          </div>
        </form>
      )}
    </>
  );
}
