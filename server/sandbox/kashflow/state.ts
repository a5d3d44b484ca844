/**
 * Sandbox state: seeded accounts, web sessions, API sessions, faults and counters. All in
 * memory; `createState` with the same options always gives the same state.
 */
import type { Account, AccountSeed } from './model.js';
import { createRng, type Rng } from './rng.js';
import { buildAccount } from './seed.js';

export interface FaultRule {
  id: number;
  kind: 'rate_limit' | 'server_error' | 'slow' | 'timeout';
  /** Which emulated host: the REST API (default) or the SOAP endpoint. */
  host: 'api' | 'soap';
  method?: string;
  /** Path prefix on that host, e.g. `/v2/purchases`. */
  path?: string;
  /** Requests it still applies to; absent = until cleared. */
  remaining?: number;
  /** Chance per matching request (from the seeded random source); absent = always. */
  rate?: number;
  retryAfterSeconds?: number;
  status?: number;
  delayMs?: number;
  /** timeout: carry the request out, then hold the answer back (the "did it post?" case). */
  afterCommit?: boolean;
}

export interface Stats {
  requests: { app: number; api: number; soap: number };
  routes: Record<string, number>;
  faultsInjected: number;
  sessionsCreated: number;
  autoAuthRegistrations: number;
  refused: Record<string, number>;
}

export interface WebSession {
  username: string;
  expiresAt: number;
}

export interface TemporaryToken {
  username: string;
  positions: number[];
  expiresAt: number;
}

export interface ApiSession {
  username: string;
  lastUsedAt: number;
}

export interface SandboxState {
  accounts: Account[];
  webSessions: Map<string, WebSession>;
  temporaryTokens: Map<string, TemporaryToken>;
  apiSessions: Map<string, ApiSession>;
  faults: FaultRule[];
  nextFaultId: number;
  stats: Stats;
  rng: Rng;
}

export interface StateOptions {
  seed?: number | string;
  now?: () => Date;
  accounts?: AccountSeed[];
}

export function createState(options: StateOptions): SandboxState {
  const rng = createRng(options.seed ?? 'kashflow');
  const now = (options.now ?? (() => new Date()))();
  const seeds = options.accounts?.length ? options.accounts : [{}];
  return {
    accounts: seeds.map((seed, i) => buildAccount(seed, i, rng, now)),
    webSessions: new Map(),
    temporaryTokens: new Map(),
    apiSessions: new Map(),
    faults: [],
    nextFaultId: 1,
    stats: emptyStats(),
    rng,
  };
}

export function emptyStats(): Stats {
  return {
    requests: { app: 0, api: 0, soap: 0 },
    routes: {},
    faultsInjected: 0,
    sessionsCreated: 0,
    autoAuthRegistrations: 0,
    refused: {},
  };
}

export function findAccount(state: SandboxState, username: string): Account | undefined {
  const wanted = username.trim().toLowerCase();
  return state.accounts.find((a) => a.username.toLowerCase() === wanted);
}

export function countRefusal(state: SandboxState, reason: string): void {
  state.stats.refused[reason] = (state.stats.refused[reason] ?? 0) + 1;
}

/** `::ffff:127.0.0.1` (an IPv4 caller on a dual-stack socket) is listed as `127.0.0.1`. */
export function normaliseIp(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
}

export function ipAllowed(account: Account, ip: string): boolean {
  if (!account.api.AccessToSpecificIPAddressesOnly) return true;
  return account.api.allowedIps.some((e) => e.ip === ip);
}

/** Password per the API Settings "password mode": login password, or the separate API password. */
export function apiPasswordMatches(account: Account, password: string): boolean {
  if (account.api.UseSeparateSOAPAPIPassword) return account.api.Password !== '' && password === account.api.Password;
  return password === account.password;
}

/** Consecutive failed sign-ins (password or memorable word) before KashFlow locks the account. */
export const lockoutAfter = 5;

export function recordFailedLogin(account: Account): void {
  account.failedLogins += 1;
  if (account.failedLogins >= lockoutAfter) account.locked = true;
}
