/**
 * The start every sandbox's control API (`/_control`, for tests and the demo, never a provider
 * path) shares: a bad body answers 400 with zod's issues, a ControlError answers its own status
 * (404 unless it says otherwise), and `POST /reset` puts the sandbox back to its seed.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

/** A control request that names something the sandbox does not have (404) or cannot do. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly status: ContentfulStatusCode = 404,
  ) {
    super(message);
  }
}

/** Other errors (from a sandbox's own modules) that carry the status to answer with. */
type StatusErrorClass = abstract new (...args: never[]) => Error & { status: ContentfulStatusCode };

export function createControlApp(reset: () => void, statusErrors: StatusErrorClass[] = []): Hono {
  const control = new Hono();
  control.onError((error, c) => {
    if (error instanceof ControlError || statusErrors.some((k) => error instanceof k)) {
      return c.json({ error: error.message }, (error as ControlError).status);
    }
    if (error instanceof z.ZodError) return c.json({ error: 'invalid body', issues: error.issues }, 400);
    throw error;
  });
  control.post('/reset', (c) => {
    reset();
    return c.json({ ok: true });
  });
  return control;
}

/** A control request's JSON body; a missing or broken body reads as `{}` (every field optional). */
export function jsonBody(c: Context): Promise<unknown> {
  return c.req.json().catch(() => ({}));
}
