import { useState } from 'preact/hooks';
import type { Problem } from '../api-client.js';
import { sendMessage, type SessionStatus } from '../messaging.js';
import { ProblemNotice } from './problem-notice.js';

/**
 * First run on a new server: there is no default password. The server printed a one-time setup
 * code on its console; with it, the person installing Bookbridge creates the first admin and
 * their business, and is signed in.
 */
export function SetupForm({ serverUrl, onSignedIn, onBack }: { serverUrl: string; onSignedIn(status: SessionStatus): void; onBack(): void }) {
  const [fields, setFields] = useState({ setupCode: '', name: '', email: '', password: '', businessName: '' });
  const [problem, setProblem] = useState<Problem | string | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof fields) => (e: { currentTarget: HTMLInputElement }) => setFields({ ...fields, [key]: e.currentTarget.value });

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    const result = await sendMessage('setUp', { ...fields, setupCode: fields.setupCode.trim(), email: fields.email.trim() });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    onSignedIn(result.value);
  }

  const field = (key: keyof typeof fields, label: string, type: 'text' | 'email' | 'password', autoComplete: string, hint?: string) => (
    <>
      <label for={`setup-${key}`}>{label}</label>
      {hint && <p class="muted small">{hint}</p>}
      {/* preact types `type` per input kind; these three take the same attributes */}
      <input id={`setup-${key}`} type={type as 'text'} autoComplete={autoComplete} value={fields[key]} onInput={set(key)} required />
    </>
  );

  return (
    <form class="stack" onSubmit={submit} aria-label="Set up this server">
      <h2>Set up this server</h2>
      <p class="muted">
        Server: <span class="mono">{serverUrl}</span>
      </p>
      <ProblemNotice problem={problem} />
      {field('setupCode', 'Setup code', 'text', 'off', 'The one-time code the server printed when it first started ("Bookbridge setup code: …").')}
      {field('name', 'Your name', 'text', 'name')}
      {field('email', 'Email', 'email', 'username')}
      {field('password', 'Password (at least 12 characters)', 'password', 'new-password')}
      {field('businessName', 'Business name', 'text', 'organization')}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create the first admin'}
      </button>
      <button type="button" class="link" onClick={onBack}>
        Back to sign in
      </button>
    </form>
  );
}
