/**
 * Messages from the background to a key guide's content script (the other direction of
 * messaging.ts). They reach only the top frame of the one tab the password frame sits in
 * (`tabs.sendMessage` with frameId 0), and a web page cannot send them: only the extension can
 * message a content script.
 *
 * Why the detour: the password is typed into the extension's own page in an iframe, so the
 * provider's page never sees a key press; the values read from the page (username, key, IDs) stay
 * in the content script until the user sends. The background brings the two together.
 */
import { defineExtensionMessaging } from '@webext-core/messaging';
import type { ProviderId } from '../../shared/catalogue.js';
import type { Capture } from './guide/key-site.js';
import type { KeyGuideView } from './key-guide.js';

export interface GuidePageState {
  /** Every step before Send is done. */
  ready: boolean;
  /** What Bookbridge will read from the page, in words (never a secret). */
  summary: string;
}

export interface GuidePageProtocol {
  /**
   * What the page shows now (asked while the password frame is open; also its heartbeat). The
   * frame's height comes along: the frame never talks to the page itself (a `postMessage` to the
   * page would hand the page's scripts a handle on the frame's window).
   */
  describeGuidePage(data: { provider: ProviderId; height?: number }): GuidePageState;
  /** The values read from the page, at the moment the user sends. */
  captureGuidePage(data: { provider: ProviderId }): Capture;
  /** The server's verdict on what was sent. */
  guideVerdict(data: KeyGuideView): void;
}

export const guidePage = defineExtensionMessaging<GuidePageProtocol>();
