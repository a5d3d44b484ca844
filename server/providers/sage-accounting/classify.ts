/**
 * Sage's refusals turned into ProviderErrors. Sage answers errors with an array of
 * `{"$severity","$dataCode","$message","$source"}` (sage-accounting.md §4); `$source` names the
 * field (`contact_id`, `invoice_lines.tax_rate_id`...), which tells a stale reference (refresh
 * that list) from content the bookkeeper must fix.
 */
import type { ListKind } from '../../../shared/catalogue.js';
import { ProviderError, type ProviderFieldError } from '../errors.js';

export interface SageDiagnosis {
  severity: string;
  dataCode: string;
  message: string;
  source: string;
}

/** Reads Sage's error array (also the older `{"$diagnoses": [...]}` wrapper and OAuth bodies). */
export function readDiagnoses(body: unknown): SageDiagnosis[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as Record<string, unknown>).$diagnoses)
      ? ((body as Record<string, unknown>).$diagnoses as unknown[])
      : typeof body === 'object' && body !== null
        ? [body]
        : [];
  return list
    .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
    .map((d) => ({
      severity: String(d.$severity ?? 'error'),
      dataCode: String(d.$dataCode ?? d.error ?? ''),
      message: String(d.$message ?? d.error_description ?? d.message ?? ''),
      source: String(d.$source ?? ''),
    }))
    .filter((d) => d.message !== '' || d.dataCode !== '');
}

export const providerText = (diagnoses: SageDiagnosis[]) =>
  diagnoses.map((d) => [d.dataCode, d.source, d.message].filter(Boolean).join(': ')).join('; ').slice(0, 1000);

export const noSubscription = (diagnoses: SageDiagnosis[]) => diagnoses.some((d) => /subscription/i.test(d.message));

/** 401 with a token that was just renewed, or "No active subscription". */
export function authError(diagnoses: SageDiagnosis[], status: number): ProviderError {
  const details = { status, providerMessage: providerText(diagnoses) };
  if (noSubscription(diagnoses)) {
    return new ProviderError(
      'forbidden',
      'Sage says this business has no active subscription (its trial ended or the subscription was cancelled). Renew it in Sage Accounting, then try again.',
      details,
    );
  }
  return new ProviderError(
    'expired',
    'Sage Accounting no longer accepts this connection (it was revoked, or the signed-in user lost access to the business): reconnect Sage Accounting.',
    details,
  );
}

/** What each document needs, from the swagger's "Endpoint Availability" (UK rows). */
export const documentTiers: Record<string, string> = {
  purchase_invoice: 'Accounting Standard or Plus',
  purchase_credit_note: 'Accounting Plus',
  sales_credit_note: 'Accounting Start or Plus',
};

/** 403: the business's plan or the user's role refuses the call. */
export function forbiddenError(diagnoses: SageDiagnosis[], action: string, tierNeeded?: string, tierName?: string): ProviderError {
  const details = { status: 403, providerMessage: providerText(diagnoses) };
  const text = diagnoses.map((d) => `${d.dataCode} ${d.message}`).join(' ');
  if (/subscription|tier|plan|not available|does not include/i.test(text)) {
    const plan = tierName ? `this business is on ${tierName}, which does not allow it` : "this business's Sage plan does not include it";
    const needs = tierNeeded ? ` (it needs ${tierNeeded})` : '';
    return new ProviderError('forbidden', `Sage Accounting refused to ${action}: ${plan}${needs}. Upgrade the plan in Sage, or choose another destination.`, details);
  }
  return new ProviderError(
    'forbidden',
    `Sage Accounting refused to ${action}: the signed-in Sage user does not have the access rights for it. Ask the business owner for Full or Restricted access in Sage (Settings > Manage users), then try again.`,
    details,
  );
}

const staleRules: Array<{ source: RegExp; list: ListKind; what: string }> = [
  { source: /(^|\.)contact(_id)?$|allocated_artefacts/, list: 'contacts', what: 'supplier or customer' },
  { source: /ledger_account/, list: 'categories', what: 'category (ledger account)' },
  { source: /tax_rate/, list: 'tax_rates', what: 'VAT rate' },
  { source: /bank_account/, list: 'bank_accounts', what: 'bank account' },
  { source: /product_id|service_id/, list: 'products', what: 'product or service' },
  { source: /analysis_type/, list: 'projects', what: 'project (analysis category)' },
];

const gone = /not found|does not exist|no longer available|not included in the chart|inactive|deleted|archived|could not be found/i;

/** Sage field path → the item field the bookkeeper sees. */
export function fieldOf(source: string): string {
  const [head, tail] = source.includes('.') ? [source.slice(0, source.indexOf('.')), source.slice(source.indexOf('.') + 1)] : ['', source];
  const names: Record<string, string> = {
    contact_id: 'contact',
    date: 'date',
    due_date: 'dueDate',
    reference: 'reference',
    vendor_reference: 'number',
    notes: 'notes',
    currency_id: 'currency',
    exchange_rate: 'currencyRate',
    total_amount: head ? 'lineAmount' : 'total',
    net_amount: head ? 'lineAmount' : 'total',
    tax_amount: head ? 'taxAmount' : 'totalTax',
    ledger_account_id: 'category',
    tax_rate_id: 'tax',
    unit_price: 'unitAmount',
    quantity: 'quantity',
    description: 'description',
    details: 'description',
    product_id: 'product',
    service_id: 'product',
    analysis_type_categories: 'project',
    bank_account_id: 'paid.bankAccount',
    date_paid: 'paid.date',
    file: 'attachment',
    file_name: 'attachment',
    mime_type: 'attachment',
  };
  const name = names[tail] ?? tail;
  return head && head !== 'allocated_artefacts' ? `lines.${name}` : head === 'allocated_artefacts' ? 'paid.amount' : name || 'document';
}

const sentence = (d: SageDiagnosis) => {
  const line = /^Line (\d+): /.exec(d.message);
  const message = line ? d.message.slice(line[0].length) : d.message;
  const label = d.source ? d.source.split('.').at(-1)!.replace(/_id$/, '').replace(/_/g, ' ') : '';
  // Sage's messages are often "can't be blank" with the field only in $source.
  const text = label && /^[a-z]/.test(message) ? `${label} ${message}` : message;
  return line ? `line ${line[1]}: ${text}` : text;
};

/** A 4xx on a document or upload: stale list entry, or content the bookkeeper must fix. */
export function documentError(diagnoses: SageDiagnosis[], status: number, what: string): ProviderError {
  const details = { status, providerMessage: providerText(diagnoses) };
  for (const d of diagnoses) {
    const rule = staleRules.find((r) => r.source.test(d.source));
    if (rule && gone.test(d.message)) {
      return new ProviderError('stale_reference', `Sage Accounting no longer has the ${rule.what} this item uses (${sentence(d)}). Refresh the lists and choose another.`, {
        ...details,
        list: rule.list,
        fields: [{ field: fieldOf(d.source), message: d.message }],
      });
    }
  }
  const fields: ProviderFieldError[] = diagnoses.map((d) => ({ field: fieldOf(d.source), message: d.message }));
  const summary = diagnoses.length ? diagnoses.map(sentence).join('; ') : `status ${status}`;
  return new ProviderError('validation', `Sage Accounting refused the ${what}: ${summary}.`, { ...details, fields });
}
