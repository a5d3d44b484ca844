/**
 * A key provider's connection (KashFlow) started in the dashboard and finished on the provider's
 * own page: the dashboard says what is under way (business, connect/reconnect/change), the content
 * script captures the username and key with the user's consent, the background relays them to the
 * server and keeps only the server's verdict here (the grant id, never the key or the password).
 */
import type { ProviderId } from '../../shared/catalogue.js';
import type { GrantResponse, Purpose } from './api-types.js';

export interface KeyGuide {
  provider: ProviderId;
  businessId: string;
  businessName: string;
  purpose: Purpose;
  connectionId?: string;
  startedAt: number;
  stage: 'waiting' | 'verified' | 'refused';
  grant?: GrantResponse;
  message?: string;
  issues?: { path: string; message: string }[];
}

/** What a content script is told. No grant id: it has no use for it. */
export type KeyGuideView =
  | { active: false; reason: string }
  | {
      active: true;
      provider: ProviderId;
      businessName: string;
      purpose: Purpose;
      serverUrl: string;
      stage: KeyGuide['stage'];
      message?: string;
      issues?: { path: string; message: string }[];
      organisationName?: string;
    };

/** A guide left alone this long is over; starting again is one click. */
export const KEY_GUIDE_TTL_MS = 30 * 60 * 1000;

export function isLive(guide: KeyGuide | null, provider: ProviderId, now: number): guide is KeyGuide {
  return guide !== null && guide.provider === provider && now - guide.startedAt < KEY_GUIDE_TTL_MS;
}

export function viewOf(guide: KeyGuide, serverUrl: string): KeyGuideView {
  return {
    active: true,
    provider: guide.provider,
    businessName: guide.businessName,
    purpose: guide.purpose,
    serverUrl,
    stage: guide.stage,
    ...(guide.message ? { message: guide.message } : {}),
    ...(guide.issues ? { issues: guide.issues } : {}),
    ...(guide.grant?.organisations[0] ? { organisationName: guide.grant.organisations[0].name } : {}),
  };
}
