/** The adapters this server has, by provider. Add a provider's factory here when it exists. */
import type { ProviderId } from '../../shared/catalogue.js';
import type { AdapterFactory } from './registry.js';
import { createKashflowAdapter } from './kashflow/index.js';
import { createXeroAdapter } from './xero/index.js';
import { createQuickbooksOnlineAdapter } from './quickbooks-online/index.js';
import { createSageAccountingAdapter } from './sage-accounting/index.js';
import { createFreeagentAdapter } from './freeagent/index.js';
import { createApprovalmaxAdapter } from './approvalmax/index.js';
import { createBillComAdapter } from './bill-com/index.js';

export const adapterFactories: Partial<Record<ProviderId, AdapterFactory>> = {
  kashflow: createKashflowAdapter,
  xero: createXeroAdapter,
  'quickbooks-online': createQuickbooksOnlineAdapter,
  'sage-accounting': createSageAccountingAdapter,
  freeagent: (ctx) => createFreeagentAdapter(ctx),
  approvalmax: createApprovalmaxAdapter,
  // Its second argument is for tests (client tuning); the registry passes the context only.
  'bill-com': (ctx) => createBillComAdapter(ctx),
};
