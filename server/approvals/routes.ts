/** `POST /api/businesses/{businessId}/items/approvals/refresh`: read ApprovalMax's decisions now. */
import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from '../app.js';
import { ApiError } from '../errors.js';
import { bearerSecurity, createRouter, errorResponses } from '../http/router.js';
import { BusinessParams, memberOnly, sessionFor } from '../items/access.js';
import { ApprovalsRefreshResponse } from '../../shared/items.js';
import { getApprovalConnection } from './beside.js';
import { scheduleApprovals } from './refresh.js';

const refresh = createRoute({
  method: 'post',
  path: '/api/businesses/{businessId}/items/approvals/refresh',
  tags: ['Items'],
  security: bearerSecurity,
  summary: 'Read the approval state of published items from ApprovalMax now (any member); the item API shows it',
  request: { params: BusinessParams },
  responses: {
    202: { description: 'The refresh job (queued, or the one already waiting).', content: { 'application/json': { schema: ApprovalsRefreshResponse } } },
    ...errorResponses(400, 401, 404, 409),
  },
});

export function approvalRoutes(deps: AppDeps) {
  const router = createRouter();
  const path = '/api/businesses/:businessId/items/approvals/refresh';
  router.use(path, sessionFor(deps), memberOnly(deps));

  router.openapi(refresh, async (c) => {
    const { businessId } = c.req.valid('param');
    const approvals = await getApprovalConnection(deps.db, businessId);
    if (!approvals) {
      throw new ApiError(409, 'no_approval_connection', 'This business has no ApprovalMax connection: connect ApprovalMax beside Xero or QuickBooks Online to see approvals.');
    }
    if (approvals.status !== 'active') {
      throw new ApiError(409, 'reconnect_required', 'The ApprovalMax connection has expired: reconnect it to read approvals again.');
    }
    const jobId = await scheduleApprovals(deps, { id: approvals.connectionId, business_id: businessId }, 0);
    return c.json({ jobId, connectionId: approvals.connectionId }, 202);
  });

  return router;
}
