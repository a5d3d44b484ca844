import { fakeBrowser } from './testing/fake-browser-global.js';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  currentBusinessIdItem,
  forgetServer,
  forgetSession,
  serverUrlDraftItem,
  serverUrlItem,
  sessionItem,
} from './storage.js';

beforeEach(() => {
  fakeBrowser.reset();
});

const session = { token: 'tok_123', expiresAt: '2026-07-01T00:00:00.000Z', email: 'owner@acme.test' };

describe('extension settings', () => {
  it('start empty: no server, no session, no chosen business', async () => {
    expect(await serverUrlItem.getValue()).toBeNull();
    expect(await serverUrlDraftItem.getValue()).toBe('');
    expect(await sessionItem.getValue()).toBeNull();
    expect(await currentBusinessIdItem.getValue()).toBeNull();
  });

  it('keep the server and the session token in local storage, never in sync', async () => {
    await serverUrlItem.setValue('http://127.0.0.1:8787');
    await sessionItem.setValue(session);
    expect(await fakeBrowser.storage.local.get(['serverUrl', 'session'])).toEqual({
      serverUrl: 'http://127.0.0.1:8787',
      session,
    });
    expect(await fakeBrowser.storage.sync.get(null)).toEqual({});
  });

  it('signing out forgets the token but keeps the server and the chosen business', async () => {
    await serverUrlItem.setValue('http://127.0.0.1:8787');
    await sessionItem.setValue(session);
    await currentBusinessIdItem.setValue('biz_2');
    await forgetSession();
    expect(await sessionItem.getValue()).toBeNull();
    expect(await serverUrlItem.getValue()).toBe('http://127.0.0.1:8787');
    expect(await currentBusinessIdItem.getValue()).toBe('biz_2');
  });

  it('a different server forgets everything from the old one', async () => {
    await serverUrlItem.setValue('http://127.0.0.1:8787');
    await sessionItem.setValue(session);
    await currentBusinessIdItem.setValue('biz_2');
    await forgetServer();
    expect(await fakeBrowser.storage.local.get(['serverUrl', 'session', 'currentBusinessId'])).toEqual({});
  });
});
