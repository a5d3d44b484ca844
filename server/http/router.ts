import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { Logger } from '../logger.js';
import type { Session } from '../auth/sessions.js';
import { validationError, zodIssues } from '../errors.js';
import { ErrorBody } from '../../shared/api.js';

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
  isServerAdmin: boolean;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    clientIp: string;
    user: AuthenticatedUser;
    session: Session;
  };
};

/** Every router validates with zod and answers failures in the one error envelope. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const root = result.target === 'json' ? undefined : result.target;
        throw validationError(zodIssues(result.error, root));
      }
    },
  });
}

/** Response entries for the error statuses a route can answer, for the OpenAPI document. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 502 | 503)[]) {
  const descriptions: Record<number, string> = {
    400: 'A field is not valid: `error.issues` names each one.',
    401: 'No valid session: sign in again.',
    403: 'Signed in, but this role may not do this.',
    404: 'Not found (or not in a business you belong to).',
    409: 'Conflicts with the current state.',
    413: 'The body is too large.',
    422: 'Understood, but cannot be done as asked.',
    429: 'Too many attempts: see Retry-After.',
    502: 'The accounting provider failed.',
    503: 'Not ready.',
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s]!, content: { 'application/json': { schema: ErrorBody } } }]),
  );
}

export const bearerSecurity = [{ bearerAuth: [] }];

/** Route-contract pieces every router uses. */
export const BusinessParams = z.object({ businessId: z.string().uuid('must be a business id') });
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true as const });
export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });

/**
 * A 200 whose JSON is already text (kept by the read cache), typed as the route's JSON answer:
 * the text was made by JSON.stringify of a value of that type.
 */
export function jsonText<T>(c: Context, text: string): TypedResponse<T, 200, 'json'> {
  return c.body(text, 200, { 'content-type': 'application/json' }) as unknown as TypedResponse<T, 200, 'json'>;
}
