import { describe, expect, it } from 'vitest';
import { authError, documentError, fieldOf, forbiddenError, readDiagnoses } from './classify.js';

const d = (source: string, message: string, dataCode = 'RecordInvalid') => ({ $severity: 'error', $dataCode: dataCode, $message: message, $source: source });

describe('Sage error classification', () => {
  it('reads the error array, the older $diagnoses wrapper and OAuth bodies', () => {
    expect(readDiagnoses([d('contact_id', 'Contact not found')])).toEqual([{ severity: 'error', dataCode: 'RecordInvalid', message: 'Contact not found', source: 'contact_id' }]);
    expect(readDiagnoses({ $diagnoses: [d('', 'Access Denied', 'AuthorizationFailure')] })[0]?.dataCode).toBe('AuthorizationFailure');
    expect(readDiagnoses({ error: 'invalid_grant' })[0]?.dataCode).toBe('invalid_grant');
    expect(readDiagnoses('<html>')).toEqual([]);
  });

  it('maps Sage field paths to the item fields a bookkeeper sees', () => {
    expect(fieldOf('invoice_lines.ledger_account_id')).toBe('lines.category');
    expect(fieldOf('credit_note_lines.tax_amount')).toBe('lines.taxAmount');
    expect(fieldOf('vendor_reference')).toBe('number');
    expect(fieldOf('total_amount')).toBe('total');
    expect(fieldOf('bank_account_id')).toBe('paid.bankAccount');
    expect(fieldOf('')).toBe('document');
  });

  it('tells a stale reference (refresh a list) from content to fix', () => {
    const stale = documentError(readDiagnoses([d('invoice_lines.tax_rate_id', 'Line 2: Tax rate is no longer available')]), 422, 'purchase invoice');
    expect(stale.kind).toBe('stale_reference');
    expect(stale.list).toBe('tax_rates');
    expect(stale.message).toBe('Sage Accounting no longer has the VAT rate this item uses (line 2: Tax rate is no longer available). Refresh the lists and choose another.');
    const content = documentError(readDiagnoses([d('reference', 'is too long (maximum is 25 characters)'), d('invoice_lines.unit_price', "can't be blank")]), 422, 'sales invoice');
    expect(content.kind).toBe('validation');
    expect(content.message).toBe("Sage Accounting refused the sales invoice: reference is too long (maximum is 25 characters); unit price can't be blank.");
    expect(content.fields.map((f) => f.field)).toEqual(['reference', 'lines.unitAmount']);
    expect(content.providerMessage).toContain('RecordInvalid: reference');
  });

  it('keeps a lapsed subscription apart from an expired grant, and plan refusals apart from roles', () => {
    expect(authError(readDiagnoses([d('', 'No active subscription. (MSE)', 'AuthorizationFailure')]), 401).kind).toBe('forbidden');
    expect(authError(readDiagnoses([d('', 'Access denied.', 'AuthorizationFailure')]), 401).kind).toBe('expired');
    const plan = forbiddenError(readDiagnoses([d('', 'Your subscription (Accounting Start) does not include access to purchase invoices.', 'SubscriptionNotSupported')]), 'create this purchase invoice', 'Accounting Standard or Plus');
    expect(plan.message).toBe(
      "Sage Accounting refused to create this purchase invoice: this business's Sage plan does not include it (it needs Accounting Standard or Plus). Upgrade the plan in Sage, or choose another destination.",
    );
    expect(forbiddenError(readDiagnoses([d('', 'You do not have the access rights needed in the Sales area.', 'AuthorizationFailure')]), 'create this sales invoice').message).toMatch(/access rights/);
  });
});
