/**
 * API contract of items, supplier/customer rules, publishing settings and publishing (issue 5).
 * The extension sends these same shapes. Amounts are decimal strings ("12.50"), never numbers:
 * a binary float cannot hold 0.10 exactly, and a bookkeeper notices a penny.
 */
import { z } from 'zod';
import { itemTypes } from './catalogue.js';

export const ItemTypeSchema = z.enum(itemTypes, { error: `must be one of ${itemTypes.join(', ')}` });

const decimal = (places: number, label: string) =>
  z
    .string({ error: (i) => (i.input === undefined ? 'is required' : `must be a decimal string such as "${label}" (not a number)`) })
    .trim()
    .regex(new RegExp(`^-?\\d{1,13}(\\.\\d{1,${places}})?$`), `must be a decimal with at most ${places} decimal places, such as "${label}"`);

/** Money: up to 2 decimal places. */
export const Money = decimal(2, '12.50');
/** Quantities and unit amounts: up to 4 decimal places (Xero's unitdp=4). */
export const Quantity = decimal(4, '1.5');
export const Rate = decimal(10, '1.0825');

export const IsoDate = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a date such as 2026-05-31') })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-05-31')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real date');

export const Currency = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a currency code such as GBP') })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter currency code such as GBP');

export const taxModes = ['exclusive', 'inclusive', 'no_tax'] as const;
export type TaxMode = (typeof taxModes)[number];
export const TaxModeSchema = z.enum(taxModes, { error: 'must be exclusive, inclusive or no_tax' });

/**
 * A reference to an entry of the ledger's lists: its id in the ledger, its code, or its name.
 * The server resolves it against the connection's imported lists and stores the id.
 */
const ListRef = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters');

/** Files Bookbridge accepts with an item: PDF or an image, at most 10 MB. */
export const attachmentTypes = ['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export const FileInput = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  contentType: z.enum(attachmentTypes, { error: 'must be a PDF or an image (PNG, JPEG, GIF, WebP)' }),
  /** The file's bytes in base64. */
  data: z
    .string({ error: 'is required' })
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
    .refine((s) => Math.floor((s.length * 3) / 4) - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0) <= MAX_ATTACHMENT_BYTES, 'is larger than 10 MB'),
});

export const LineInput = z.strictObject({
  description: z.string().trim().max(4000, 'must be at most 4000 characters').optional(),
  /** The line's amount in the item's tax mode (net when exclusive, gross when inclusive). */
  amount: Money,
  quantity: Quantity.optional(),
  /** Unit price; default amount ÷ quantity. */
  unitAmount: Quantity.optional(),
  taxAmount: Money.optional(),
  category: ListRef.optional(),
  taxRate: ListRef.optional(),
  project: ListRef.optional(),
});
export type LineInput = z.infer<typeof LineInput>;

export const itemSources = ['api', 'csv', 'extension', 'dashboard'] as const;

export const ItemInput = z.strictObject({
  type: ItemTypeSchema,
  /** Supplier (costs, expense claims, purchase credits) or customer (sales): name, code or ledger id. */
  contact: z.string({ error: 'is required' }).trim().min(1, 'is required').max(255, 'must be at most 255 characters'),
  date: IsoDate,
  dueDate: IsoDate.optional(),
  /** The document's number: the supplier's invoice number for costs, yours for sales. Checked for duplicates. */
  number: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters').optional(),
  reference: z.string().trim().max(255, 'must be at most 255 characters').optional(),
  currency: Currency,
  currencyRate: Rate.optional(),
  taxMode: TaxModeSchema.default('exclusive'),
  lines: z.array(LineInput).min(1, 'must have at least one line').max(500, 'must have at most 500 lines'),
  total: Money,
  totalTax: Money.optional(),
  paid: z.boolean({ error: 'must be true or false' }).optional(),
  paymentDate: IsoDate.optional(),
  /** The bank account it was paid from (or into). */
  paymentAccount: ListRef.optional(),
  destination: z.string().trim().min(1).max(64).optional(),
  status: z.string().trim().min(1).max(64).optional(),
  description: z.string().trim().max(4000, 'must be at most 4000 characters').optional(),
  file: FileInput.optional(),
  source: z.enum(itemSources).default('api'),
});
export type ItemInput = z.input<typeof ItemInput>;

const nullable = <T extends z.ZodType>(s: T) => s.nullable().optional();

/**
 * A manual edit. A field set to null hands it back to the supplier rule or the default.
 * `lines`, when given, replaces every line (then `total` must still add up).
 */
export const ItemPatch = z
  .strictObject({
    contact: z.string().trim().min(1, 'must not be empty').max(255).optional(),
    date: IsoDate.optional(),
    dueDate: nullable(IsoDate),
    number: nullable(z.string().trim().min(1, 'must not be empty').max(255)),
    reference: nullable(z.string().trim().max(255)),
    currency: Currency.optional(),
    currencyRate: nullable(Rate),
    taxMode: TaxModeSchema.optional(),
    lines: z
      .array(
        LineInput.extend({
          category: nullable(ListRef),
          taxRate: nullable(ListRef),
          project: nullable(ListRef),
        }),
      )
      .min(1, 'must have at least one line')
      .max(500)
      .optional(),
    total: Money.optional(),
    totalTax: nullable(Money),
    paid: nullable(z.boolean({ error: 'must be true or false' })),
    paymentDate: nullable(IsoDate),
    paymentAccount: nullable(ListRef),
    destination: nullable(z.string().trim().min(1).max(64)),
    status: nullable(z.string().trim().min(1).max(64)),
    description: nullable(z.string().trim().max(4000)),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field' });
export type ItemPatch = z.infer<typeof ItemPatch>;

/**
 * Who set a field: given when the item was submitted, a manual edit, a supplier rule, a default,
 * or a connection beside the ledger (ApprovalMax sets the status its bills are picked up in;
 * `sourceNotes` names it).
 */
export const fieldSources = ['submitted', 'manual', 'rule', 'default', 'connection'] as const;
export type FieldSource = (typeof fieldSources)[number];

export const itemStates = ['needs_attention', 'ready', 'queued', 'publishing', 'published', 'failed', 'waiting_for_reconnect'] as const;
export type ItemState = (typeof itemStates)[number];
export const itemStateLabels: Record<ItemState, string> = {
  needs_attention: 'Needs attention',
  ready: 'Ready to publish',
  queued: 'Queued for publishing',
  publishing: 'Publishing',
  published: 'Published',
  failed: 'Publishing failed',
  waiting_for_reconnect: 'Waiting for reconnect',
};

export const attachmentStates = ['none', 'pending', 'uploaded', 'failed', 'unsupported'] as const;

export const CheckIssue = z.object({ path: z.string(), code: z.string(), message: z.string() });
export type CheckIssue = z.infer<typeof CheckIssue>;

export const PublishError = z.object({
  code: z.string(),
  /** In words a bookkeeper understands: what happened and what to do. */
  message: z.string(),
  /** The provider's own words, kept for support. */
  providerMessage: z.string().nullable(),
  at: z.string(),
});
export type PublishError = z.infer<typeof PublishError>;

/** Issue 7: what ApprovalMax says of a published item, read back by the approvals refresh. */
export const approvalStates = ['awaiting_approval', 'approved', 'rejected', 'not_found'] as const;
export type ApprovalState = (typeof approvalStates)[number];
export const approvalStateLabels: Record<ApprovalState, string> = {
  awaiting_approval: 'Awaiting approval',
  approved: 'Approved',
  rejected: 'Rejected',
  not_found: 'Not in ApprovalMax yet',
};

export const ItemApproval = z.object({
  /** The approval connection's provider, e.g. `approvalmax`, and its name. */
  provider: z.string(),
  providerName: z.string(),
  state: z.enum(approvalStates),
  /** The provider's own word (onApproval, onHold, cancelled...). */
  requestStatus: z.string().nullable(),
  /** The approver as ApprovalMax names them (its user id where it gives no name). */
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  comment: z.string().nullable(),
  /** When Bookbridge last asked. */
  checkedAt: z.string(),
});
export type ItemApproval = z.infer<typeof ItemApproval>;

/** `POST .../items/approvals/refresh`: the job reading ApprovalMax's decisions (watch it under /jobs/{jobId}). */
export const ApprovalsRefreshResponse = z.object({ jobId: z.string(), connectionId: z.string() });

const ListRefView = z.object({ externalId: z.string(), name: z.string().nullable(), code: z.string().nullable() }).nullable();

export const LineView = z.object({
  description: z.string().nullable(),
  amount: z.string(),
  quantity: z.string(),
  unitAmount: z.string(),
  taxAmount: z.string().nullable(),
  category: ListRefView,
  taxRate: ListRefView,
  project: ListRefView,
});

export const Item = z.object({
  id: z.string(),
  type: ItemTypeSchema,
  state: z.enum(itemStates),
  source: z.enum(itemSources),
  contact: z.object({ name: z.string(), externalId: z.string().nullable() }),
  date: z.string(),
  dueDate: z.string().nullable(),
  number: z.string().nullable(),
  reference: z.string().nullable(),
  currency: z.string(),
  currencyRate: z.string().nullable(),
  taxMode: TaxModeSchema,
  lines: z.array(LineView),
  total: z.string(),
  totalTax: z.string().nullable(),
  paid: z.boolean(),
  paymentDate: z.string().nullable(),
  paymentAccount: ListRefView,
  destination: z.string().nullable(),
  status: z.string().nullable(),
  description: z.string().nullable(),
  file: z.object({ name: z.string(), contentType: z.string(), size: z.number() }).nullable(),
  submittedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** Who set what: field path (e.g. `lines.0.category`) → submitted | manual | rule | default. */
  sources: z.record(z.string(), z.enum(fieldSources)),
  /** Plain words beside a source that needs them, e.g. `status: "set by ApprovalMax connection"`. */
  sourceNotes: z.record(z.string(), z.string()),
  /** The pre-publish check against the connection's current lists: empty when it passes. */
  issues: z.array(CheckIssue),
  autoPublish: z.boolean(),
  error: PublishError.nullable(),
  publish: z.object({
    idempotencyKey: z.string(),
    connectionId: z.string().nullable(),
    documentId: z.string().nullable(),
    url: z.string().nullable(),
    paymentId: z.string().nullable(),
    publishedAt: z.string().nullable(),
    attachment: z.enum(attachmentStates),
    attachmentError: z.string().nullable(),
    attempts: z.number(),
  }),
  /** The approval state from ApprovalMax, once published beside an ApprovalMax connection; else null. */
  approval: ItemApproval.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Item = z.infer<typeof Item>;

export const ItemListQuery = z.object({
  state: z.enum(itemStates, { error: `must be one of ${itemStates.join(', ')}` }).optional(),
  type: ItemTypeSchema.optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
  /** Items created before this one (the previous page's `nextCursor`). */
  cursor: z.string().max(100).optional(),
});
export const ItemListResponse = z.object({
  items: z.array(Item),
  counts: z.record(z.enum(itemStates), z.number()),
  nextCursor: z.string().nullable(),
});

export const CsvImportRequest = z.strictObject({
  csv: z.string({ error: 'is required' }).min(1, 'is empty').max(5 * 1024 * 1024, 'must be at most 5 MB'),
  /** Check every row and report, without creating anything. */
  dryRun: z.boolean().default(false),
});
export const CsvRowError = z.object({ row: z.number(), field: z.string(), message: z.string() });
export type CsvRowError = z.infer<typeof CsvRowError>;
export const CsvImportResponse = z.object({
  created: z.array(z.object({ row: z.number(), itemId: z.string().nullable() })),
  errors: z.array(CsvRowError),
  dryRun: z.boolean(),
});

// --- rules ---------------------------------------------------------------------------------

export const RuleInput = z.strictObject({
  /** The supplier or customer: its ledger id, code or name (resolved against the connection's contacts). */
  contact: z.string({ error: 'is required' }).trim().min(1, 'is required').max(255),
  category: nullable(ListRef),
  taxRate: nullable(ListRef),
  project: nullable(ListRef),
  paymentAccount: nullable(ListRef),
  paid: nullable(z.boolean({ error: 'must be true or false' })),
  destination: nullable(z.string().trim().min(1).max(64)),
  description: nullable(z.string().trim().max(4000)),
  autoPublish: z.boolean({ error: 'must be true or false' }).default(false),
});
export type RuleInput = z.input<typeof RuleInput>;

export const RuleFlag = z.object({ field: z.string(), reason: z.enum(['archived', 'missing', 'other_connection']), message: z.string() });

export const Rule = z.object({
  id: z.string(),
  connectionId: z.string(),
  contact: ListRefView,
  category: ListRefView,
  taxRate: ListRefView,
  project: ListRefView,
  paymentAccount: ListRefView,
  paid: z.boolean().nullable(),
  destination: z.string().nullable(),
  description: z.string().nullable(),
  autoPublish: z.boolean(),
  /** References that no longer point at an active list entry (archived or gone after a refresh). */
  flagged: z.array(RuleFlag),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Rule = z.infer<typeof Rule>;
export const RuleListResponse = z.object({ rules: z.array(Rule) });

// --- publishing settings -------------------------------------------------------------------

export const taxHandlings = ['category_default', 'fixed', 'none'] as const;
export const taxHandlingLabels: Record<(typeof taxHandlings)[number], string> = {
  category_default: "Use each category's default tax rate",
  fixed: 'Use the tax rates chosen here',
  none: 'Leave tax to supplier rules and manual edits',
};

const PerType = <T extends z.ZodType>(s: T) =>
  z.strictObject({ cost: s, sales: s, expense_claim: s, purchase_credit_note: s, sales_credit_note: s });

export const PublishingSettings = z.strictObject({
  /** Default destination per item type (ids from the provider's catalogue entry; null: the provider has none). */
  destinations: PerType(z.string().min(1).max(64).nullable()),
  /** Default status per item type, where the destination has statuses. */
  statuses: PerType(z.string().min(1).max(64).nullable()),
  tax: z.strictObject({
    handling: z.enum(taxHandlings, { error: `must be one of ${taxHandlings.join(', ')}` }),
    /** With `fixed`: the tax rate for cost items and for sales items (ledger id, code or name). */
    costRate: nullable(ListRef),
    salesRate: nullable(ListRef),
  }),
  bankMatch: z.boolean({ error: 'must be true or false' }),
  autoPublish: z.boolean({ error: 'must be true or false' }),
});
export type PublishingSettings = z.infer<typeof PublishingSettings>;

const DestinationChoice = z.object({ id: z.string(), label: z.string(), statuses: z.array(z.string()), paidOnly: z.boolean() });

export const PublishingSettingsView = z.object({
  connectionId: z.string(),
  provider: z.string(),
  providerName: z.string(),
  settings: PublishingSettings,
  choices: z.object({
    destinations: PerType(z.array(DestinationChoice)),
    bankMatch: z.object({ available: z.boolean(), reason: z.string().nullable() }),
    taxHandling: z.array(z.object({ id: z.enum(taxHandlings), label: z.string() })),
    taxRates: z.array(z.object({ externalId: z.string(), code: z.string().nullable(), name: z.string(), rate: z.string().nullable() })),
  }),
  updatedAt: z.string().nullable(),
});
export type PublishingSettingsView = z.infer<typeof PublishingSettingsView>;
