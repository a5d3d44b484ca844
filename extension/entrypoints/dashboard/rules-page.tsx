/**
 * Supplier and customer rules: for everything from one contact, the category, tax rate, project,
 * payment account, destination, paid status and auto-publish. Rules that point at an entry that
 * was archived or vanished in a refresh are flagged.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ListKind } from '../../../shared/catalogue.js';
import type { Problem } from '../../lib/api-client.js';
import type { ConnectionView, ListEntryView, Rule, RuleInput } from '../../lib/api-types.js';
import { liveConnections } from '../../lib/connection-status.js';
import { sendMessage } from '../../lib/messaging.js';
import { Dialog } from '../../lib/ui/dialog.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import { adminOnlyReason, type BusinessData } from './business-data.js';

type RefField = 'contact' | 'category' | 'taxRate' | 'project' | 'paymentAccount';
const refFields: { field: RefField; label: string; kind: ListKind }[] = [
  { field: 'contact', label: 'Supplier or customer', kind: 'contacts' },
  { field: 'category', label: 'Category', kind: 'categories' },
  { field: 'taxRate', label: 'Tax rate', kind: 'tax_rates' },
  { field: 'project', label: 'Project', kind: 'projects' },
  { field: 'paymentAccount', label: 'Payment account', kind: 'bank_accounts' },
];

const refText = (ref: Rule['category']) => (ref ? (ref.name ?? ref.code ?? ref.externalId) : '');

export function RulesPage({ data }: { data: BusinessData }) {
  const businessId = data.membership.business.id;
  const ledger = liveConnections(data.connections ?? []).find((c) => c.role === 'ledger');
  const [rules, setRules] = useState<Rule[]>();
  const [problem, setProblem] = useState<Problem>();
  const [editing, setEditing] = useState<{ rule?: Rule }>();
  const [notice, setNotice] = useState<string>();
  const admin = adminOnlyReason(data.membership);

  async function load() {
    const result = await sendMessage('listRules', { businessId });
    if (!result.ok) return setProblem(result.problem);
    setRules(result.value.rules);
  }
  useEffect(() => void load(), [businessId]);

  async function remove(rule: Rule) {
    if (!confirm(`Delete the rule for ${refText(rule.contact)}? Its items fall back to the default settings.`)) return;
    const result = await sendMessage('deleteRule', { businessId, ruleId: rule.id });
    if (!result.ok) return setProblem(result.problem);
    setNotice(`The rule for ${refText(rule.contact)} is deleted.`);
    void load();
  }

  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        Business settings › Rules
      </nav>
      <h1>Supplier and customer rules</h1>
      <p class="muted">
        A rule sets the category, tax rate, project and more for every item from one supplier or customer. Rules come before the default
        settings; your edits to an item come before rules.
      </p>
      {admin && <p class="notice">{admin}</p>}
      {!ledger && data.connections && <p class="notice">Connect your accounting software first: rules use its lists.</p>}
      <ProblemNotice problem={problem} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {ledger && (
        <div class="row">
          <button type="button" disabled={Boolean(admin)} onClick={() => setEditing({})}>
            Add a rule
          </button>
        </div>
      )}
      {rules && rules.length === 0 && <p class="muted">No rules yet.</p>}
      {rules && rules.length > 0 && (
        <table class="table" aria-label="Rules">
          <thead>
            <tr>
              <th scope="col">Supplier or customer</th>
              <th scope="col">Category</th>
              <th scope="col">Tax rate</th>
              <th scope="col">Project</th>
              <th scope="col">Paid from</th>
              <th scope="col">Auto-publish</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <tr key={rule.id} aria-label={`Rule for ${refText(rule.contact)}`}>
                <td>
                  {refText(rule.contact)}
                  {rule.flagged.length > 0 && (
                    <ul class="flags" aria-label="Needs attention">
                      {rule.flagged.map((f) => (
                        <li key={f.field} class="status status-expired">
                          {f.message}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>{refText(rule.category)}</td>
                <td>{refText(rule.taxRate)}</td>
                <td>{refText(rule.project)}</td>
                <td>{refText(rule.paymentAccount)}</td>
                <td>{rule.autoPublish ? 'Yes' : 'No'}</td>
                <td class="row">
                  <button type="button" class="link" disabled={Boolean(admin)} onClick={() => setEditing({ rule })}>
                    Edit
                  </button>
                  <button type="button" class="link" disabled={Boolean(admin)} onClick={() => void remove(rule)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && ledger && (
        <RuleDialog
          data={data}
          ledger={ledger}
          rule={editing.rule}
          onClose={() => setEditing(undefined)}
          onSaved={(saved) => {
            setEditing(undefined);
            setNotice(`The rule for ${refText(saved.contact)} is saved and applied to its items not yet published.`);
            void load();
          }}
        />
      )}
    </>
  );
}

function RuleDialog({
  data,
  ledger,
  rule,
  onClose,
  onSaved,
}: {
  data: BusinessData;
  ledger: ConnectionView;
  rule: Rule | undefined;
  onClose(): void;
  onSaved(rule: Rule): void;
}) {
  const businessId = data.membership.business.id;
  const provider = data.providers?.find((p) => p.id === ledger.provider);
  const destinations = [...new Map(Object.values(provider?.destinations ?? {}).flat().map((d) => [d.id, d])).values()];
  const [values, setValues] = useState<Record<RefField, string>>({
    contact: refText(rule?.contact ?? null),
    category: refText(rule?.category ?? null),
    taxRate: refText(rule?.taxRate ?? null),
    project: refText(rule?.project ?? null),
    paymentAccount: refText(rule?.paymentAccount ?? null),
  });
  const [paid, setPaid] = useState<'' | 'yes' | 'no'>(rule?.paid === true ? 'yes' : rule?.paid === false ? 'no' : '');
  const [destination, setDestination] = useState(rule?.destination ?? '');
  const [autoPublish, setAutoPublish] = useState(rule?.autoPublish ?? false);
  const [options, setOptions] = useState<Partial<Record<ListKind, ListEntryView[]>>>({});
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    for (const { kind } of refFields) {
      void sendMessage('listEntries', { businessId, connectionId: ledger.id, kind, status: 'active', limit: 500 }).then((r) => {
        if (r.ok) setOptions((o) => ({ ...o, [kind]: r.value.entries }));
      });
    }
  }, [ledger.id]);

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    const input: RuleInput = {
      contact: values.contact.trim(),
      category: values.category.trim() || null,
      taxRate: values.taxRate.trim() || null,
      project: values.project.trim() || null,
      paymentAccount: values.paymentAccount.trim() || null,
      paid: paid === '' ? null : paid === 'yes',
      destination: destination || null,
      autoPublish,
    };
    const result = await sendMessage('saveRule', { businessId, rule: input, ...(rule ? { ruleId: rule.id } : {}) });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    onSaved(result.value);
  }

  return (
    <Dialog title={rule ? `Rule for ${refText(rule.contact)}` : 'Add a rule'} onClose={onClose} wide>
      <form class="stack" onSubmit={save}>
        <ProblemNotice problem={problem} />
        <p class="muted small">Type a name or code from {ledger.providerName}'s lists; leave a field empty to use the default settings.</p>
        {refFields.map(({ field, label, kind }) => (
          <div class="stack" key={field}>
            <label for={`rule-${field}`}>{label}</label>
            <input
              id={`rule-${field}`}
              list={`rule-${field}-options`}
              value={values[field]}
              required={field === 'contact'}
              disabled={field === 'contact' && Boolean(rule)}
              onInput={(e) => {
                const value = e.currentTarget.value;
                setValues((v) => ({ ...v, [field]: value }));
              }}
            />
            <datalist id={`rule-${field}-options`}>
              {(options[kind] ?? []).map((o) => (
                <option key={o.externalId} value={o.name}>
                  {o.code ?? ''}
                </option>
              ))}
            </datalist>
          </div>
        ))}
        <div class="row">
          <label for="rule-paid">Paid</label>
          <select id="rule-paid" value={paid} onChange={(e) => setPaid(e.currentTarget.value as typeof paid)}>
            <option value="">As on the item</option>
            <option value="yes">Paid</option>
            <option value="no">Not paid</option>
          </select>
          <label for="rule-destination">Publish as</label>
          <select id="rule-destination" value={destination} onChange={(e) => setDestination(e.currentTarget.value)}>
            <option value="">The default</option>
            {destinations.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
        </div>
        <label class="check">
          <input type="checkbox" checked={autoPublish} onChange={(e) => setAutoPublish(e.currentTarget.checked)} /> Publish this contact's items
          automatically once they pass the check
        </label>
        <div class="row">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save rule'}
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
