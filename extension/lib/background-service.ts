/**
 * Wires the background: every message in the protocol gets its handler from `handlers`, with the
 * real browser parts as dependencies. Called from the background entrypoint's `main()`.
 */
import { browser } from 'wxt/browser';
import { handlers, type BackgroundDeps } from './background-handlers.js';
import { onMessage, type ProtocolMap } from './messaging.js';
import { originPattern } from './server-url.js';
import { currentBusinessIdItem, serverUrlDraftItem, serverUrlItem, sessionItem } from './storage.js';

export function createBackgroundDeps(): BackgroundDeps {
  return {
    settings: {
      serverUrl: serverUrlItem,
      serverUrlDraft: serverUrlDraftItem,
      session: sessionItem,
      currentBusinessId: currentBusinessIdItem,
    },
    hasHostPermission: (serverUrl) => browser.permissions.contains({ origins: [originPattern(serverUrl)] }),
  };
}

/** Registers one listener per message type; returns a function that removes them all. */
export function registerBackgroundHandlers(deps: BackgroundDeps): () => void {
  const types = Object.keys(handlers) as (keyof ProtocolMap)[];
  const removers = types.map((type) => {
    // Each handler's own signature is checked by the `Handlers` type in background-handlers.ts;
    // here one loop registers them all.
    const handle = handlers[type] as (deps: BackgroundDeps, data: unknown) => Promise<never>;
    return onMessage(type, ({ data }) => handle(deps, data));
  });
  return () => removers.forEach((remove) => remove());
}
