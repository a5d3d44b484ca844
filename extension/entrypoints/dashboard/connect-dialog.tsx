/**
 * Connect, Reconnect and Change connection (seeds 000-004): choose the software (Change), review
 * the steps, sign in at the provider (OAuth) or let the guide on the provider's page take the key
 * (KashFlow), choose the organisation and press Next, then see the confirmation and press Finish.
 */
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { Problem } from '../../lib/api-client.js';
import type { ConnectionView, GrantResponse, ProviderSummary, Purpose } from '../../lib/api-types.js';
import { authorizeAtProvider, identityAvailable, initialOrganisation, type OAuthRoute } from '../../lib/connect-flow.js';
import { primaryWebAppPattern, sandboxPageUrl } from '../../lib/guide-scripts.js';
import type { KeyGuide } from '../../lib/key-guide.js';
import { sendMessage } from '../../lib/messaging.js';
import { connectBlockedReason } from '../../lib/providers.js';
import { keyGuideItem } from '../../lib/storage.js';
import { Dialog } from '../../lib/ui/dialog.js';
import { ImportProgressBars } from '../../lib/ui/import-progress.js';
import { ProblemNotice } from '../../lib/ui/problem-notice.js';
import { useJob } from '../../lib/ui/use-job.js';
import { catalogue } from '../../../shared/catalogue.js';
import type { BusinessData } from './business-data.js';
import { keyProviderText } from './key-providers.js';

export interface ConnectDone {
  purpose: Purpose;
  connection: ConnectionView;
}

type Step =
  | { name: 'choose' }
  | { name: 'review'; provider: ProviderSummary }
  | { name: 'authorising'; provider: ProviderSummary; route: OAuthRoute }
  | { name: 'key-waiting'; provider: ProviderSummary }
  | { name: 'key-manual'; provider: ProviderSummary }
  | { name: 'organisation'; provider: ProviderSummary; grant: GrantResponse }
  | { name: 'connected'; provider: ProviderSummary; connection: ConnectionView; jobId: string };

const titles: Record<Purpose, (name: string) => string> = {
  connect: (name) => `Connect ${name}`,
  reconnect: (name) => `Reconnect ${name}`,
  change: () => 'Change connection',
};

export function ConnectDialog(props: {
  data: BusinessData;
  providers: ProviderSummary[];
  purpose: Purpose;
  initialProvider?: ProviderSummary | undefined;
  connection?: ConnectionView | undefined;
  hint?: string | undefined;
  /** Opened from the provider page's "Return to Bookbridge": wait for (or take) the guide's verdict. */
  waitingForKey?: boolean | undefined;
  onClose(): void;
  onDone(done: ConnectDone): void;
}) {
  const { data, purpose, connection } = props;
  const [step, setStep] = useState<Step>(() =>
    props.initialProvider
      ? { name: props.waitingForKey ? 'key-waiting' : 'review', provider: props.initialProvider }
      : { name: 'choose' },
  );
  const [problem, setProblem] = useState<Problem | string>();
  const abort = useRef<AbortController | undefined>(undefined);
  const businessId = data.membership.business.id;

  useEffect(() => () => abort.current?.abort(), []);

  const provider = step.name === 'choose' ? undefined : step.provider;
  const title = titles[purpose](provider?.name ?? connection?.providerName ?? '');

  function close() {
    abort.current?.abort();
    // A key guide left open would keep offering "Send to Bookbridge" on the provider's page.
    if (step.name !== 'connected') void sendMessage('endKeyGuide');
    props.onClose();
  }

  async function signIn(p: ProviderSummary, route: OAuthRoute) {
    setProblem(undefined);
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setStep({ name: 'authorising', provider: p, route });
    const result = await authorizeAtProvider(
      {
        businessId,
        provider: p.id,
        providerName: p.name,
        purpose,
        ...(connection ? { connectionId: connection.id } : {}),
        ...(props.hint ? { organisationHint: props.hint } : {}),
      },
      route,
      controller.signal,
    );
    if (controller.signal.aborted) return;
    if (!result.ok) {
      setStep({ name: 'review', provider: p });
      return setProblem(result.problem);
    }
    setStep({ name: 'organisation', provider: p, grant: result.value });
  }

  async function finish(p: ProviderSummary, grant: GrantResponse, organisationId: string) {
    setProblem(undefined);
    const result = await sendMessage('finish', { businessId, grantId: grant.grantId, organisationId });
    if (!result.ok) return setProblem(result.problem);
    setStep({ name: 'connected', provider: p, connection: result.value.connection, jobId: result.value.jobId });
  }

  return (
    <Dialog title={title} onClose={close} wide>
      <ProblemNotice problem={problem} />
      {step.name === 'choose' && (
        <ChooseSoftware
          data={data}
          providers={props.providers}
          current={connection}
          onChoose={(p) => {
            setProblem(undefined);
            setStep({ name: 'review', provider: p });
          }}
        />
      )}
      {step.name === 'review' && step.provider.authKind === 'oauth2' && (
        <ReviewOAuth provider={step.provider} purpose={purpose} connection={connection} onSignIn={(route) => void signIn(step.provider, route)} />
      )}
      {step.name === 'review' && step.provider.authKind !== 'oauth2' && (
        <ReviewKey
          data={data}
          provider={step.provider}
          purpose={purpose}
          connection={connection}
          onWaiting={() => {
            setProblem(undefined);
            setStep({ name: 'key-waiting', provider: step.provider });
          }}
          onManual={() => {
            setProblem(undefined);
            setStep({ name: 'key-manual', provider: step.provider });
          }}
          onProblem={setProblem}
        />
      )}
      {step.name === 'authorising' && (
        <div class="stack" role="status">
          <p>
            Waiting for {step.provider.name}…{' '}
            {step.route === 'identity'
              ? `Sign in and allow access in the ${step.provider.name} window that opened.`
              : `Sign in and allow access in the ${step.provider.name} tab that opened; this window moves on by itself.`}
          </p>
          <div class="row">
            <button
              type="button"
              class="secondary"
              onClick={() => {
                abort.current?.abort();
                setStep({ name: 'review', provider: step.provider });
              }}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {step.name === 'key-waiting' && (
        <KeyWaiting
          data={data}
          provider={step.provider}
          onVerified={(grant) => setStep({ name: 'organisation', provider: step.provider, grant })}
          onBack={() => setStep({ name: 'review', provider: step.provider })}
        />
      )}
      {step.name === 'key-manual' && (
        <KeyManual
          provider={step.provider}
          onSubmit={async (credentials) => {
            setProblem(undefined);
            const result = await sendMessage('connectWithKey', {
              businessId,
              provider: step.provider.id,
              purpose,
              ...(connection ? { connectionId: connection.id } : {}),
              credentials,
            });
            if (!result.ok) return setProblem(result.problem);
            setStep({ name: 'organisation', provider: step.provider, grant: result.value });
          }}
          onBack={() => setStep({ name: 'review', provider: step.provider })}
        />
      )}
      {step.name === 'organisation' && (
        <ChooseOrganisation
          provider={step.provider}
          grant={step.grant}
          purpose={purpose}
          connection={connection}
          hint={props.hint}
          onNext={(organisationId) => finish(step.provider, step.grant, organisationId)}
        />
      )}
      {step.name === 'connected' && (
        <Connected
          businessId={businessId}
          provider={step.provider}
          connection={step.connection}
          jobId={step.jobId}
          purpose={purpose}
          onFinish={() => props.onDone({ purpose, connection: step.connection })}
        />
      )}
    </Dialog>
  );
}

function ChooseSoftware({
  data,
  providers,
  current,
  onChoose,
}: {
  data: BusinessData;
  providers: ProviderSummary[];
  current: ConnectionView | undefined;
  onChoose(provider: ProviderSummary): void;
}) {
  const choices = providers.filter((p) => p.role === (current?.role ?? 'ledger'));
  return (
    <div class="stack">
      <p>
        Select the accounting software you want to connect with. The new connection replaces{' '}
        {current ? `${current.providerName} (${current.organisation.name})` : 'the current one'}; your items stay, and the List Merge Tool
        then matches your old lists to the new ones so your rules keep working.
      </p>
      <ul class="providers compact" aria-label="Accounting software to change to">
        {choices.map((p) => {
          const blocked = connectBlockedReason(p, data.membership.role);
          return (
            <li class="provider" key={p.id}>
              <h3>
                {p.name}
                {p.sandbox && <span class="badge">(sandbox)</span>}
              </h3>
              <button type="button" aria-label={`Connect ${p.name}`} disabled={blocked !== null} onClick={() => onChoose(p)}>
                Connect
              </button>
              {blocked && <p class="muted small">{blocked}</p>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function ReviewOAuth({
  provider,
  purpose,
  connection,
  onSignIn,
}: {
  provider: ProviderSummary;
  purpose: Purpose;
  connection: ConnectionView | undefined;
  onSignIn(route: OAuthRoute): void;
}) {
  return (
    <div class="stack">
      {purpose === 'reconnect' && connection && (
        <p class="notice">
          Reconnect renews the connection to <strong>{connection.organisation.name}</strong>. Your settings, rules and lists stay as they
          are.
        </p>
      )}
      <p>What happens next:</p>
      <ol class="steps">
        <li>You'll be redirected to {provider.name} to sign in.</li>
        <li>Choose the organisations Bookbridge may use and allow access.</li>
        <li>Back here, select the organisation you want to connect and select Next.</li>
        <li>Select Finish on the confirmation screen. Bookbridge then imports your lists.</li>
      </ol>
      <div class="row">
        <button type="button" onClick={() => onSignIn('identity')}>
          Connect software
        </button>
        <button type="button" class="link" onClick={() => onSignIn('tab')}>
          {identityAvailable() ? 'Sign in in a browser tab instead' : 'Sign in in a browser tab'}
        </button>
      </div>
    </div>
  );
}

function ReviewKey({
  data,
  provider,
  purpose,
  connection,
  onWaiting,
  onManual,
  onProblem,
}: {
  data: BusinessData;
  provider: ProviderSummary;
  purpose: Purpose;
  connection: ConnectionView | undefined;
  onWaiting(): void;
  onManual(): void;
  onProblem(problem: Problem | string): void;
}) {
  const [busy, setBusy] = useState(false);
  const text = keyProviderText(provider.id);

  async function openProvider() {
    // Firefox grants a permission only straight from the click, before any other await.
    const asked = provider.sandbox ? Promise.resolve(true) : browser.permissions.request({ origins: [primaryWebAppPattern(provider.id)] }).catch(() => false);
    setBusy(true);
    const granted = await asked;
    if (!granted) {
      setBusy(false);
      return onProblem(`Bookbridge needs your permission to show its guide on ${provider.name}'s pages. Choose Allow when your browser asks.`);
    }
    await sendMessage('syncGuides');
    const started = await sendMessage('startKeyGuide', {
      businessId: data.membership.business.id,
      provider: provider.id,
      purpose,
      ...(connection ? { connectionId: connection.id } : {}),
    });
    setBusy(false);
    if (!started.ok) return onProblem(started.problem);
    const url = provider.sandbox ? sandboxPageUrl(data.serverUrl, provider.id, 'app', text.sandboxStart) : `${catalogue[provider.id].hosts.app}/`;
    await browser.tabs.create({ url, active: true });
    onWaiting();
  }

  return (
    <div class="stack">
      {purpose === 'reconnect' && connection && (
        <p class="notice">
          Reconnect renews the connection to <strong>{connection.organisation.name}</strong>. Your settings, rules and lists stay as they
          are.
        </p>
      )}
      <p>You'll complete a few steps in your {provider.name} account, in a separate tab. Bookbridge shows each one on {provider.name}'s own page:</p>
      <ol class="steps">
        {text.steps(provider.name).map((step, i) => (
          <li key={i}>{step}</li>
        ))}
      </ol>
      <div class="row">
        <button type="button" onClick={() => void openProvider()} disabled={busy}>
          Open {provider.name}
        </button>
        <button type="button" class="link" onClick={onManual}>
          Enter the details here instead
        </button>
      </div>
    </div>
  );
}

function KeyWaiting({
  data,
  provider,
  onVerified,
  onBack,
}: {
  data: BusinessData;
  provider: ProviderSummary;
  onVerified(grant: GrantResponse): void;
  onBack(): void;
}) {
  const [guide, setGuide] = useState<KeyGuide | null>(null);
  useEffect(() => {
    const take = (value: KeyGuide | null) => {
      setGuide(value);
      if (value?.stage === 'verified' && value.grant && value.businessId === data.membership.business.id) onVerified(value.grant);
    };
    void keyGuideItem.getValue().then(take);
    return keyGuideItem.watch(take);
  }, []);
  return (
    <div class="stack">
      <p role="status">
        Waiting for {provider.name}… Follow the steps shown in the Bookbridge panel on {provider.name}'s page, then press Send to Bookbridge.
        This window moves on by itself.
      </p>
      {guide?.stage === 'refused' && (
        <div class="notice notice-problem" role="alert">
          <p>
            {provider.name} did not accept the details: {guide.message}
          </p>
        </div>
      )}
      <div class="row">
        <button type="button" class="secondary" onClick={onBack}>
          Back
        </button>
      </div>
    </div>
  );
}

/** The seed's own way (type the details here), for when the page guide cannot run. */
function KeyManual({ provider, onSubmit, onBack }: { provider: ProviderSummary; onSubmit(credentials: Record<string, string>): Promise<void>; onBack(): void }) {
  const text = keyProviderText(provider.id);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(text.manual.map((f) => [f.name, ''])));
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        // An optional field left empty is not sent (Bill.com: the server's own developer key).
        await onSubmit(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')));
        setBusy(false);
      }}
    >
      <p>{text.manualIntro(provider.name)}</p>
      {text.manual.map((f) => (
        <Fragment key={f.name}>
          <label for={`key-${f.name}`}>
            {f.label}
            {f.optional ? ' (optional)' : ''}
          </label>
          <input
            id={`key-${f.name}`}
            type={(f.secret ? 'password' : 'text') as 'text'}
            autoComplete={f.autoComplete ?? 'off'}
            value={values[f.name] ?? ''}
            onInput={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}
            required={!f.optional}
          />
        </Fragment>
      ))}
      <div class="row">
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Next'}
        </button>
        <button type="button" class="secondary" onClick={onBack}>
          Back
        </button>
      </div>
    </form>
  );
}

function ChooseOrganisation({
  provider,
  grant,
  purpose,
  connection,
  hint,
  onNext,
}: {
  provider: ProviderSummary;
  grant: GrantResponse;
  purpose: Purpose;
  connection: ConnectionView | undefined;
  hint: string | undefined;
  onNext(organisationId: string): Promise<void>;
}) {
  const [chosen, setChosen] = useState(() => initialOrganisation(grant.organisations, grant.preselect, hint));
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        await onNext(chosen);
        setBusy(false);
      }}
    >
      <p>Select the organisation you want to connect to Bookbridge and select Next.</p>
      {purpose === 'reconnect' && connection && (
        <p class="muted small">Reconnect keeps {connection.organisation.name}. To connect a different organisation, use Manage &gt; Change connection.</p>
      )}
      <label for="organisation-select">Organisation</label>
      <select id="organisation-select" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
        {grant.organisations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
            {o.detail ? ` (${o.detail})` : ''}
          </option>
        ))}
      </select>
      <p class="muted small">
        {grant.organisations.length} organisation{grant.organisations.length === 1 ? '' : 's'} from your {provider.name} sign-in.
      </p>
      <div class="row">
        <button type="submit" disabled={busy || !chosen}>
          {busy ? 'Connecting…' : 'Next'}
        </button>
      </div>
    </form>
  );
}

function Connected({
  businessId,
  provider,
  connection,
  jobId,
  purpose,
  onFinish,
}: {
  businessId: string;
  provider: ProviderSummary;
  connection: ConnectionView;
  jobId: string;
  purpose: Purpose;
  onFinish(): void;
}) {
  const { job } = useJob(businessId, jobId);
  return (
    <div class="stack">
      <p class="notice" role="status">
        {purpose === 'reconnect' ? 'Your organisation is connected again' : 'Your organisation is connected'}: {provider.name} —{' '}
        <strong>{connection.organisation.name}</strong>.
      </p>
      <p class="muted">
        {job?.status === 'done'
          ? 'All lists are imported.'
          : 'Bookbridge is importing your lists: allow a few minutes. You can press Finish now; the progress stays on the Connections page.'}
      </p>
      <ImportProgressBars job={job} kinds={provider.lists} />
      <div class="row">
        <button type="button" onClick={onFinish}>
          Finish
        </button>
      </div>
    </div>
  );
}
