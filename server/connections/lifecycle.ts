/**
 * The connection lifecycle (DESIGN "The lifecycle of a connection"; seeds 001-004):
 * connect (OAuth with organisation choice, or captured key), reconnect pinned to the same
 * organisation, change connection, and disconnect. Only Admins get here (routes check).
 */
import { createHash, randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { AppDeps } from '../app.js';
import { audit } from '../audit.js';
import { ApiError, notFound } from '../errors.js';
import type { ConnectPurpose, ConnectionsTable } from '../db/schema.js';
import { ProviderError } from '../providers/errors.js';
import type { Credentials, KeyCredentials, Organisation } from '../providers/types.js';
import { catalogue, type ProviderId } from '../../shared/catalogue.js';
import { CONNECTION_LIFETIME_MS } from './expiry.js';
import { credentialsContext } from './provider-session.js';
import { getConnection, getLedgerConnection, insertConnection } from './store.js';
import { enqueueImport } from './import-lists.js';
import { afterFinish, afterReconnect } from './hooks.js';
import { ledgerMatch } from '../providers/approvalmax/index.js';
import { worksBeside } from '../approvals/beside.js';

const STATE_TTL_MS = 10 * 60 * 1000;
const GRANT_TTL_MS = 30 * 60 * 1000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const grantContext = (id: string) => `grant:${id}`;
const verifierContext = (stateHash: string) => `oauth-state:${stateHash}`;

/** Redirect URIs a code may be sent to: our callback page, or the extension's identity URL. */
export function allowedRedirectUri(deps: AppDeps, uri: string): boolean {
  if (uri === callbackUrl(deps)) return true;
  // chrome.identity: https://<32 letters a-p>.chromiumapp.org/ ; Firefox: https://<hex>.extensions.allizom.org/
  return /^https:\/\/[a-p]{32}\.chromiumapp\.org\/[\w/-]*$/.test(uri) || /^https:\/\/[0-9a-f]{40}\.extensions\.allizom\.org\/[\w/-]*$/.test(uri);
}

export const callbackUrl = (deps: Pick<AppDeps, 'config'>) => `${deps.config.publicUrl}/oauth/callback`;

interface Actor {
  userId: string;
  businessId: string;
}

async function checkPurpose(deps: AppDeps, actor: Actor, provider: ProviderId, purpose: ConnectPurpose, connectionId?: string) {
  const entry = catalogue[provider];
  if (purpose === 'connect') {
    if (entry.role === 'secondary') {
      const ledger = await deps.db
        .selectFrom('connections')
        .select(['id', 'provider'])
        .where('business_id', '=', actor.businessId)
        .where('role', '=', 'ledger')
        .where('status', 'in', ['active', 'expired'])
        .executeTakeFirst();
      if (!ledger) {
        throw new ApiError(409, 'ledger_required', `${entry.name} works beside your accounting software: connect Xero or QuickBooks Online first.`);
      }
      // Refused before the user signs in to ApprovalMax at all.
      if (provider === 'approvalmax') unsupportedLedger(ledger.provider);
    }
    const existing = await deps.db
      .selectFrom('connections')
      .select(['provider'])
      .where('business_id', '=', actor.businessId)
      .where('status', 'in', ['active', 'expired'])
      .$if(entry.role === 'ledger', (q) => q.where('role', '=', 'ledger'))
      .$if(entry.role === 'secondary', (q) => q.where('provider', '=', provider))
      .executeTakeFirst();
    if (existing) {
      throw new ApiError(
        409,
        'already_connected',
        `This business is already connected to ${catalogue[existing.provider as ProviderId]?.name ?? existing.provider}. Use Manage > Change connection to switch, or Reconnect to renew it.`,
      );
    }
    return undefined;
  }
  if (!connectionId) throw new ApiError(400, 'validation_failed', 'connectionId is required to reconnect or change a connection.', [{ path: 'connectionId', message: 'is required' }]);
  const connection = await getConnection(deps.db, actor.businessId, connectionId);
  if (!connection || !['active', 'expired'].includes(connection.status)) throw notFound('That connection');
  if (purpose === 'reconnect' && connection.provider !== provider) {
    throw new ApiError(409, 'different_provider', `Reconnect renews the ${catalogue[connection.provider as ProviderId].name} connection. To connect ${entry.name} instead, use Change connection.`);
  }
  return connection;
}

function unsupportedLedger(ledgerProvider: string): void {
  if (worksBeside(ledgerProvider)) return;
  const ledgerName = catalogue[ledgerProvider as ProviderId]?.name ?? ledgerProvider;
  throw new ApiError(
    409,
    'ledger_not_supported',
    `ApprovalMax works beside Xero or QuickBooks Online only, and this business publishes to ${ledgerName}. ApprovalMax cannot approve ${ledgerName} bills, so it cannot be connected here.`,
  );
}

/**
 * ApprovalMax approves for one ledger organisation (issue 7): it must be the business's own, in a
 * ledger ApprovalMax works with. Returns a warning for the audit log when ApprovalMax did not say
 * which organisation it is linked to and the names differ ('unknown' is let through).
 */
async function checkApprovalOrganisation(deps: AppDeps, businessId: string, organisation: Organisation): Promise<string | undefined> {
  const ledger = await getLedgerConnection(deps.db, businessId);
  if (!ledger) throw new ApiError(409, 'ledger_required', 'ApprovalMax works beside your accounting software: connect Xero or QuickBooks Online first.');
  unsupportedLedger(ledger.provider);
  const ledgerName = catalogue[ledger.provider as ProviderId].name;
  const match = ledgerMatch(organisation, { provider: ledger.provider as ProviderId, organisationId: ledger.organisation_id, organisationName: ledger.organisation_name });
  if (match === 'mismatch') {
    const linked = organisation.extra?.ledgerOrganisationName;
    const approvesFor = organisation.extra?.ledgerProvider === 'none' ? 'no ledger (it is standalone)' : linked ? linked : `another ${ledgerName} organisation`;
    throw new ApiError(
      409,
      'organisation_mismatch',
      `${organisation.name} in ApprovalMax approves for ${approvesFor}, not for ${ledger.organisation_name}, the ${ledgerName} organisation this business publishes to. Choose the ApprovalMax organisation linked to ${ledger.organisation_name}.`,
      [{ path: 'organisationId', message: `is not linked to ${ledger.organisation_name}` }],
    );
  }
  if (match === 'unknown') {
    return `ApprovalMax did not say which ${ledgerName} organisation ${organisation.name} approves for; connected on trust that it is ${ledger.organisation_name}.`;
  }
  return undefined;
}

/** Step 1 (OAuth): the provider's authorize URL, with state bound to this user and business. */
export async function startAuthorization(
  deps: AppDeps,
  actor: Actor,
  input: { provider: ProviderId; purpose: ConnectPurpose; connectionId?: string; redirectUri?: string; organisationHint?: string },
): Promise<{ authorizeUrl: string; state: string; redirectUri: string; expiresAt: string }> {
  const entry = catalogue[input.provider];
  if (entry.authKind !== 'oauth2') {
    throw new ApiError(400, 'not_oauth', `${entry.name} connects with credentials, not a sign-in page: use the key connection.`, [{ path: 'provider', message: 'does not use OAuth' }]);
  }
  const adapter = deps.providers.adapter(input.provider);
  const connection = await checkPurpose(deps, actor, input.provider, input.purpose, input.connectionId);
  const redirectUri = input.redirectUri ?? callbackUrl(deps);
  if (!allowedRedirectUri(deps, redirectUri)) {
    throw new ApiError(400, 'validation_failed', 'redirectUri must be this server’s /oauth/callback or the extension’s identity URL.', [
      { path: 'redirectUri', message: 'is not an allowed redirect URI' },
    ]);
  }
  const state = oauth.generateRandomState();
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const now = deps.clock.now().getTime();
  const stateHash = sha256(state);
  await deps.db
    .insertInto('oauth_states')
    .values({
      state_hash: stateHash,
      user_id: actor.userId,
      business_id: actor.businessId,
      provider: input.provider,
      purpose: input.purpose,
      connection_id: connection?.id ?? null,
      code_verifier: deps.secrets.seal(verifier, verifierContext(stateHash)),
      redirect_uri: redirectUri,
      preselect_organisation: input.purpose === 'reconnect' ? connection!.organisation_id : (input.organisationHint ?? null),
      grant_id: null,
      error: null,
      created_at: now,
      expires_at: now + STATE_TTL_MS,
      used_at: null,
    })
    .execute();
  const url = adapter.authorizationUrl!({ state, codeChallenge: challenge, redirectUri });
  return { authorizeUrl: url.toString(), state, redirectUri, expiresAt: new Date(now + STATE_TTL_MS).toISOString() };
}

export interface GrantView {
  grantId: string;
  provider: ProviderId;
  purpose: ConnectPurpose;
  organisations: Organisation[];
  /** The organisation to pre-select (reconnect: the pinned one; connect: the one the user was looking at). */
  preselect: string | null;
}

/**
 * Step 2 (OAuth): the code comes back (from the extension, or our callback page). The state
 * must exist, be unexpired, unused, and (from the extension) belong to the caller.
 */
export async function completeAuthorization(
  deps: AppDeps,
  input: { state: string; code?: string; error?: string; params?: Record<string, string>; userId?: string },
): Promise<GrantView> {
  const stateHash = sha256(input.state);
  const now = deps.clock.now().getTime();
  const row = await deps.db.selectFrom('oauth_states').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
  const refused = () => new ApiError(400, 'invalid_state', 'This sign-in link has expired or was already used. Start again from Connect.', [{ path: 'state', message: 'is unknown, expired or already used' }]);
  if (!row || (input.userId !== undefined && row.user_id !== input.userId)) throw refused();
  // Single use: claim it in one statement so two callbacks cannot both exchange.
  const claimed = await deps.db
    .updateTable('oauth_states')
    .set({ used_at: now })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw refused();

  const provider = row.provider as ProviderId;
  const entry = catalogue[provider];
  const fail = async (message: string, code = 'authorization_failed', status: 400 | 502 = 400) => {
    await deps.db.updateTable('oauth_states').set({ error: message }).where('state_hash', '=', stateHash).execute();
    return new ApiError(status, code, message);
  };
  if (input.error || !input.code) {
    throw await fail(input.error === 'access_denied' ? `You declined access in ${entry.name}. Nothing was connected.` : `${entry.name} did not authorise Bookbridge (${input.error ?? 'no code'}).`, 'authorization_declined');
  }
  const adapter = deps.providers.adapter(provider);
  const verifier = deps.secrets.open(row.code_verifier, verifierContext(stateHash));
  let credentials: Credentials;
  let organisations: Organisation[];
  try {
    const tokens = await adapter.exchangeCode!({ code: input.code, codeVerifier: verifier, redirectUri: row.redirect_uri, params: input.params ?? {} });
    credentials = { kind: 'oauth2', tokens };
    organisations = await adapter.listOrganisations(credentials);
  } catch (error) {
    if (error instanceof ProviderError) throw await fail(`${entry.name} refused the authorisation: ${error.message}`, 'provider_error', 502);
    throw error;
  }
  if (organisations.length === 0) throw await fail(`Your ${entry.name} sign-in gave access to no organisation. Choose at least one on ${entry.name}'s consent screen.`, 'no_organisation');
  const grant = await createGrant(deps, { userId: row.user_id, businessId: row.business_id, provider, purpose: row.purpose, connectionId: row.connection_id, credentials, organisations, preselect: row.preselect_organisation });
  await deps.db.updateTable('oauth_states').set({ grant_id: grant.grantId }).where('state_hash', '=', stateHash).execute();
  return grant;
}

/** Where the callback-page flow stands, for the extension that opened it. */
export async function authorizationStatus(deps: AppDeps, state: string, userId: string): Promise<{ status: 'waiting' | 'authorised' | 'failed' | 'expired'; grant?: GrantView; error?: string }> {
  const row = await deps.db.selectFrom('oauth_states').selectAll().where('state_hash', '=', sha256(state)).executeTakeFirst();
  if (!row || row.user_id !== userId) throw notFound('That authorisation');
  if (row.error) return { status: 'failed', error: row.error };
  if (row.grant_id) {
    const grant = await deps.db.selectFrom('grants').selectAll().where('id', '=', row.grant_id).executeTakeFirst();
    if (grant) return { status: 'authorised', grant: grantView(grant) };
  }
  if (row.expires_at <= deps.clock.now().getTime()) return { status: 'expired' };
  return { status: 'waiting' };
}

/** Key providers (KashFlow...): verify with a real call before anything is stored. */
export async function connectWithKey(
  deps: AppDeps,
  actor: Actor,
  input: { provider: ProviderId; purpose: ConnectPurpose; connectionId?: string; credentials: KeyCredentials },
): Promise<GrantView> {
  const entry = catalogue[input.provider];
  if (entry.authKind === 'oauth2') {
    throw new ApiError(400, 'not_key', `${entry.name} connects through its sign-in page: use Connect.`, [{ path: 'provider', message: 'uses OAuth' }]);
  }
  const adapter = deps.providers.adapter(input.provider);
  const connection = await checkPurpose(deps, actor, input.provider, input.purpose, input.connectionId);
  let verified;
  try {
    verified = await adapter.verifyCredentials!(input.credentials);
  } catch (error) {
    if (error instanceof ProviderError && (error.kind === 'credentials' || error.kind === 'forbidden')) {
      throw new ApiError(422, 'credentials_refused', error.message, error.fields.map((f) => ({ path: `credentials.${f.field}`, message: f.message })));
    }
    if (error instanceof ProviderError) throw new ApiError(502, 'provider_error', `${entry.name} could not be reached to check the credentials: ${error.message}`);
    throw error;
  }
  return createGrant(deps, {
    ...actor,
    provider: input.provider,
    purpose: input.purpose,
    connectionId: connection?.id ?? null,
    credentials: { kind: entry.authKind === 'session' ? 'session' : 'api_key', values: verified.values },
    organisations: verified.organisations,
    preselect: connection?.organisation_id ?? null,
  });
}

async function createGrant(
  deps: AppDeps,
  g: { userId: string; businessId: string; provider: ProviderId; purpose: ConnectPurpose; connectionId: string | null; credentials: Credentials; organisations: Organisation[]; preselect: string | null },
): Promise<GrantView> {
  const id = randomUUID();
  const now = deps.clock.now().getTime();
  const row = {
    id,
    user_id: g.userId,
    business_id: g.businessId,
    provider: g.provider,
    purpose: g.purpose,
    connection_id: g.connectionId,
    credentials: deps.secrets.sealJson(g.credentials, grantContext(id)),
    organisations: JSON.stringify(g.organisations),
    preselect_organisation: g.preselect,
    created_at: now,
    expires_at: now + GRANT_TTL_MS,
  };
  await deps.db.insertInto('grants').values(row).execute();
  return grantView(row);
}

function grantView(row: { id: string; provider: string; purpose: ConnectPurpose; organisations: string; preselect_organisation: string | null }): GrantView {
  const organisations = JSON.parse(row.organisations) as Organisation[];
  return {
    grantId: row.id,
    provider: row.provider as ProviderId,
    purpose: row.purpose,
    organisations,
    preselect: row.preselect_organisation && organisations.some((o) => o.id === row.preselect_organisation) ? row.preselect_organisation : null,
  };
}

/**
 * Step 3: the user chose the organisation; Finish. Connect creates the connection; reconnect
 * renews the pinned one; change replaces the old one (kept read-only for the List Merge Tool).
 * Then the lists are imported in the background.
 */
export async function finishConnection(
  deps: AppDeps,
  actor: Actor,
  input: { grantId: string; organisationId: string },
): Promise<{ connection: ConnectionsTable; jobId: string }> {
  const now = deps.clock.now().getTime();
  const grant = await deps.db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', input.grantId)
    .where('user_id', '=', actor.userId)
    .where('business_id', '=', actor.businessId)
    .executeTakeFirst();
  if (!grant || grant.expires_at <= now) throw new ApiError(404, 'not_found', 'That authorisation has expired or was already used. Start again.');
  const organisations = JSON.parse(grant.organisations) as Organisation[];
  const organisation = organisations.find((o) => o.id === input.organisationId);
  if (!organisation) {
    throw new ApiError(400, 'validation_failed', 'Choose one of the organisations this sign-in gave access to.', [{ path: 'organisationId', message: 'is not one of the authorised organisations' }]);
  }
  const provider = grant.provider as ProviderId;
  const entry = catalogue[provider];
  const credentials = deps.secrets.openJson<Credentials>(grant.credentials, grantContext(grant.id));
  const warning = provider === 'approvalmax' ? await checkApprovalOrganisation(deps, actor.businessId, organisation) : undefined;

  let connection: ConnectionsTable;
  if (grant.purpose === 'reconnect') {
    const existing = await getConnection(deps.db, actor.businessId, grant.connection_id!);
    if (!existing || !['active', 'expired'].includes(existing.status)) throw notFound('That connection');
    if (existing.organisation_id !== organisation.id) {
      throw new ApiError(
        409,
        'different_organisation',
        `Reconnect must use the same organisation (${existing.organisation_name}), but you chose ${organisation.name}. To connect a different organisation, use Manage > Change connection.`,
        [{ path: 'organisationId', message: `is not ${existing.organisation_name}` }],
      );
    }
    await deps.db
      .updateTable('connections')
      .set({
        status: 'active',
        credentials: deps.secrets.sealJson(credentials, credentialsContext(existing.id)),
        authorised_at: now,
        expires_at: now + CONNECTION_LIFETIME_MS,
        expired_reason: null,
        organisation_name: organisation.name,
        updated_at: now,
      })
      .where('id', '=', existing.id)
      .execute();
    connection = (await getConnection(deps.db, actor.businessId, existing.id))!;
  } else {
    connection = await deps.db.transaction().execute(async (trx) => {
      if (grant.purpose === 'change') {
        const old = await trx.selectFrom('connections').selectAll().where('id', '=', grant.connection_id!).where('business_id', '=', actor.businessId).executeTakeFirst();
        if (!old || !['active', 'expired'].includes(old.status)) throw notFound('That connection');
        if (old.provider === provider && old.organisation_id === organisation.id) {
          throw new ApiError(409, 'same_organisation', `${organisation.name} is already the connected organisation. Use Reconnect to renew it.`);
        }
        // Kept read-only for the List Merge Tool; its credentials are no longer needed.
        await trx.updateTable('connections').set({ status: 'replaced', credentials: null, updated_at: now }).where('id', '=', old.id).execute();
      }
      const created = await insertConnection({ db: trx, secrets: deps.secrets, now: deps.clock.now }, {
        businessId: actor.businessId,
        provider,
        organisation,
        credentials,
        createdBy: actor.userId,
      });
      if (grant.purpose === 'change') {
        await trx.updateTable('connections').set({ replaced_by: created.id }).where('id', '=', grant.connection_id!).execute();
      }
      return created;
    });
  }
  await deps.db.deleteFrom('grants').where('id', '=', grant.id).execute();
  await audit(deps.db, {
    businessId: actor.businessId,
    userId: actor.userId,
    action: `connection.${grant.purpose}`,
    detail: { connectionId: connection.id, provider, organisation: organisation.name, replaced: grant.purpose === 'change' ? grant.connection_id : undefined, warning },
    at: now,
  });
  const jobId = await enqueueImport(deps, connection, { mode: grant.purpose === 'reconnect' ? 'refresh' : 'full', createdBy: actor.userId });
  if (grant.purpose === 'reconnect') await afterReconnect(deps, connection.id);
  await afterFinish(deps, connection.id);
  deps.logger.info({ connectionId: connection.id, provider, purpose: grant.purpose }, `${entry.name} connection finished`);
  return { connection, jobId };
}

/** Revoke where the provider can, wipe credentials, keep items and rules; lists as chosen. */
export async function disconnect(deps: AppDeps, actor: Actor, connectionId: string, options: { keepLists: boolean }): Promise<{ revoked: boolean }> {
  const connection = await getConnection(deps.db, actor.businessId, connectionId);
  if (!connection || connection.status === 'disconnected') throw notFound('That connection');
  const provider = connection.provider as ProviderId;
  let revoked = false;
  if (connection.credentials && catalogue[provider].capabilities.revoke) {
    try {
      const adapter = deps.providers.adapter(provider);
      if (adapter.revoke) {
        await adapter.revoke(deps.secrets.openJson<Credentials>(connection.credentials, credentialsContext(connection.id)), connection.organisation_id);
        revoked = true;
      }
    } catch (error) {
      // The user asked to disconnect: wipe our side regardless, and say the provider kept its grant.
      deps.logger.warn({ connectionId, reason: error instanceof Error ? error.message : String(error) }, 'revoke at provider failed');
    }
  }
  const now = deps.clock.now().getTime();
  await deps.db.updateTable('connections').set({ status: 'disconnected', credentials: null, updated_at: now }).where('id', '=', connection.id).execute();
  if (!options.keepLists) await deps.db.deleteFrom('list_entries').where('connection_id', '=', connection.id).execute();
  await audit(deps.db, { businessId: actor.businessId, userId: actor.userId, action: 'connection.disconnect', detail: { connectionId, provider, revoked, keepLists: options.keepLists }, at: now });
  return { revoked };
}
