/**
 * QuickBooks' error bodies (quickbooks-online.md §4): `Fault` with `Error[]` of
 * {Message, Detail, code, element} and a `type`; and the gateway's lower-case body for 401/403.
 */
import type { Context } from 'hono';
import { qboTime } from './seed.js';

export interface FaultError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export type FaultType = 'ValidationFault' | 'SystemFault' | 'AuthenticationFault' | 'AuthorizationFault' | 'SERVICE';

export class QboFault extends Error {
  constructor(
    readonly status: number,
    readonly type: FaultType,
    readonly errors: FaultError[],
  ) {
    super(errors[0]?.Message ?? type);
  }
}

export function faultBody(type: FaultType, errors: FaultError[], now: number) {
  return { Fault: { Error: errors.map((e) => ({ Message: e.Message, Detail: e.Detail, code: e.code, element: e.element ?? '' })), type }, time: qboTime(now) };
}

export const validation = (code: string, Message: string, Detail: string, element?: string) => new QboFault(400, 'ValidationFault', [{ code, Message, Detail, element }]);

/** 610; `element` names the field holding the inactive reference, where there is one. */
export const objectNotFound = (element?: string) =>
  validation('610', 'Object Not Found', "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.", element);

/** "Invalid Reference Id : Accounts element id 999 not found" (code 2500). */
export const invalidReference = (element: string, id: string, field: string) =>
  validation('2500', 'Invalid Reference Id', `Invalid Reference Id : ${element} element id ${id} not found`, field);

export const requiredMissing = (path: string) =>
  validation('2020', 'Required param missing, need to supply the required value for the API', `Required parameter ${path} is missing in the request`, path);

export const unsupportedProperty = (name: string) =>
  validation('2010', 'Request has invalid or unsupported property', `Property Name:Unrecognized field "${name}" specified is unsupported or invalid`, name);

export const businessValidation = (detail: string, element?: string) =>
  validation('6000', 'A business validation error has occurred while processing your request', `Business Validation Error: ${detail}`, element);

/** Gateway-style 401 (note lower-case keys and nulls; quickbooks-online.md §4). */
export function gatewayBody(status: 401 | 403 | 429, message: string, detail: string, code: string, type: string, now: number) {
  return {
    warnings: null,
    intuitObject: null,
    fault: { error: [{ message, detail, code, element: null }], type },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: now,
    status: null,
    cdcresponse: [],
  };
}

export function sendFault(c: Context, fault: QboFault, now: number) {
  return c.json(faultBody(fault.type, fault.errors, now), fault.status as 400);
}
