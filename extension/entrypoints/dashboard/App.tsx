import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Problem } from '../../lib/api-client.js';
import type { ConnectionView, Membership, ProviderSummary } from '../../lib/api-types.js';
import { currentMembership } from '../../lib/business.js';
import { sendMessage } from '../../lib/messaging.js';
import { roleLabels } from '../../lib/roles.js';
import { currentBusinessIdItem } from '../../lib/storage.js';
import { SessionGate, type SessionControls, type SignedIn } from '../../lib/ui/session-gate.js';
import { useHashRoute } from '../../lib/ui/use-hash-route.js';
import { ConnectionPage } from './connection-page.js';
import { ConnectionsPage } from './connections-page.js';
import { ItemsPage } from './items-page.js';
import { MergePage } from './merge-page.js';
import { RulesPage } from './rules-page.js';
import { SettingsPage } from './settings-page.js';
import type { BusinessData } from './business-data.js';

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
  const [route, navigate] = useHashRoute();

  function chooseBusiness(businessId: string) {
    setChosenId(businessId);
    void currentBusinessIdItem.setValue(businessId);
    navigate('#/connections');
  }

  const page = route.path[0] ?? 'connections';
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
      <div class="layout">
        <nav class="sidebar" aria-label="Dashboard">
          <p class="sidebar-heading">Business settings</p>
          <a href="#/connections" aria-current={page === 'connections' || page === 'connection' ? 'page' : undefined}>
            Connections
          </a>
          <a href="#/rules" aria-current={page === 'rules' ? 'page' : undefined}>
            Rules
          </a>
          <p class="sidebar-heading">Publishing</p>
          <a href="#/items" aria-current={page === 'items' ? 'page' : undefined}>
            Items
          </a>
        </nav>
        <main class="content stack">
          {membership ? (
            <BusinessPages
              key={membership.business.id}
              membership={membership}
              serverUrl={session.serverUrl}
              route={route}
              navigate={navigate}
              onProblem={controls.reportProblem}
            />
          ) : (
            <>
              <h1>Connections</h1>
              <p class="notice">You are not in any business yet. Ask an Admin to add you.</p>
            </>
          )}
        </main>
      </div>
    </>
  );
}

function BusinessPages(props: {
  membership: Membership;
  serverUrl: string;
  route: ReturnType<typeof useHashRoute>[0];
  navigate(hash: string): void;
  onProblem(problem: Problem): void;
}) {
  const data = useBusinessData(props.membership, props.serverUrl, props.onProblem);
  const [page, id, sub] = props.route.path;
  if (page === 'rules') return <RulesPage data={data} />;
  if (page === 'items') return <ItemsPage data={data} route={props.route} navigate={props.navigate} />;
  if (page === 'connection' && id) {
    const connection = data.connections?.find((c) => c.id === id);
    if (sub === 'merge') return <MergePage data={data} connectionId={id} navigate={props.navigate} />;
    if (sub === 'settings') return <SettingsPage data={data} navigate={props.navigate} />;
    return <ConnectionPage data={data} connection={connection} connectionId={id} navigate={props.navigate} initialKind={props.route.query.get('list')} />;
  }
  return <ConnectionsPage data={data} route={props.route} navigate={props.navigate} />;
}

/** Providers and the business's connections, loaded once and reloaded after every change. */
function useBusinessData(membership: Membership, serverUrl: string, onProblem: (problem: Problem) => void): BusinessData {
  const businessId = membership.business.id;
  const [providers, setProviders] = useState<ProviderSummary[] | null>(null);
  const [connections, setConnections] = useState<ConnectionView[] | null>(null);
  const [problem, setProblem] = useState<Problem>();

  const handle = useCallback(
    (p: Problem) => {
      // An ended session or a vanished server takes the whole page back to the sign-in screens.
      if (p.kind === 'session_ended' || p.kind === 'unreachable') onProblem(p);
      else setProblem(p);
    },
    [onProblem],
  );

  const reload = useCallback(async () => {
    const result = await sendMessage('listConnections', { businessId });
    if (result.ok) setConnections(result.value.connections);
    else handle(result.problem);
  }, [businessId, handle]);

  useEffect(() => {
    let live = true;
    void sendMessage('listProviders').then((result) => {
      if (!live) return;
      if (result.ok) setProviders(result.value.providers);
      else handle(result.problem);
    });
    void reload();
    // The guide scripts follow the sites allowed so far (a grant made in Chrome's settings too).
    void sendMessage('syncGuides');
    return () => {
      live = false;
    };
  }, [handle, reload]);

  return { membership, serverUrl, providers, connections, problem, reload, reportProblem: handle };
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
