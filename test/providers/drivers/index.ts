/** The drivers the shared suite runs, one per provider. */
import { freeagent } from './freeagent.js';
import { kashflow } from './kashflow.js';
import { quickbooksOnline } from './quickbooks-online.js';
import { sageAccounting } from './sage-accounting.js';
import type { Driver } from './types.js';
import { xero } from './xero.js';

export const ledgers: Driver[] = [xero, quickbooksOnline, sageAccounting, kashflow, freeagent];
