import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ControlError, createControlApp, jsonBody } from './control.js';

describe('control API base', () => {
  let resets = 0;
  const control = createControlApp(() => resets++);
  control.post('/thing', async (c) => {
    const body = z.object({ name: z.string() }).parse(await jsonBody(c));
    if (body.name === 'missing') throw new ControlError('No thing missing');
    if (body.name === 'taken') throw new ControlError('Thing taken', 409);
    return c.json({ ok: true });
  });
  const post = (path: string, body?: string) => control.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('resets the sandbox', async () => {
    const res = await post('/reset');
    expect(await res.json()).toEqual({ ok: true });
    expect(resets).toBe(1);
  });

  it('answers a bad body with 400 and the issues, a broken one as empty', async () => {
    const res = await post('/thing', '{not json');
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid body');
  });

  it('answers a ControlError with its status', async () => {
    expect((await post('/thing', JSON.stringify({ name: 'missing' }))).status).toBe(404);
    const taken = await post('/thing', JSON.stringify({ name: 'taken' }));
    expect(taken.status).toBe(409);
    expect(await taken.json()).toEqual({ error: 'Thing taken' });
  });
});
