/**
 * Every provider failure, classified once in the adapter so the rest of the server decides
 * by kind, never by a provider's status codes.
 */
export type ProviderErrorKind =
  /** The grant is gone (expired, revoked, invalid_grant): the user must reconnect. */
  | 'expired'
  /** Too many calls: retry after `retryAfterMs`. */
  | 'rate_limited'
  /** The provider refused the document's content; `fields` has its words per field. */
  | 'validation'
  /** A referenced account, tax rate, contact... is archived or unknown: refresh that list. */
  | 'stale_reference'
  /** 5xx, timeout, connection reset: safe to retry later. */
  | 'transient'
  /** Wrong credentials at connect time (which part, where the provider says). */
  | 'credentials'
  /** The provider's plan or settings refuse this (e.g. a subscription tier, API disabled). */
  | 'forbidden';

export interface ProviderFieldError {
  field: string;
  message: string;
}

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly retryAfterMs?: number;
  readonly fields: ProviderFieldError[];
  /** The provider's own message, kept for support. */
  readonly providerMessage?: string;
  readonly status?: number;
  /** For stale_reference: which list to refresh. */
  readonly list?: import('../../shared/catalogue.js').ListKind;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    details: {
      retryAfterMs?: number;
      fields?: ProviderFieldError[];
      providerMessage?: string;
      status?: number;
      list?: import('../../shared/catalogue.js').ListKind;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.retryAfterMs = details.retryAfterMs;
    this.fields = details.fields ?? [];
    this.providerMessage = details.providerMessage;
    this.status = details.status;
    this.list = details.list;
  }
}

/** Parses Retry-After (seconds or HTTP date) into ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date = new Date()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
