import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Problem } from '../api-client.js';
import { sendMessage, type Result, type SessionStatus } from '../messaging.js';
import { serverUrlItem } from '../storage.js';
import { ProblemNotice } from './problem-notice.js';
import { ServerForm } from './server-form.js';
import { SignInForm } from './sign-in-form.js';
import { SetupForm } from './setup-form.js';

export type SignedIn = Extract<SessionStatus, { state: 'signed_in' }>;

type Screen =
  | { name: 'loading' }
  | { name: 'server'; notice?: Problem; address?: string }
  | { name: 'sign_in'; serverUrl: string; email?: string; notice?: Problem | string }
  | { name: 'setup'; serverUrl: string }
  /** The server could not be asked (unreachable, or it answered strangely): say so, offer ways on. */
  | { name: 'problem'; serverUrl: string; problem: Problem }
  | { name: 'signed_in'; session: SignedIn };

export interface SessionControls {
  /** Reads the status again (after sign-out, or a business change elsewhere). */
  refresh(): void;
  /** A call failed: an ended session goes back to sign-in with the reason shown. */
  reportProblem(problem: Problem): void;
  /** Signs out here (and on the server when it answers), then shows the sign-in form. */
  signOut(): Promise<void>;
}

/**
 * Shows whatever the user must do before they can work (enter the server, sign in, learn that the
 * server is down or the session ended) and renders `children` once they are signed in. Never falls
 * back silently: every problem is shown with a way on.
 */
export function SessionGate({
  children,
  frame = (content) => content,
}: {
  children(session: SignedIn, controls: SessionControls): ComponentChildren;
  /** Wraps the screens shown before sign-in (the dashboard gives them a heading and a narrow column). */
  frame?: (content: ComponentChildren) => ComponentChildren;
}) {
  const [screen, setScreen] = useState<Screen>({ name: 'loading' });

  const show = useCallback(async (result: Result<SessionStatus>) => setScreen(await screenFor(result)), []);
  const refresh = useCallback(() => {
    void sendMessage('getStatus').then(show, (error: unknown) =>
      // The background itself did not answer (e.g. it failed to start): still say something.
      show({ ok: false, problem: { kind: 'api', status: 0, code: 'extension_error', message: String(error) } }),
    );
  }, [show]);
  const reportProblem = useCallback((problem: Problem) => void show({ ok: false, problem }), [show]);

  useEffect(refresh, [refresh]);

  const signOut = useCallback(async () => {
    const result = await sendMessage('signOut');
    const serverUrl = (await serverUrlItem.getValue()) ?? '';
    if (!result.ok) return void show(result);
    setScreen({
      name: 'sign_in',
      serverUrl,
      ...(result.value.serverToldToo
        ? {}
        : { notice: `Signed out on this browser. The server at ${serverUrl} could not be told; the session there ends on its own.` }),
    });
  }, [show]);

  const changeServer = async () => {
    await sendMessage('forgetServer');
    setScreen({ name: 'server' });
  };

  if (screen.name === 'signed_in') return <>{children(screen.session, { refresh, reportProblem, signOut })}</>;
  return <>{frame(gateScreen())}</>;

  function gateScreen() {
  switch (screen.name) {
    case 'loading':
      return <p class="muted" role="status">Loading…</p>;
    case 'server':
      return <ServerForm notice={screen.notice} initialAddress={screen.address} onDone={(serverUrl) => setScreen({ name: 'sign_in', serverUrl })} />;
    case 'sign_in':
      return (
        <SignInForm
          serverUrl={screen.serverUrl}
          email={screen.email}
          notice={screen.notice}
          onSignedIn={(status) => void show({ ok: true, value: status })}
          onChangeServer={changeServer}
          onSetUp={() => setScreen({ name: 'setup', serverUrl: screen.serverUrl })}
        />
      );
    case 'setup':
      return (
        <SetupForm
          serverUrl={screen.serverUrl}
          onSignedIn={(status) => void show({ ok: true, value: status })}
          onBack={() => setScreen({ name: 'sign_in', serverUrl: screen.serverUrl })}
        />
      );
    case 'problem':
      return (
        <div class="stack">
          <ProblemNotice problem={screen.problem} />
          <div class="row">
            <button type="button" onClick={refresh}>
              Try again
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => setScreen({ name: 'sign_in', serverUrl: screen.serverUrl, notice: screen.problem })}
            >
              Sign in again
            </button>
            <button type="button" class="secondary" onClick={changeServer}>
              Use a different server
            </button>
          </div>
        </div>
      );
    case 'signed_in':
      return null;
  }
  }
}

async function screenFor(result: Result<SessionStatus>): Promise<Screen> {
  if (result.ok) {
    const status = result.value;
    if (status.state === 'no_server') return { name: 'server' };
    if (status.state === 'signed_out') return { name: 'sign_in', serverUrl: status.serverUrl, ...(status.email ? { email: status.email } : {}) };
    return { name: 'signed_in', session: status };
  }
  const { problem } = result;
  const serverUrl = await serverUrlItem.getValue();
  if (!serverUrl || problem.kind === 'no_server') return { name: 'server' };
  if (problem.kind === 'permission_missing') return { name: 'server', notice: problem, address: serverUrl };
  if (problem.kind === 'session_ended' || problem.kind === 'not_signed_in') return { name: 'sign_in', serverUrl, notice: problem };
  return { name: 'problem', serverUrl, problem };
}
