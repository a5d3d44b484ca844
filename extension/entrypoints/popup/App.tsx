import { browser } from 'wxt/browser';
import { roleLabels } from '../../../shared/api.js';
import { currentMembership } from '../../lib/business.js';
import { SessionGate, type SessionControls, type SignedIn } from '../../lib/ui/session-gate.js';

export function App() {
  return (
    <main class="stack">
      <h1>Bookbridge</h1>
      <SessionGate>{(session, controls) => <SignedInPopup session={session} controls={controls} />}</SessionGate>
    </main>
  );
}

function SignedInPopup({ session, controls }: { session: SignedIn; controls: SessionControls }) {
  const { user, memberships } = session.me;
  const current = currentMembership(memberships, session.currentBusinessId);

  async function openDashboard() {
    await browser.tabs.create({ url: browser.runtime.getURL('/dashboard.html') });
    window.close();
  }

  return (
    <section class="stack" aria-label="Signed in">
      <p>
        Signed in as <strong>{user.name}</strong> <span class="muted">({user.email})</span>
      </p>
      {current ? (
        <p>
          Business: <strong>{current.business.name}</strong> <span class="muted">— {roleLabels[current.role]}</span>
        </p>
      ) : (
        <p class="muted">You are not in any business yet. Ask an Admin to add you.</p>
      )}
      <div class="row">
        <button type="button" onClick={openDashboard}>
          Open dashboard
        </button>
        <button type="button" class="secondary" onClick={controls.signOut}>
          Sign out
        </button>
      </div>
      <p class="muted small">
        Server: <span class="mono">{session.serverUrl}</span>
      </p>
    </section>
  );
}
