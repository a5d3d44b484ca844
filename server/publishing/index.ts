/**
 * Publishing's entry points for the rest of the server: register the job handler (runtime.ts),
 * mount the routes of items, rules and settings (app.ts), and release held items after a
 * reconnect (the connection lifecycle's hook).
 */
import type { AppDeps } from '../app.js';
import { onReconnect } from '../connections/hooks.js';
import { itemRoutes } from '../items/routes.js';
import { ruleRoutes } from '../rules/routes.js';
import { settingsRoutes } from '../settings/routes.js';
import { createRouter } from '../http/router.js';
import { Publisher, publishJobHandler, type PublishingHooks } from './drain.js';
import { requeueAfterReconnect } from './outbox.js';
import { approvalRoutes, registerApprovals } from '../approvals/index.js';

export { requeueAfterReconnect } from './outbox.js';

const publishers = new WeakMap<AppDeps, Publisher>();
let hookedReconnect = false;

export function registerPublishing(deps: AppDeps): void {
  const publisher = new Publisher();
  publishers.set(deps, publisher);
  deps.jobs.register(publishJobHandler(deps, publisher));
  // ApprovalMax beside the ledger: reading its decisions on what was published (issue 7).
  registerApprovals(deps);
  // The lifecycle's hook list is process-wide; the hook takes the deps it is called with.
  if (!hookedReconnect) {
    hookedReconnect = true;
    onReconnect(async (d, connectionId) => void (await requeueAfterReconnect(d, connectionId)));
  }
}

/** Test hooks of this server's publisher (e.g. to stop between the provider's answer and its record). */
export function publishingHooks(deps: AppDeps): PublishingHooks {
  const publisher = publishers.get(deps);
  if (!publisher) throw new Error('publishing is not registered on these deps');
  return publisher.hooks;
}

/** Items, rules and publishing settings under /api/businesses/{businessId}/. */
export function publishingRoutes(deps: AppDeps) {
  const router = createRouter();
  router.route('/', itemRoutes(deps));
  router.route('/', ruleRoutes(deps));
  router.route('/', settingsRoutes(deps));
  router.route('/', approvalRoutes(deps));
  return router;
}
