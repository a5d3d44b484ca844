/**
 * ApprovalMax beside the ledger (issue 7), for the rest of the server: the approvals refresh job
 * (registered on `deps.jobs`), its on-demand route, and what Finish of an ApprovalMax connection
 * starts: the first run, and items brought up to date with the status they will be published in.
 */
import type { AppDeps } from '../app.js';
import { onFinish } from '../connections/hooks.js';
import { refreshItemsFor } from '../items/evaluate.js';
import { approvalsJobHandler, scheduleApprovals } from './refresh.js';

export { approvalRoutes } from './routes.js';
export { APPROVALS_JOB } from './refresh.js';

let hookedFinish = false;

export function registerApprovals(deps: AppDeps): void {
  deps.jobs.register(approvalsJobHandler(deps));
  // The lifecycle's hook list is process-wide; the hook takes the deps it is called with.
  if (!hookedFinish) {
    hookedFinish = true;
    onFinish(async (d, connectionId) => {
      const connection = await d.db.selectFrom('connections').select(['id', 'business_id', 'provider']).where('id', '=', connectionId).executeTakeFirst();
      if (connection?.provider !== 'approvalmax') return;
      // Items not yet published show the status they will now be published in.
      await refreshItemsFor(d, connection.business_id);
      await scheduleApprovals(d, connection, 0);
    });
  }
}
