import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.js';
import type { PublishDocument } from '../types.js';
import { artefactBody, contactEntry, marker, otherPaymentBody, referenceOf, taxRateEntry } from './mapping.js';

const base: PublishDocument = {
  itemId: 'i1',
  idempotencyKey: 'item-1-publish',
  itemType: 'cost',
  destination: 'purchase_invoice',
  contact: { externalId: 'c1', name: 'Pennine Stationery' },
  date: '2026-10-30',
  currency: 'GBP',
  taxMode: 'exclusive',
  lines: [{ description: 'Paper', quantity: '3', unitAmount: '3.333', lineAmount: '10.00', taxAmount: '2.00', category: { externalId: 'la1' }, tax: { externalId: 'GB_STANDARD' } }],
  total: '12.00',
  totalTax: '2.00',
};

describe('Sage mapping', () => {
  it('builds a purchase invoice with line and header amounts, the supplier number and our tag', () => {
    const body = artefactBody('purchase_invoice', { ...base, number: 'INV-1' }).purchase_invoice as Record<string, unknown>;
    expect(body).toMatchObject({ contact_id: 'c1', due_date: '2026-10-30', reference: 'INV-1', vendor_reference: 'INV-1', net_amount: 10, tax_amount: 2, total_amount: 12 });
    expect(body.notes).toBe(`Published by Bookbridge (${marker(base)})`);
    expect(body.invoice_lines).toEqual([
      { description: 'Paper', ledger_account_id: 'la1', quantity: 3, unit_price: 3.333, unit_price_includes_tax: false, net_amount: 10, tax_rate_id: 'GB_STANDARD', tax_amount: 2, total_amount: 12 },
    ]);
  });

  it('works gross lines back to net for tax-inclusive items, and sends services by service_id', () => {
    const body = artefactBody('sales_invoice', {
      ...base,
      destination: 'sales_invoice',
      taxMode: 'inclusive',
      lines: [{ ...base.lines[0]!, quantity: '1', unitAmount: '120.00', lineAmount: '120.00', taxAmount: '20.00', product: { externalId: 'service:s9' } }],
    }).sales_invoice as unknown as { invoice_lines: Record<string, unknown>[]; vendor_reference?: string };
    expect(body.invoice_lines[0]).toMatchObject({ unit_price_includes_tax: true, net_amount: 100, tax_amount: 20, total_amount: 120, service_id: 's9' });
    expect(body.vendor_reference).toBeUndefined();
  });

  it('uses a short stable tag as reference when the item has none, within Sage’s 25 characters', () => {
    expect(referenceOf(base)).toMatch(/^BB-[0-9A-F]{10}$/);
    expect(referenceOf({ ...base, reference: 'A'.repeat(40) })).toHaveLength(25);
    expect(marker(base)).toBe(marker({ ...base, total: '999' }));
  });

  it('refuses an other payment without the bank account it was paid from', () => {
    expect(() => otherPaymentBody('other_payment', base)).toThrow(ProviderError);
    const body = otherPaymentBody('other_payment', { ...base, paid: { date: '2026-10-31', amount: '12.00', bankAccount: { externalId: 'b1' } } }).other_payment;
    expect(body).toMatchObject({ transaction_type_id: 'OTHER_PAYMENT', date: '2026-10-31', bank_account_id: 'b1', total_amount: 12 });
  });

  it('reads contacts and tax rates into list entries', () => {
    expect(contactEntry({ id: 'c', name: 'Both Ways Ltd', reference: 'BOT1', contact_types: [{ id: 'VENDOR' }, { id: 'CUSTOMER' }], currency: { id: 'GBP' } })).toMatchObject({ type: 'both', code: 'BOT1', currency: 'GBP' });
    expect(taxRateEntry({ id: 'GB_REDUCED', name: 'Reduced 5.00%', percentage: 5, is_visible: false })).toMatchObject({ taxRate: '5.00', status: 'archived' });
  });
});
