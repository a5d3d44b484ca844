/** What every part of the BILL sandbox shares: state, clock, settings. */
import type { OrganizationData, SandboxState } from './state.js';

export interface SandboxContext {
  state: SandboxState;
  /** The sandbox clock: the factory's clock plus any `/_control/time` advance. */
  now(): Date;
  sessionIdleMs: number;
  uploadProcessingMs: number;
  limitStatus: 400 | 429;
  /** Developer keys accepted for every organisation (the companion's, and any given for tests). */
  appKeys: readonly string[];
  reset(): void;
}

/** A key BILL accepts: the app's, or one generated on an organisation's Manage Developer Keys page. */
export function developerKeyValid(ctx: SandboxContext, key: string): boolean {
  if (!key) return false;
  if (ctx.appKeys.includes(key)) return true;
  for (const org of ctx.state.organizations.values()) if (org.developerKeys.some((k) => k.key === key)) return true;
  return false;
}

export function organization(ctx: SandboxContext, id: string): OrganizationData | undefined {
  return ctx.state.organizations.get(id);
}

export { sleep } from '../common/faults.js';
