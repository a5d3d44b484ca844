import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { Problem } from '../../lib/api-client.js';
import type { ConnectionView } from '../../lib/api-types.js';
import { currentMembership } from '../../lib/business.js';
import { liveConnections, statusText } from '../../lib/connection-status.js';
import { countIn, waitingStates } from '../../lib/items.js';
import { sendMessage } from '../../lib/messaging.js';
import { isAdminRole, roleLabels } from '../../lib/roles.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import { SessionGate, type SessionControls, type SignedIn } from '../../lib/ui/session-gate.js';

export function App() {
  return (
    <main class="stack">
      <h1>Bookbridge</h1>
      <SessionGate>{(session, controls) => <SignedInPopup session={session} controls={controls} />}</SessionGate>
    </main>
  );
}

async function openDashboard(hash = '') {
  await browser.tabs.create({ url: browser.runtime.getURL(`/dashboard.html${hash}`) });
  window.close();
}

function SignedInPopup({ session, controls }: { session: SignedIn; controls: SessionControls }) {
  const { user, memberships } = session.me;
  const current = currentMembership(memberships, session.currentBusinessId);

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
      {current && <ConnectionsAtAGlance businessId={current.business.id} admin={isAdminRole(current.role)} onProblem={controls.reportProblem} />}
      {current && <ItemsAtAGlance businessId={current.business.id} />}
      <div class="row">
        <button type="button" onClick={() => void openDashboard()}>
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

/** Each connection's health, with one-click Reconnect when it has expired. */
function ConnectionsAtAGlance({ businessId, admin, onProblem }: { businessId: string; admin: boolean; onProblem(problem: Problem): void }) {
  const [connections, setConnections] = useState<ConnectionView[]>();
  const [problem, setProblem] = useState<Problem>();
  useEffect(() => {
    void sendMessage('listConnections', { businessId }).then((result) => {
      if (result.ok) return setConnections(liveConnections(result.value.connections));
      if (result.problem.kind === 'session_ended' || result.problem.kind === 'unreachable') return onProblem(result.problem);
      setProblem(result.problem);
    });
  }, [businessId]);

  if (problem) return <ProblemNotice problem={problem} />;
  if (!connections) return <p class="muted small">Checking connections…</p>;
  if (connections.length === 0) {
    return (
      <p class="notice small" aria-label="Connections">
        No accounting software connected yet.{admin ? ' Open the dashboard to connect it.' : ''}
      </p>
    );
  }
  return (
    <ul class="popup-connections" aria-label="Connections">
      {connections.map((c) => (
        <li key={c.id} aria-label={`${c.providerName}: ${statusText(c)}`}>
          <span>
            <strong>{c.providerName}</strong> — {c.organisation.name}
          </span>
          <span class="row">
            <span class={`status status-${c.health}`}>{statusText(c)}</span>
            {c.health === 'expired' && admin && (
              <button type="button" onClick={() => void openDashboard(`#/reconnect/${c.id}`)}>
                Reconnect
              </button>
            )}
            {c.health === 'expiring' && admin && (
              <button type="button" class="secondary" onClick={() => void openDashboard(`#/reconnect/${c.id}`)}>
                Reconnect now
              </button>
            )}
          </span>
          {c.health === 'expired' && !admin && <span class="small muted">Ask an Admin to reconnect it.</span>}
        </li>
      ))}
    </ul>
  );
}

/** How many items wait to be published, need attention, or failed: each opens the list. */
function ItemsAtAGlance({ businessId }: { businessId: string }) {
  const [counts, setCounts] = useState<Record<string, number>>();
  useEffect(() => {
    void sendMessage('listItems', { businessId, limit: 1 }).then((result) => {
      if (result.ok) setCounts(result.value.counts);
    });
  }, [businessId]);
  if (!counts) return null;
  const waiting = countIn(counts, waitingStates);
  const attention = counts.needs_attention ?? 0;
  const failed = counts.failed ?? 0;
  return (
    <p class="popup-counts small" aria-label="Items">
      <a href="#" onClick={(e) => (e.preventDefault(), void openDashboard('#/items'))}>
        {waiting} waiting to publish
      </a>
      {attention > 0 && (
        <a href="#" onClick={(e) => (e.preventDefault(), void openDashboard('#/items?state=needs_attention'))}>
          {attention} need{attention === 1 ? 's' : ''} attention
        </a>
      )}
      <a href="#" class={failed > 0 ? 'problem-text' : undefined} onClick={(e) => (e.preventDefault(), void openDashboard('#/items?state=failed'))}>
        {failed} failed
      </a>
    </p>
  );
}
