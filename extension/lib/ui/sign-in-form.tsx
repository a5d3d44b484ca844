import { useState } from 'preact/hooks';
import type { Problem } from '../api-client.js';
import { sendMessage, type SessionStatus } from '../messaging.js';
import { ProblemNotice } from './problem-notice.js';

export function SignInForm({
  serverUrl,
  email: initialEmail = '',
  notice,
  onSignedIn,
  onChangeServer,
  onSetUp,
}: {
  serverUrl: string;
  email?: string | undefined;
  notice?: Problem | string | undefined;
  onSignedIn(status: SessionStatus): void;
  onChangeServer(): void;
  /** A new server with no admin yet: go to the setup form. */
  onSetUp?(): void;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<Problem | string | undefined>(notice);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    const result = await sendMessage('signIn', { email: email.trim(), password });
    setBusy(false);
    if (!result.ok) return setProblem(result.problem);
    setPassword('');
    onSignedIn(result.value);
  }

  return (
    <form class="stack" onSubmit={submit} aria-label="Sign in">
      <h2>Sign in</h2>
      <p class="muted">
        Server: <span class="mono">{serverUrl}</span>{' '}
        <button type="button" class="link" onClick={onChangeServer}>
          Use a different server
        </button>
      </p>
      <ProblemNotice problem={problem} />
      <label for="sign-in-email">Email</label>
      <input
        id="sign-in-email"
        type="email"
        autoComplete="username"
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
        required
      />
      <label for="sign-in-password">Password</label>
      <input
        id="sign-in-password"
        type="password"
        autoComplete="current-password"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
        required
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      {onSetUp && (
        <p class="muted">
          New server?{' '}
          <button type="button" class="link" onClick={onSetUp}>
            Create the first admin with the setup code
          </button>
        </p>
      )}
    </form>
  );
}
