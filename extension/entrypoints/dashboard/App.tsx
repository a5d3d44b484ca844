import { useEffect, useState } from 'preact/hooks';
import { isAdminRole, roleLabels, type Membership, type ProviderSummary } from '../../../shared/api.js';
import type { Problem } from '../../lib/api-client.js';
import { currentMembership } from '../../lib/business.js';
import { startConnection, type ConnectOutcome } from '../../lib/connections.js';
import { sendMessage } from '../../lib/messaging.js';
import { connectBlockedReason, howItConnects, importedLists } from '../../lib/providers.js';
import { currentBusinessIdItem } from '../../lib/storage.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import { SessionGate, type SessionControls, type SignedIn } from '../../lib/ui/session-gate.js';

export function App() {
  return (
    <SessionGate
      frame={(content) => (
        <main class="narrow stack">
          <h1>Bookbridge</h1>
          {content}
        </main>
      )}
    >
      {(session, controls) => <Dashboard session={session} controls={controls} />}
    </SessionGate>
  );
}

function Dashboard({ session, controls }: { session: SignedIn; controls: SessionControls }) {
  const { user, memberships } = session.me;
  const [chosenId, setChosenId] = useState(session.currentBusinessId);
  const membership = currentMembership(memberships, chosenId);

  function chooseBusiness(businessId: string) {
    setChosenId(businessId);
    void currentBusinessIdItem.setValue(businessId);
  }

  return (
    <>
      <header class="topbar">
        <span class="brand">Bookbridge</span>
        <BusinessSwitcher memberships={memberships} current={membership} onChoose={chooseBusiness} />
        <span>
          {user.name} <span class="muted">({user.email})</span>
        </span>
        <button type="button" class="secondary" onClick={controls.signOut}>
          Sign out
        </button>
      </header>
      <main class="content stack">
        <nav aria-label="Breadcrumb" class="breadcrumb">
          Business settings › Connections
        </nav>
        <h1>Connections</h1>
        {membership ? (
          <AccountingSoftware membership={membership} onProblem={controls.reportProblem} />
        ) : (
          <p class="notice">You are not in any business yet. Ask an Admin to add you.</p>
        )}
      </main>
    </>
  );
}

function BusinessSwitcher({
  memberships,
  current,
  onChoose,
}: {
  memberships: readonly Membership[];
  current: Membership | undefined;
  onChoose(businessId: string): void;
}) {
  if (!current) return null;
  const role = <span class="muted">{roleLabels[current.role]}</span>;
  if (memberships.length === 1) {
    return (
      <span>
        Business: <strong>{current.business.name}</strong> {role}
      </span>
    );
  }
  return (
    <span class="row">
      <label for="business-switcher">Business</label>
      <select id="business-switcher" value={current.business.id} onChange={(e) => onChoose(e.currentTarget.value)}>
        {memberships.map((m) => (
          <option key={m.business.id} value={m.business.id}>
            {m.business.name}
          </option>
        ))}
      </select>
      {role}
    </span>
  );
}

function AccountingSoftware({ membership, onProblem }: { membership: Membership; onProblem(problem: Problem): void }) {
  const [providers, setProviders] = useState<ProviderSummary[] | null>(null);
  const [problem, setProblem] = useState<Problem>();
  const [outcome, setOutcome] = useState<ConnectOutcome>();

  useEffect(() => {
    let live = true;
    void sendMessage('listProviders').then((result) => {
      if (!live) return;
      if (result.ok) return setProviders(result.value.providers);
      // An ended session or a vanished server takes the whole page back to the sign-in screens.
      if (result.problem.kind === 'session_ended' || result.problem.kind === 'unreachable') return onProblem(result.problem);
      setProblem(result.problem);
    });
    return () => {
      live = false;
    };
  }, [onProblem]);

  async function connect(provider: ProviderSummary) {
    setOutcome(await startConnection(provider, membership.business));
  }

  return (
    <section class="section stack" aria-labelledby="accounting-software-heading">
      <h2 id="accounting-software-heading">Accounting software</h2>
      <p class="muted">
        Connect {membership.business.name} to its accounting software to publish receipts, invoices and expense claims
        straight into it.
      </p>
      {!isAdminRole(membership.role) && (
        <p class="notice">
          Only Admins can connect accounting software. Ask an Admin in {membership.business.name}, or your accountant or
          bookkeeper.
        </p>
      )}
      <ProblemNotice problem={problem} />
      {outcome && (
        <div class="notice row" role="status">
          <span>{outcome.message}</span>
          <button type="button" class="link" onClick={() => setOutcome(undefined)}>
            Close
          </button>
        </div>
      )}
      {providers === null && !problem && (
        <p class="muted" role="status">
          Loading accounting software…
        </p>
      )}
      {providers && (
        <ul class="providers" aria-label="Accounting software you can connect">
          {providers.map((provider) => (
            <ProviderCard key={provider.id} provider={provider} role={membership.role} onConnect={connect} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ProviderCard({
  provider,
  role,
  onConnect,
}: {
  provider: ProviderSummary;
  role: Membership['role'];
  onConnect(provider: ProviderSummary): void;
}) {
  const blocked = connectBlockedReason(provider, role);
  const headingId = `provider-${provider.id}`;
  const reasonId = `provider-${provider.id}-blocked`;
  return (
    <li class="provider" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {provider.name}
        {provider.sandbox && ' '}
        {provider.sandbox && (
          <span class="badge" title={`Connects to Bookbridge's built-in ${provider.name} sandbox, not the real service`}>
            (sandbox)
          </span>
        )}
      </h3>
      <p>{howItConnects(provider)}</p>
      <p class="muted small">{importedLists(provider)}</p>
      {provider.bankMatch && <p class="small">Bank match available.</p>}
      {provider.limitations && (
        <p class="limitations">
          <strong>Limitations:</strong> {provider.limitations}
        </p>
      )}
      <div class="actions stack">
        <button
          type="button"
          aria-label={`Connect ${provider.name}`}
          disabled={blocked !== null}
          aria-describedby={blocked ? reasonId : undefined}
          onClick={() => onConnect(provider)}
        >
          Connect
        </button>
        {blocked && (
          <p id={reasonId} class="muted small">
            {blocked}
          </p>
        )}
      </div>
    </li>
  );
}
