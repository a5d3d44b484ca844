import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { Problem } from '../api-client.js';
import { sendMessage } from '../messaging.js';
import { checkServerUrl } from '../server-url.js';
import { serverUrlDraftItem } from '../storage.js';
import { ProblemNotice } from './problem-notice.js';

/**
 * First step: the address of the user's Bookbridge server. Host permission for that one origin is
 * asked for here, at the moment the user gives it, never for all sites up front.
 */
export function ServerForm({
  notice,
  initialAddress = '',
  onDone,
}: {
  notice?: Problem | string | undefined;
  initialAddress?: string | undefined;
  onDone(serverUrl: string): void;
}) {
  const [address, setAddress] = useState(initialAddress);
  const [problem, setProblem] = useState<Problem | string | undefined>(notice);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void serverUrlDraftItem.getValue().then((draft) => setAddress((typed) => typed || draft));
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    const check = checkServerUrl(address);
    if (!check.ok) return setProblem(check.message);
    setBusy(true);
    setProblem(undefined);
    // Firefox accepts permissions.request only straight from the user's action, before any other
    // await; so the draft is saved without waiting for it.
    void serverUrlDraftItem.setValue(check.serverUrl);
    let granted = false;
    try {
      granted = await browser.permissions.request({ origins: [check.originPattern] });
    } catch (error) {
      granted = false;
      console.warn('permissions.request failed', error);
    }
    if (!granted) {
      setBusy(false);
      return setProblem(`Bookbridge needs your permission to talk to ${check.serverUrl}. Choose Allow when your browser asks.`);
    }
    const result = await sendMessage('useServer', { serverUrl: check.serverUrl });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    onDone(result.value.serverUrl);
  }

  return (
    <form class="stack" onSubmit={submit} aria-label="Bookbridge server">
      <h2>Connect to your Bookbridge server</h2>
      <label for="server-url">Server address</label>
      <input
        id="server-url"
        name="serverUrl"
        type="text"
        inputMode="url"
        autoComplete="url"
        placeholder="http://127.0.0.1:8787"
        value={address}
        onInput={(e) => setAddress(e.currentTarget.value)}
        required
      />
      <ProblemNotice problem={problem} />
      <button type="submit" disabled={busy}>
        {busy ? 'Checking…' : 'Continue'}
      </button>
    </form>
  );
}
