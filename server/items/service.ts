/**
 * Creating and editing items: arithmetic checked exactly, references resolved against the
 * ledger's lists, who-set-what recorded, then rules, defaults and the check applied.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { ItemsTable } from '../db/schema.js';
import type { Db } from '../db/database.js';
import { ApiError, validationError, type Issue } from '../errors.js';
import { audit } from '../audit.js';
import type { ListKind } from '../../shared/catalogue.js';
import type { FieldSource, Item, ItemPatch } from '../../shared/items.js';
import type { ItemInput as ItemInputSchema } from '../../shared/items.js';
import { checkTotals } from './money.js';
import { compiledOnce } from '../db/compiled.js';
import { kindNoun, loadSnapshot, refView, resolveRef, type ListSnapshot } from './lists.js';
import { contentColumns, editableStates, parseError, toModel, type ItemLine, type ItemModel } from './model.js';
import { autoPublish, evaluate, itemRefs, loadLedger, publishingConnection, stateAfterCheck, type Ledger } from './evaluate.js';
import { approvalProviderName, sourceNotes } from '../approvals/beside.js';

export type ParsedItemInput = z.infer<typeof ItemInputSchema>;

/** Resolves a user's reference (id, code or name) to a list entry id, or says why not. */
async function resolveField(
  db: Db,
  ledger: Ledger | null,
  kind: ListKind,
  ref: string | null | undefined,
  path: string,
  issues: Issue[],
): Promise<string | null | undefined> {
  if (ref === undefined || ref === null) return ref;
  if (!ledger) {
    issues.push({ path, message: `cannot be set before the business connects its accounting software (no lists to choose a ${kindNoun[kind]} from)` });
    return undefined;
  }
  const entry = await resolveRef(db, ledger.connection.id, kind, ref);
  if (!entry) {
    issues.push({ path, message: `"${ref}" is not a ${kindNoun[kind]} in ${ledger.entry.name}: choose one from the ${kindNoun[kind]} list, or refresh lists` });
    return undefined;
  }
  return entry.external_id;
}

function checkChoices(ledger: Ledger | null, type: ItemModel['type'], destination: string | null | undefined, status: string | null | undefined, issues: Issue[]) {
  if (!ledger) return;
  const choices = ledger.entry.destinations[type];
  if (destination) {
    const d = choices.find((x) => x.id === destination);
    if (!d) issues.push({ path: 'destination', message: `must be one of ${choices.map((x) => x.id).join(', ') || '(none: ' + ledger.entry.name + ' cannot take this type)'}` });
    else if (status && !d.statuses.includes(status)) {
      issues.push({ path: 'status', message: d.statuses.length ? `must be one of ${d.statuses.join(', ')}` : `must be empty: a ${d.label} has no status` });
    }
  }
}

/** A new item as stored, and what its view needs without reading it back. */
export interface Created {
  item: ItemModel;
  row: ItemsTable;
  lists: ListSnapshot;
  file: ItemFileView | null;
}

/**
 * Validates a new item, applies rules and defaults, checks it and stores it in one write (or, with
 * `dryRun`, only validates). Throws a 400 naming each field.
 */
export async function createItem(
  deps: AppDeps,
  input: ParsedItemInput,
  by: { businessId: string; userId: string; dryRun?: boolean; ledger?: Ledger | null },
): Promise<Created | null> {
  const issues: Issue[] = [];
  const ledger = by.ledger === undefined ? await loadLedger(deps.db, by.businessId, input.type) : by.ledger;
  const totals = checkTotals({ taxMode: input.taxMode, lines: input.lines, total: input.total, totalTax: input.totalTax });
  issues.push(...totals.issues);
  if (input.paymentDate && input.paid === false) issues.push({ path: 'paymentDate', message: 'is only for paid items' });
  if (input.dueDate && input.dueDate < input.date) issues.push({ path: 'dueDate', message: 'must not be before the date' });
  checkChoices(ledger, input.type, input.destination, input.status, issues);

  const sources: Record<string, FieldSource> = {};
  const lines: ItemLine[] = [];
  for (const [i, line] of input.lines.entries()) {
    const n = totals.lines[i]!;
    const category = await resolveField(deps.db, ledger, 'categories', line.category, `lines.${i}.category`, issues);
    const taxRate = await resolveField(deps.db, ledger, 'tax_rates', line.taxRate, `lines.${i}.taxRate`, issues);
    const project = await resolveField(deps.db, ledger, 'projects', line.project, `lines.${i}.project`, issues);
    if (category) sources[`lines.${i}.category`] = 'submitted';
    if (taxRate) sources[`lines.${i}.taxRate`] = 'submitted';
    if (project) sources[`lines.${i}.project`] = 'submitted';
    lines.push({ description: line.description || null, ...n, category: category ?? null, taxRate: taxRate ?? null, project: project ?? null });
  }
  const paymentAccount = await resolveField(deps.db, ledger, 'bank_accounts', input.paymentAccount, 'paymentAccount', issues);
  if (issues.length > 0) throw validationError(issues);

  // The contact may not be in the lists yet (a new supplier): kept by name, flagged by the check.
  const contact = ledger ? ((await resolveRef(deps.db, ledger.connection.id, 'contacts', input.contact)) ?? null) : undefined;
  for (const [field, given] of [
    ['paymentAccount', paymentAccount],
    ['paid', input.paid],
    ['destination', input.destination],
    ['status', input.status],
    ['description', input.description],
  ] as const) {
    if (given !== undefined && given !== null) sources[field] = 'submitted';
  }
  if (by.dryRun) return null;

  const id = randomUUID();
  const now = deps.clock.now().getTime();
  const submitted: ItemModel = {
    id,
    businessId: by.businessId,
    type: input.type,
    state: 'needs_attention',
    contactName: contact?.name ?? input.contact,
    contactId: contact?.external_id ?? null,
    date: input.date,
    dueDate: input.dueDate ?? null,
    number: input.number ?? null,
    reference: input.reference || null,
    currency: input.currency,
    currencyRate: input.currencyRate ?? null,
    taxMode: input.taxMode,
    lines,
    total: totals.totals.total,
    totalTax: totals.totals.totalTax,
    paid: input.paid ?? false,
    paymentDate: input.paymentDate ?? null,
    paymentAccount: paymentAccount ?? null,
    destination: input.destination ?? null,
    status: input.status ?? null,
    description: input.description || null,
    sources,
    issues: [],
    autoPublish: false,
  };
  const { item: checked, lists } = await evaluate(deps.db, submitted, ledger, { contact });
  const state = stateAfterCheck(submitted.state, checked.issues);
  const row: ItemsTable = {
    id,
    business_id: by.businessId,
    type: input.type,
    state,
    source: input.source,
    ...contentColumns(checked),
    error: null,
    idempotency_key: randomUUID(),
    key_generation: 0,
    stale_retries: 0,
    connection_id: null,
    last_attempt_id: null,
    attempt_count: 0,
    document_id: null,
    document_url: null,
    payment_id: null,
    published_at: null,
    attachment_state: 'none',
    attachment_error: null,
    submitted_by: by.userId,
    created_at: now,
    updated_at: now,
  };
  let file: ItemFileView | null = null;
  if (input.file) {
    const data = Buffer.from(input.file.data, 'base64');
    file = { name: input.file.name, contentType: input.file.contentType, size: data.length };
    await deps.db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values(row).execute();
      await trx.insertInto('item_files').values({ item_id: id, name: file!.name, content_type: file!.contentType, size: file!.size, data }).execute();
    });
  } else {
    await insertItem.run(deps.db, row);
  }
  const item = { ...checked, state: await autoPublish(deps, checked, state, ledger) };
  if (item.state === row.state) return { item, row, lists, file };
  // Queued at once (its supplier auto-publishes): the row changed, read it again.
  const queued = await deps.db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return { item, row: queued, lists, file };
}

const insertItem = compiledOnce((db, row: ItemsTable) => db.insertInto('items').values(row));

/** A manual edit: given fields become `manual`; a null hands the field back to the rule or default. */
export async function patchItem(deps: AppDeps, row: ItemsTable, patch: ItemPatch, by: { userId: string }): Promise<ItemModel> {
  if (!editableStates.includes(row.state)) {
    const why =
      row.state === 'published'
        ? 'it is already published'
        : row.state === 'queued' || row.state === 'publishing'
          ? 'it is being published'
          : `it is ${row.state}`;
    throw new ApiError(409, 'not_editable', `This item cannot be edited now: ${why}.`);
  }
  if (row.last_attempt_id) {
    const attempt = await deps.db.selectFrom('publish_attempts').select('status').where('id', '=', row.last_attempt_id).executeTakeFirst();
    if (attempt && (attempt.status === 'started' || attempt.status === 'unknown')) {
      throw new ApiError(409, 'outcome_unknown', 'This item may already be in your ledger (its last publish had no clear answer): Bookbridge checks that first, so it cannot be edited until then. Re-publish to check now.');
    }
  }
  const issues: Issue[] = [];
  const ledger = await loadLedger(deps.db, row.business_id, row.type);
  const item = toModel(row);
  const sources = { ...item.sources };
  const set = <K extends keyof ItemModel>(field: K, path: string, value: ItemModel[K] | null | undefined, empty: ItemModel[K]) => {
    if (value === undefined) return;
    if (value === null) {
      (item[field] as ItemModel[K]) = empty;
      delete sources[path];
    } else {
      (item[field] as ItemModel[K]) = value;
      sources[path] = 'manual';
    }
  };

  if (patch.contact !== undefined) {
    const found = ledger ? await resolveRef(deps.db, ledger.connection.id, 'contacts', patch.contact) : undefined;
    item.contactName = found?.name ?? patch.contact;
    item.contactId = found?.external_id ?? null;
    sources.contact = 'manual';
  }
  if (patch.date !== undefined) item.date = patch.date;
  if (patch.dueDate !== undefined) item.dueDate = patch.dueDate;
  if (patch.number !== undefined) item.number = patch.number;
  if (patch.reference !== undefined) item.reference = patch.reference || null;
  if (patch.currency !== undefined) item.currency = patch.currency;
  if (patch.currencyRate !== undefined) item.currencyRate = patch.currencyRate;
  if (patch.taxMode !== undefined) item.taxMode = patch.taxMode;
  set('paid', 'paid', patch.paid, false);
  set('paymentDate', 'paymentDate', patch.paymentDate, null);
  set('destination', 'destination', patch.destination, null);
  set('status', 'status', patch.status, null);
  set('description', 'description', patch.description, null);
  if (patch.paymentAccount !== undefined) {
    const id = await resolveField(deps.db, ledger, 'bank_accounts', patch.paymentAccount, 'paymentAccount', issues);
    if (id !== undefined) set('paymentAccount', 'paymentAccount', id, null);
  }

  const lineAmounts = patch.lines ?? item.lines;
  const totals = checkTotals({
    taxMode: item.taxMode,
    lines: lineAmounts.map((l) => ({ amount: l.amount, quantity: l.quantity, unitAmount: l.unitAmount, taxAmount: l.taxAmount ?? null })),
    total: patch.total ?? item.total,
    // Lines or mode changed and no tax given: derive it again rather than keep a stale one.
    totalTax: patch.totalTax !== undefined ? patch.totalTax : patch.lines || patch.taxMode || patch.total ? undefined : item.totalTax,
  });
  issues.push(...totals.issues);
  if (patch.lines) {
    for (const key of Object.keys(sources)) if (key.startsWith('lines.')) delete sources[key];
    const lines: ItemLine[] = [];
    for (const [i, line] of patch.lines.entries()) {
      const refs: Record<'category' | 'taxRate' | 'project', string | null> = { category: null, taxRate: null, project: null };
      for (const [field, kind] of [['category', 'categories'], ['taxRate', 'tax_rates'], ['project', 'projects']] as const) {
        const id = await resolveField(deps.db, ledger, kind, line[field], `lines.${i}.${field}`, issues);
        if (id) {
          refs[field] = id;
          sources[`lines.${i}.${field}`] = 'manual';
        }
      }
      lines.push({ description: line.description || null, ...totals.lines[i]!, ...refs });
    }
    item.lines = lines;
  } else {
    item.lines = item.lines.map((l, i) => ({ ...l, ...totals.lines[i]! }));
  }
  item.total = totals.totals.total;
  item.totalTax = totals.totals.totalTax;
  if (item.dueDate && item.dueDate < item.date) issues.push({ path: 'dueDate', message: 'must not be before the date' });
  checkChoices(ledger, item.type, item.destination, item.status, issues);
  if (issues.length > 0) throw validationError(issues);

  item.sources = sources;
  // Rules, defaults and the check on the edited item, saved with it in one write.
  const { item: checked } = await evaluate(deps.db, item, ledger);
  const state = stateAfterCheck(row.state, checked.issues);
  const now = deps.clock.now().getTime();
  const saved = await deps.db
    .updateTable('items')
    .set({ ...contentColumns(checked), state, updated_at: now })
    .where('id', '=', row.id)
    .where('updated_at', '=', row.updated_at)
    .where('state', '=', row.state)
    .executeTakeFirst();
  if (Number(saved.numUpdatedRows) !== 1) throw new ApiError(409, 'edit_conflict', 'This item changed while you were editing it: reload it and edit again.');
  await audit(deps.db, { businessId: row.business_id, userId: by.userId, action: 'item.edit', detail: { itemId: row.id, fields: Object.keys(patch) }, at: now });
  return { ...checked, state: await autoPublish(deps, checked, state, ledger) };
}

type ItemFileView = NonNullable<Item['file']>;

/**
 * The item as the API shows it. `known` carries what the caller already has in hand (a new item's
 * content, lists, file and submitter), so it is not read back. `known.item` must be the content
 * `row` was written from (`createItem`'s `item`): its lines, sources and issues are not parsed
 * back out of the row's JSON.
 */
export async function itemView(
  db: Db,
  row: ItemsTable,
  known: { item?: ItemModel; lists?: ListSnapshot; file?: ItemFileView | null; submitter?: { id: string; name: string } } = {},
): Promise<Item> {
  const item = known.item && known.item.id === row.id ? known.item : toModel(row);
  let lists = known.lists;
  if (!lists) {
    const connectionId = row.connection_id ?? (await publishingConnection(db, row.business_id, row.type))?.id;
    lists = connectionId ? await loadSnapshot(db, connectionId, itemRefs(item)) : undefined;
  }
  const ref = (kind: ListKind, id: string | null) => refView(lists?.get(kind, id), id);
  const file =
    known.file !== undefined
      ? known.file
      : await db
          .selectFrom('item_files')
          .select(['name', 'content_type as contentType', 'size'])
          .where('item_id', '=', row.id)
          .executeTakeFirst();
  const submitter =
    known.submitter && known.submitter.id === row.submitted_by
      ? known.submitter
      : row.submitted_by
        ? await db.selectFrom('users').select(['id', 'name']).where('id', '=', row.submitted_by).executeTakeFirst()
        : undefined;
  const approval = row.state === 'published' ? await db.selectFrom('item_approvals').selectAll().where('item_id', '=', row.id).executeTakeFirst() : undefined;
  return {
    id: row.id,
    type: row.type,
    state: row.state,
    source: row.source as Item['source'],
    contact: { name: item.contactName, externalId: item.contactId },
    date: item.date,
    dueDate: item.dueDate,
    number: item.number,
    reference: item.reference,
    currency: item.currency,
    currencyRate: item.currencyRate,
    taxMode: item.taxMode,
    lines: item.lines.map((l) => ({
      description: l.description,
      amount: l.amount,
      quantity: l.quantity,
      unitAmount: l.unitAmount,
      taxAmount: l.taxAmount,
      category: ref('categories', l.category),
      taxRate: ref('tax_rates', l.taxRate),
      project: ref('projects', l.project),
    })),
    total: item.total,
    totalTax: item.totalTax,
    paid: item.paid,
    paymentDate: item.paymentDate,
    paymentAccount: ref('bank_accounts', item.paymentAccount),
    destination: item.destination,
    status: item.status,
    description: item.description,
    file: file ? { name: file.name, contentType: file.contentType, size: file.size } : null,
    submittedBy: submitter ? { id: submitter.id, name: submitter.name } : null,
    sources: item.sources,
    sourceNotes: sourceNotes(item.sources),
    issues: item.issues,
    autoPublish: item.autoPublish,
    error: parseError(row.error),
    publish: {
      idempotencyKey: row.idempotency_key,
      connectionId: row.connection_id,
      documentId: row.document_id,
      url: row.document_url,
      paymentId: row.payment_id,
      publishedAt: row.published_at ? new Date(row.published_at).toISOString() : null,
      attachment: row.attachment_state,
      attachmentError: row.attachment_error,
      attempts: row.attempt_count,
    },
    approval: approval
      ? {
          provider: approval.provider,
          providerName: approvalProviderName(approval.provider),
          state: approval.state,
          requestStatus: approval.request_status,
          decidedBy: approval.decided_by,
          decidedAt: approval.decided_at,
          comment: approval.comment,
          checkedAt: new Date(approval.checked_at).toISOString(),
        }
      : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

