/**
 * The Public API's errors, classified once (approvalmax.md §4). Bodies are ASP.NET problem
 * details whose `error` is an object ({code, parameters[], title}), never a string. 401 comes as
 * a bare bearer challenge. 429 and 5xx are classified by providerFetch already.
 */
import { ProviderError, type ProviderFieldError } from '../errors.js';

type Json = Record<string, unknown>;

interface ProblemDetails {
  title?: string;
  detail?: string;
  code?: string;
  parameters: { name: string; message: string }[];
}

export function readProblem(body: unknown): ProblemDetails {
  const json = (body && typeof body === 'object' ? body : {}) as Json;
  const error = (json.error && typeof json.error === 'object' ? json.error : {}) as Json;
  const parameters = (Array.isArray(error.parameters) ? error.parameters : []).map((p) => {
    const x = (p ?? {}) as Json;
    const name = String(x.name ?? x.path ?? 'request');
    return { name, message: String(x.errorMessage ?? `${name} is not valid`) };
  });
  return {
    title: typeof json.title === 'string' ? json.title : undefined,
    detail: typeof json.detail === 'string' ? json.detail : typeof error.title === 'string' ? error.title : undefined,
    code: typeof error.code === 'string' ? error.code : undefined,
    parameters,
  };
}

/** Classifies a non-2xx answer that providerFetch let through (4xx). */
export function responseError(status: number, body: unknown, wwwAuthenticate?: string | null): ProviderError {
  const problem = readProblem(body);
  const providerMessage = problem.detail ?? problem.title ?? wwwAuthenticate ?? undefined;
  if (status === 401) {
    return new ProviderError('expired', 'ApprovalMax no longer accepts this connection. Reconnect it to carry on.', { status, providerMessage });
  }
  if (status === 403) {
    // The token does not cover this organisation (not ticked at consent) or lacks the read scope.
    return new ProviderError(
      'expired',
      'ApprovalMax has not given Bookbridge access to this organisation. Reconnect and tick it on ApprovalMax’s consent page.',
      { status, providerMessage },
    );
  }
  if (status === 400 && problem.detail && /is disabled\.?$/i.test(problem.detail)) {
    return new ProviderError(
      'forbidden',
      'ApprovalMax shares approvals with other apps only for organisations on its Premium plan or an All Features trial. Upgrade this organisation in ApprovalMax, then try again.',
      { status, providerMessage: problem.detail },
    );
  }
  if (status === 400) {
    const fields: ProviderFieldError[] = problem.parameters.map((p) => ({ field: p.name, message: p.message }));
    const words = fields.length > 0 ? fields.map((f) => f.message).join('; ') : (problem.detail ?? 'invalid input');
    return new ProviderError('validation', `ApprovalMax refused the request: ${words}`, { status, fields, providerMessage: problem.detail ?? words });
  }
  if (status === 404) {
    return new ProviderError('validation', 'ApprovalMax could not find that.', { status, providerMessage });
  }
  return new ProviderError('validation', `ApprovalMax refused the request${providerMessage ? `: ${providerMessage}` : ` (${status})`}.`, { status, providerMessage });
}
