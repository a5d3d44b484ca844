/** The drivers the shared suite runs, one per provider. */
import { freeagent } from './freeagent.js';
import { kashflow } from './kashflow.js';
import { quickbooksOnline } from './quickbooks-online.js';
import { sageAccounting } from './sage-accounting.js';
import type { Driver, SecondaryDriver } from './types.js';
import { adapterFactories } from '../../../server/providers/index.js';
import { approvalmax } from './approvalmax.js';
import { billCom } from './bill-com.js';
import { xero } from './xero.js';

export const ledgers: Driver[] = [xero, quickbooksOnline, sageAccounting, kashflow, freeagent];

/**
 * Providers that work beside a ledger. Bill.com runs once its adapter is registered (its
 * engineer registers it in server/providers/index.ts; until then the companion cannot connect it).
 */
export const secondaries: SecondaryDriver[] = [approvalmax, ...(adapterFactories['bill-com'] ? [billCom] : [])];
