import { describe, expect, it } from 'vitest';
import { responseError } from './classify.js';

const problem = (status: number, code: string, detail: string, parameters: unknown[] = []) => ({
  type: `/api/errors/${code}`,
  title: 'Invalid input.',
  status,
  detail,
  instance: '/api/v1/companies/c1/xero/bills',
  error: { code, parameters, title: 'Invalid input.' },
  traceId: '00-abc-def-00',
});

describe('ApprovalMax errors', () => {
  it('invalid input names each parameter with ApprovalMax’s words (error is an object, not a string)', () => {
    const error = responseError(
      400,
      problem(400, 'invalidInput', 'bad', [{ path: 'requestStatus', name: 'requestStatus', value: 'OnApproval', errorMessage: "unrecognized value 'OnApproval' for 'RequestStatus'" }]),
    );
    expect(error.kind).toBe('validation');
    expect(error.fields).toEqual([{ field: 'requestStatus', message: "unrecognized value 'OnApproval' for 'RequestStatus'" }]);
    expect(error.message).not.toContain('[object Object]');
  });

  it('a disabled (non-Premium) organisation is forbidden, not a validation error', () => {
    const error = responseError(400, problem(400, 'companyIsDisabled', 'The 6655cc87-de32-40d1-aee9-5f78abac57fe is disabled.'));
    expect(error.kind).toBe('forbidden');
    expect(error.message).toMatch(/Premium plan or an All Features trial/);
    expect(error.providerMessage).toBe('The 6655cc87-de32-40d1-aee9-5f78abac57fe is disabled.');
  });

  it('401 (bare bearer challenge) and 403 ask for a reconnect', () => {
    const expired = responseError(401, null, 'Bearer error="invalid_token"');
    expect(expired.kind).toBe('expired');
    expect(expired.providerMessage).toBe('Bearer error="invalid_token"');
    const forbidden = responseError(403, problem(403, 'forbidden', 'Access to the company c1 is not granted.'));
    expect(forbidden.kind).toBe('expired');
    expect(forbidden.message).toMatch(/Reconnect and tick it/);
  });

  it('404 and unknown bodies stay readable', () => {
    expect(responseError(404, problem(404, 'notFound', 'The request r1 was not found.')).kind).toBe('validation');
    expect(responseError(418, '<html>teapot</html>').message).toBe('ApprovalMax refused the request (418).');
  });
});
