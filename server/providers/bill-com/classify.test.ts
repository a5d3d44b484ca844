import { describe, expect, it } from 'vitest';
import { accessError, documentError, humanise, limitError, loginError, readBdcErrors } from './classify.js';

const err = (code: string, message: string, params?: Array<{ name: string; value: string }>) => [{ timestamp: '2026-11-23T10:00:00.000+00:00', code, severity: 'ERROR', category: 'REQUEST', message, ...(params ? { params } : {}) }];
const now = new Date('2026-11-23T10:59:30.000Z');

describe('BILL errors', () => {
  it('reads the v3 array, a v2 envelope, and nothing from other bodies', () => {
    expect(readBdcErrors(err('BDC_1109', 'Session is invalid.  Please log in.'))[0]).toMatchObject({ code: 'BDC_1109' });
    expect(readBdcErrors({ response_status: 1, response_data: { error_code: 'BDC_1144', error_message: 'Max' } })).toEqual([{ code: 'BDC_1144', message: 'Max' }]);
    expect(readBdcErrors('<html>proxy</html>')).toEqual([]);
  });

  it('sign-in refusals name the part to fix, and become "reconnect" once connected', () => {
    expect(loginError(err('BDC_1101', 'User name and/or password do not match our records.'), 401, 'connect', 'server', now)).toMatchObject({ kind: 'credentials', fields: [{ field: 'username' }, { field: 'password' }] });
    expect(loginError(err('BDC_1101', 'x'), 401, 'use', 'server', now).kind).toBe('expired');
    expect(loginError(err('BDC_1102', 'Developer key is invalid.'), 401, 'connect', 'user', now)).toMatchObject({ kind: 'credentials', fields: [{ field: 'devKey' }] });
    expect(loginError(err('BDC_1102', 'Developer key is invalid.'), 401, 'use', 'server', now)).toMatchObject({ kind: 'forbidden' });
    expect(loginError(err('BDC_1103', 'Organization is invalid.'), 401, 'connect', 'server', now)).toMatchObject({ kind: 'credentials', fields: [{ field: 'organizationId' }] });
  });

  it('limits: BDC_1144 waits for the next clock hour, BDC_1322 a moment', () => {
    expect(limitError(err('BDC_1144', 'Max number of allowed requests per hour reached: 20000.'), 400, now)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
    expect(limitError(err('BDC_1322', 'Max number of concurrent requests per organization reached.'), 400, now)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 });
    expect(loginError(err('BDC_1144', 'Max'), 400, 'connect', 'server', now).kind).toBe('rate_limited');
  });

  it('access problems: session, MFA, permission, API not supported', () => {
    expect(accessError(err('BDC_1109', 'Session is invalid.'), 401, now)?.kind).toBe('expired');
    expect(accessError(err('BDC_1205', 'This operation requires an MFA-trusted API session.'), 403, now)?.message).toMatch(/multi-factor/);
    expect(accessError(err('BDC_9999', 'No permission.'), 403, now)?.message).toMatch(/Administrator or Accountant/);
    expect(accessError(err('BDC_1121', 'API not supported.'), 404, now)?.kind).toBe('forbidden');
    expect(accessError(err('BDC_1201', 'dueDate must be a date.'), 400, now)).toBeUndefined();
  });

  it('document refusals: stale list entries by the field BILL names, else validation in plain words', () => {
    expect(documentError(err('BDC_1203', 'Vendor "Old Co" is archived.', [{ name: '[2].vendorId', value: '009x' }]), 400)).toMatchObject({ kind: 'stale_reference', list: 'contacts' });
    expect(documentError(err('BDC_1202', 'Chart of account 0ca9 does not exist.', [{ name: 'billLineItems[0].classifications.chartOfAccountId', value: '0ca9' }]), 400)).toMatchObject({ kind: 'stale_reference', list: 'categories' });
    expect(documentError(err('BDC_1202', 'Job 0jb9 does not exist.', [{ name: 'billLineItems[1].classifications.jobId', value: '0jb9' }]), 400)).toMatchObject({ kind: 'stale_reference', list: 'projects' });
    const invalid = documentError(err('BDC_1201', 'billLineItems[1].amount can have at most two decimal places.', [{ name: 'billLineItems[1].amount', value: '1.001' }]), 400);
    expect(invalid).toMatchObject({ kind: 'validation', fields: [{ field: 'billLineItems[1].amount', message: 'Line 2 amount can have at most two decimal places.' }] });
    expect(invalid.providerMessage).toBe('BDC_1201: billLineItems[1].amount can have at most two decimal places.');
    expect(humanise('[0].vendorCreditLineItems[0].amount must be greater than zero.')).toBe('Line 1 amount must be greater than zero.');
  });
});
