import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../serve.js';
import { createSageAccountingSandbox } from './index.js';

// RFC 6749 §2.3.1: client id and secret are form-urlencoded, then joined by ':' and Base64-encoded
// (oauth4webapi's ClientSecretBasic does exactly this). A secret may hold ':', '+' or spaces.
const client = { id: 'sandbox client', secret: 'se:cret+with space' };
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

const sandbox = createSageAccountingSandbox({ client });
let server: RunningServer;
beforeAll(async () => {
  server = await listen(sandbox.app);
});
afterAll(() => server.close());

const revoke = (authorization: string) =>
  fetch(`${server.url}/oauth/revoke`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: 'not-a-token' }),
  });

describe('Sage sandbox client authentication over HTTP Basic', () => {
  it('accepts a secret with a colon, a plus and a space when sent the RFC 6749 way', async () => {
    const response = await revoke(basic(formEncode(client.id), formEncode(client.secret)));
    expect(response.status).toBe(200);
  });

  it('refuses a wrong secret with 401 invalid_client', async () => {
    const response = await revoke(basic(formEncode(client.id), 'wrong'));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_client' });
  });

  it('answers a badly encoded Basic secret with 401, not a server error', async () => {
    const response = await revoke(basic(formEncode(client.id), '100%'));
    expect(response.status).toBe(401);
  });
});
