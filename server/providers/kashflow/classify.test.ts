import { describe, expect, it } from 'vitest';
import { authError, documentError } from './classify.js';

describe('KashFlow refusals at connect time', () => {
  it('name the part to fix, all as credentials errors', () => {
    const ip = authError({ Error: 'IPAddressNotAllowed', Message: 'Access from IP address 1.2.3.4 is not allowed.' }, 401, 'connect');
    const password = authError({ Error: 'InvalidCredentials' }, 401, 'connect');
    const word = authError({ Error: 'InvalidMemorableWord' }, 401, 'connect');
    const off = authError({ Error: 'APIDisabled' }, 403, 'connect');
    const locked = authError({ Error: 'AccountLocked' }, 403, 'connect');
    for (const e of [ip, password, word, off, locked]) expect(e.kind).toBe('credentials');
    expect(new Set([ip, password, word, off, locked].map((e) => e.message)).size).toBe(5);
    expect(password.message).toMatch(/Separate API password/);
  });
});

describe('KashFlow refusals after connecting', () => {
  it('ask for a reconnect when the login no longer works, and say "forbidden" for settings', () => {
    expect(authError({ Error: 'InvalidCredentials' }, 401, 'use').kind).toBe('expired');
    expect(authError({ Error: 'IPAddressNotAllowed' }, 401, 'use').kind).toBe('expired');
    expect(authError({ Error: 'InvalidSessionToken' }, 401, 'use').kind).toBe('expired');
    expect(authError({ Error: 'APIDisabled' }, 403, 'use').kind).toBe('forbidden');
    expect(authError({ Error: 'AccountLocked' }, 403, 'use').kind).toBe('forbidden');
  });
});

describe('KashFlow document refusals', () => {
  it('point at the list to refresh, by code or by wording', () => {
    expect(documentError({ Error: 'ArchivedNominalCode', Message: 'Line 1: Nominal code 5009 (x) is archived.' }, 400)).toMatchObject({ kind: 'stale_reference', list: 'categories' });
    // The real API's codes are not published: the wording alone is enough.
    expect(documentError({ Message: 'Nominal code 7777 does not exist' }, 400)).toMatchObject({ kind: 'stale_reference', list: 'categories' });
    expect(documentError({ Message: 'Supplier with code X does not exist.' }, 400)).toMatchObject({ kind: 'stale_reference', list: 'contacts' });
    expect(documentError({ Error: 'InvalidVATRate', Message: 'Line 1: VAT rate 12.5% is not set up.' }, 400)).toMatchObject({ kind: 'stale_reference', list: 'tax_rates' });
    expect(documentError({ Error: 'ArchivedProject', Message: 'Line 2: Project 8 (Old shop closure) is archived.' }, 400)).toMatchObject({ kind: 'stale_reference', list: 'projects' });
  });

  it('leave the rest as validation with the field', () => {
    const vat = documentError({ Error: 'VATAmountMismatch', Message: 'Line 2: VAT amount 1.00 does not match 20% of 30.00 (expected 6.00).' }, 400);
    expect(vat).toMatchObject({ kind: 'validation', fields: [{ field: 'LineItems[1].VATAmount' }] });
    expect(documentError({ Error: 'DuplicateNumber', Message: 'Invoice number 7 is already in use.' }, 400).fields[0]?.field).toBe('Number');
    expect(documentError({ Message: 'IssuedDate is required (YYYY-MM-DD).' }, 400).fields[0]?.field).toBe('IssuedDate');
  });
});
