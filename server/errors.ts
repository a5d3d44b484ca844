/**
 * One error envelope for every failure: `{ "error": { "code", "message", "issues"? } }`.
 * Expected failures throw ApiError; everything else reaches `onError`, is logged, and becomes a
 * plain 500 without internals.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { Logger } from './logger.js';

export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message });
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found.`);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

/** "lines.0.amount" style paths; the root is "body". */
export function zodIssues(error: ZodError, root?: string): Issue[] {
  return error.issues.map((issue) => {
    const p = issue.path.map(String).join('.');
    const field = root && p ? `${root}.${p}` : p || root || 'body';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `has unknown field(s): ${issue.keys.join(', ')}`;
    // zod's default wording ("Invalid input: expected string, received undefined") reads badly.
    else if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
      message = /received undefined$/.test(message) ? 'is required' : `must be ${article(issue.expected)} ${issue.expected}`;
    }
    return { path: field, message };
  });
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

export function validationError(issues: Issue[]): ApiError {
  const first = issues[0];
  const message =
    issues.length === 1 && first
      ? `${first.path} ${first.message}`
      : `${issues.length} fields are not valid: ${issues.map((i) => i.path).join(', ')}.`;
  return new ApiError(400, 'validation_failed', message, issues);
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, issues?: Issue[]) {
  return c.json({ error: { code, message, ...(issues ? { issues } : {}) } }, status);
}

export function handleError(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) {
      if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return errorResponse(c, err.status as ContentfulStatusCode, err.code, err.message, err.issues);
    }
    if (err instanceof HTTPException) {
      // Hono's own (e.g. body limit, malformed JSON from its validator).
      const status = err.status as ContentfulStatusCode;
      if (status === 400 && /JSON/i.test(err.message)) {
        return errorResponse(c, 400, 'malformed_json', 'The request body is not valid JSON.', [{ path: 'body', message: 'is not valid JSON' }]);
      }
      if (status === 415) {
        // @hono/zod-openapi's media-type gate: name the header, like any other field.
        return errorResponse(c, 415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).', [{ path: 'content-type', message: 'must be application/json' }]);
      }
      const code = status === 413 ? 'payload_too_large' : status === 400 ? 'bad_request' : 'http_error';
      return errorResponse(c, status, code, err.message || 'The request could not be handled.');
    }
    logger.error({ err, requestId: c.get('requestId' as never) }, 'unhandled error');
    return errorResponse(c, 500, 'internal_error', 'Something went wrong on the server. It has been logged.');
  };
}
