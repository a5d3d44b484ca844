/**
 * The List Merge Tool (seeds 002/003): after Change connection, match the old connection's list
 * entries to the new one's so rules keep working. Suggested by code, name and tax rate; the user
 * corrects any, runs a dry run, applies, and can undo.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { listKindLabels, type ListKind } from '../../../shared/catalogue.js';
import type { Problem } from '../../lib/api-client.js';
import type { ListEntryView, MergeProposal, MergeResult, MergeSuggestion } from '../../lib/api-types.js';
import { sendMessage } from '../../lib/messaging.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import { adminOnlyReason, type BusinessData } from './business-data.js';

const matchedByLabel = { code: 'same code', name: 'same name', tax_rate: 'same tax rate' } as const;
const keyOf = (s: { kind: ListKind; from: { externalId: string } }) => `${s.kind}:${s.from.externalId}`;

export function MergePage({ data, connectionId, navigate }: { data: BusinessData; connectionId: string; navigate(hash: string): void }) {
  const businessId = data.membership.business.id;
  const connection = data.connections?.find((c) => c.id === connectionId);
  const [proposal, setProposal] = useState<MergeProposal>();
  const [targets, setTargets] = useState<Record<string, string | null>>({});
  const [problem, setProblem] = useState<Problem | string>();
  const [dryRun, setDryRun] = useState<{ result: MergeResult; signature: string }>();
  const [applied, setApplied] = useState<MergeResult>();
  const [undone, setUndone] = useState<number>();
  const [busy, setBusy] = useState(false);
  const admin = adminOnlyReason(data.membership);

  useEffect(() => {
    if (admin) return;
    void sendMessage('mergeProposal', { businessId, connectionId }).then((result) => {
      if (!result.ok) return setProblem(result.problem);
      setProposal(result.value);
      setTargets(Object.fromEntries(result.value.suggestions.map((s) => [keyOf(s), s.to?.externalId ?? null])));
    });
  }, [businessId, connectionId]);

  const mappings = useMemo(
    () => (proposal?.suggestions ?? []).map((s) => ({ kind: s.kind, from: s.from.externalId, to: targets[keyOf(s)] ?? null })),
    [proposal, targets],
  );
  const signature = JSON.stringify(mappings);

  async function run(dry: boolean) {
    setBusy(true);
    setProblem(undefined);
    const result = await sendMessage('merge', { businessId, connectionId, mappings, dryRun: dry });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    if (dry) setDryRun({ result: result.value, signature });
    else {
      setApplied(result.value);
      setUndone(undefined);
    }
  }

  async function undo() {
    setBusy(true);
    const result = await sendMessage('undoMerge', { businessId, connectionId });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    setUndone(result.value.restored);
    setApplied(undefined);
    setDryRun(undefined);
  }

  const byKind = new Map<ListKind, MergeSuggestion[]>();
  for (const s of proposal?.suggestions ?? []) {
    byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s]);
  }
  const changedTargets = proposal?.suggestions.filter((s) => (s.to?.externalId ?? null) !== (targets[keyOf(s)] ?? null)).length ?? 0;

  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        Business settings ›{' '}
        <a href="#/connections" onClick={(e) => (e.preventDefault(), navigate('#/connections'))}>
          Connections
        </a>{' '}
        › List Merge Tool
      </nav>
      <h1>List Merge Tool</h1>
      {admin && <p class="notice">{admin}</p>}
      <ProblemNotice problem={problem} />
      {proposal && connection && (
        <p>
          Match the lists of your previous connection,{' '}
          <strong>
            {data.providers?.find((p) => p.id === proposal.from.provider)?.name ?? proposal.from.provider} ({proposal.from.organisation})
          </strong>
          , to those of{' '}
          <strong>
            {connection.providerName} ({connection.organisation.name})
          </strong>
          . Bookbridge suggests matches by code, then name, then tax rate. Correct any that are wrong, run a dry run to see what would
          change, then apply. Rules and items that pointed at an old entry then point at the new one. You can undo.
        </p>
      )}
      {proposal && (
        <section class="section stack" aria-label="Proposed mapping">
          <h2>Proposed mapping</h2>
          <p class="muted small">Only the old entries that a rule or an item still uses are listed.</p>
          {byKind.size === 0 && <p class="muted">No rule or item uses the old lists: there is nothing to carry over.</p>}
          {[...byKind].map(([kind, suggestions]) => (
            <KindMapping
              key={kind}
              data={data}
              connectionId={connectionId}
              kind={kind}
              suggestions={suggestions}
              targets={targets}
              onChange={(key, to) => setTargets({ ...targets, [key]: to })}
            />
          ))}
          <div class="row">
            <button type="button" class="secondary" disabled={busy || Boolean(admin)} onClick={() => void run(true)}>
              Dry run
            </button>
            <button
              type="button"
              disabled={busy || Boolean(admin) || dryRun?.signature !== signature}
              title={dryRun?.signature !== signature ? 'Run a dry run of this mapping first' : undefined}
              onClick={() => void run(false)}
            >
              Apply merge
            </button>
            <button type="button" class="link" disabled={busy || Boolean(admin)} onClick={() => void undo()}>
              Undo last merge
            </button>
            {changedTargets > 0 && <span class="small muted">{changedTargets} corrected</span>}
          </div>
          {dryRun && !applied && (
            <div class="notice" role="status" aria-label="Dry run result">
              <p>
                Dry run: applying this mapping would change {dryRun.result.changed.rules} rule{dryRun.result.changed.rules === 1 ? '' : 's'} and{' '}
                {dryRun.result.changed.items} item{dryRun.result.changed.items === 1 ? '' : 's'}. Nothing has changed yet.
              </p>
              {dryRun.signature !== signature && <p class="small">You changed the mapping since: run the dry run again before applying.</p>}
            </div>
          )}
          {applied && (
            <p class="notice" role="status" aria-label="Merge result">
              Merged: {applied.changed.rules} rule{applied.changed.rules === 1 ? '' : 's'} and {applied.changed.items} item
              {applied.changed.items === 1 ? '' : 's'} now use the new lists. Undo puts them back.
            </p>
          )}
          {undone !== undefined && (
            <p class="notice" role="status" aria-label="Undo result">
              Undone: {undone} change{undone === 1 ? '' : 's'} restored.
            </p>
          )}
        </section>
      )}
    </>
  );
}

function KindMapping({
  data,
  connectionId,
  kind,
  suggestions,
  targets,
  onChange,
}: {
  data: BusinessData;
  connectionId: string;
  kind: ListKind;
  suggestions: MergeSuggestion[];
  targets: Record<string, string | null>;
  onChange(key: string, to: string | null): void;
}) {
  const [options, setOptions] = useState<ListEntryView[]>();
  const [editing, setEditing] = useState<string>();

  // The new connection's entries, fetched when the user first corrects a row of this list.
  useEffect(() => {
    if (!editing || options) return;
    void sendMessage('listEntries', { businessId: data.membership.business.id, connectionId, kind, status: 'active', limit: 500 }).then((r) => {
      if (r.ok) setOptions(r.value.entries);
    });
  }, [editing]);

  return (
    <details open>
      <summary>
        {listKindLabels[kind]} ({suggestions.length})
      </summary>
      <table class="table" aria-label={`${listKindLabels[kind]} mapping`}>
        <thead>
          <tr>
            <th scope="col">Old entry</th>
            <th scope="col">New entry</th>
            <th scope="col">Matched by</th>
            <th scope="col">Used by</th>
          </tr>
        </thead>
        <tbody>
          {suggestions.map((s) => {
            const key = keyOf(s);
            const target = targets[key] ?? null;
            const targetName = target === s.to?.externalId ? s.to : options?.find((o) => o.externalId === target);
            return (
              <tr key={key}>
                <td>
                  <span class="mono">{s.from.code ?? ''}</span> {s.from.name}
                </td>
                <td>
                  {editing === key ? (
                    <select
                      aria-label={`New entry for ${s.from.name}`}
                      value={target ?? ''}
                      onChange={(e) => onChange(key, e.currentTarget.value || null)}
                    >
                      <option value="">Leave unmatched</option>
                      {s.to && !options?.some((o) => o.externalId === s.to!.externalId) && <option value={s.to.externalId}>{s.to.name}</option>}
                      {(options ?? []).map((o) => (
                        <option key={o.externalId} value={o.externalId}>
                          {o.code ? `${o.code} ` : ''}
                          {o.name}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span class="row">
                      <span>{target ? `${targetName?.code ? `${targetName.code} ` : ''}${targetName?.name ?? target}` : <em>Unmatched</em>}</span>
                      <button type="button" class="link small" aria-label={`Correct ${s.from.name}`} onClick={() => setEditing(key)}>
                        Correct
                      </button>
                    </span>
                  )}
                </td>
                <td class="small">{target === (s.to?.externalId ?? null) && s.matchedBy ? matchedByLabel[s.matchedBy] : target ? 'your choice' : ''}</td>
                <td class="small">
                  {s.affects.rules} rule{s.affects.rules === 1 ? '' : 's'}, {s.affects.items} item{s.affects.items === 1 ? '' : 's'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
