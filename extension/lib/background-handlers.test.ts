import { fakeBrowser } from './testing/fake-browser-global.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { providerIds } from '../../shared/catalogue.js';
import { listen, type RunningServer } from '../../server/sandbox/serve.js';
import { createTestServer, type TestServer } from '../../test/support/test-server.js';
import { getStatus, listProviders, signIn, signOut, useServer, type BackgroundDeps } from './background-handlers.js';
import { currentBusinessIdItem, keyGuideItem, serverUrlDraftItem, serverUrlItem, sessionItem } from './storage.js';

let companion: TestServer;
let running: RunningServer;
let permitted: Set<string>;
let deps: BackgroundDeps;

beforeEach(async () => {
  fakeBrowser.reset();
  companion = await createTestServer();
  running = await listen(companion.app);
  permitted = new Set([running.url]);
  deps = {
    settings: { serverUrl: serverUrlItem, serverUrlDraft: serverUrlDraftItem, session: sessionItem, currentBusinessId: currentBusinessIdItem, keyGuide: keyGuideItem },
    hasHostPermission: async (serverUrl) => permitted.has(serverUrl),
  };
});
afterEach(async () => {
  await running.close();
  await companion.close();
});

async function signedInAdmin() {
  const admin = await companion.user({ role: 'business_admin', name: 'Olivia Owner' });
  expect((await useServer(deps, { serverUrl: running.url })).ok).toBe(true);
  const status = await signIn(deps, { email: admin.email, password: admin.password });
  return { admin, status };
}

describe('background handlers against a real companion', () => {
  it('remembers the server, signs in, and keeps only the token in local storage', async () => {
    const { admin, status } = await signedInAdmin();
    expect(status).toMatchObject({ ok: true, value: { state: 'signed_in', serverUrl: running.url, me: { user: { email: admin.email } } } });
    const stored = await fakeBrowser.storage.local.get(null);
    expect(stored.serverUrl).toBe(running.url);
    expect(stored.session).toMatchObject({ token: expect.any(String), email: admin.email });
    expect(JSON.stringify(stored)).not.toContain(admin.password);

    const again = await getStatus(deps);
    expect(again).toMatchObject({ ok: true, value: { state: 'signed_in' } });
    const providers = await listProviders(deps);
    expect(providers.ok && providers.value.providers.map((p) => p.id).sort()).toEqual([...providerIds].sort());
  });

  it("shows the server's message for a wrong password and stores nothing", async () => {
    const admin = await companion.user({ role: 'business_admin' });
    await useServer(deps, { serverUrl: running.url });
    const result = await signIn(deps, { email: admin.email, password: 'wrong password here' });
    expect(result).toEqual({
      ok: false,
      problem: { kind: 'api', status: 401, code: 'invalid_credentials', message: 'The email or password is not right.' },
    });
    expect(await sessionItem.getValue()).toBeNull();
  });

  it('drops a token the server no longer knows and says the session ended', async () => {
    const { admin } = await signedInAdmin();
    const other = await companion.signIn(admin.email, admin.password);
    expect((await companion.request('POST', '/api/auth/logout-all', { token: other })).ok).toBe(true);

    const result = await getStatus(deps);
    expect(result).toMatchObject({ ok: false, problem: { kind: 'session_ended', message: 'Your session has ended — sign in again.' } });
    expect(await sessionItem.getValue()).toBeNull();
    expect(await getStatus(deps)).toEqual({ ok: true, value: { state: 'signed_out', serverUrl: running.url } });
  });

  it('keeps the token while the server is down, and says it cannot be reached', async () => {
    await signedInAdmin();
    await running.close();
    const result = await getStatus(deps);
    expect(result).toMatchObject({ ok: false, problem: { kind: 'unreachable', serverUrl: running.url } });
    expect(await sessionItem.getValue()).not.toBeNull();

    // Signing out still signs out here, and says the server was not told.
    expect(await signOut(deps)).toEqual({ ok: true, value: { serverToldToo: false } });
    expect(await sessionItem.getValue()).toBeNull();
  });

  it('signs out on the server too when it can', async () => {
    const { status } = await signedInAdmin();
    expect(status.ok).toBe(true);
    const token = (await sessionItem.getValue())!.token;
    expect(await signOut(deps)).toEqual({ ok: true, value: { serverToldToo: true } });
    expect((await companion.request('GET', '/api/me', { token })).status).toBe(401);
  });

  it('says permission is missing instead of pretending the server is down', async () => {
    permitted.clear();
    const result = await useServer(deps, { serverUrl: running.url });
    expect(result).toMatchObject({ ok: false, problem: { kind: 'permission_missing', serverUrl: running.url } });
    expect(await serverUrlItem.getValue()).toBeNull();
  });

  it('forgets the session and business of another server when the address changes', async () => {
    await signedInAdmin();
    await currentBusinessIdItem.setValue('biz_old');
    const second = await listen(companion.app);
    permitted.add(second.url);
    try {
      expect(await useServer(deps, { serverUrl: second.url })).toEqual({ ok: true, value: { serverUrl: second.url } });
      expect(await sessionItem.getValue()).toBeNull();
      expect(await currentBusinessIdItem.getValue()).toBeNull();
    } finally {
      await second.close();
    }
  });
});
