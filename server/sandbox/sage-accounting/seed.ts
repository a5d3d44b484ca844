/**
 * Seed data for the Sage Accounting sandbox: UK businesses on the three tiers (Accounting Start,
 * Standard, Plus) with Sage's UK default chart of accounts (nominal codes), the GB_* VAT rates,
 * suppliers and customers, products and services, bank accounts and analysis types. Everything
 * is derived from the seed, so ids are the same on every run; `generateBusiness` can also make big
 * businesses (tens of thousands of contacts) for paging tests and benchmarks.
 */
import { createRandom, deriveSeed, type Random } from './random.js';

/** Sage's subscription tiers (sage-accounting.md §0/§1; ids are an emulator choice). */
export type Tier = 'START' | 'STANDARD' | 'PLUS';
export const tierNames: Record<Tier, string> = { START: 'Accounting Start', STANDARD: 'Accounting Standard', PLUS: 'Accounting Plus' };

/** Role areas a user's access is set per (sage-accounting.md §0). */
export const areas = ['Sales', 'Purchases', 'Contacts', 'Bank', 'Settings'] as const;
export type Area = (typeof areas)[number];
export type Access = 'full' | 'restricted' | 'read_only' | 'none';

/** Unix ms when the seeded records were made. */
export const SEEDED_AT = Date.UTC(2026, 0, 5, 9, 0, 0);

interface Stamped {
  id: string;
  created_at: number;
  updated_at: number;
  /** Set when deleted; deleted records only come back through `deleted_since`. */
  deleted_at?: number;
}

export interface LedgerAccountRecord extends Stamped {
  nominal_code: number;
  name: string;
  display_name: string;
  ledger_account_type_id: string;
  tax_rate_id?: string;
  included_in_chart: boolean;
  is_control_account: boolean;
  visible_in: string[];
}

export interface TaxRateRecord extends Stamped {
  name: string;
  percentage: number;
  is_visible: boolean;
  /** zero/exempt/no_tax rates need no tax_amount on a line (swagger, invoice_lines.tax_amount). */
  zero: boolean;
}

export interface ContactRecord extends Stamped {
  name: string;
  reference: string;
  contact_types: ('VENDOR' | 'CUSTOMER')[];
  email?: string;
  tax_number?: string;
  currency_id: string;
  default_purchase_ledger_account_id?: string;
  default_sales_ledger_account_id?: string;
  default_sales_tax_rate_id?: string;
  credit_days?: number;
  address_line_1?: string;
  city?: string;
  postal_code?: string;
  system: boolean;
}

export interface CatalogItemRecord extends Stamped {
  kind: 'product' | 'service';
  item_code: string;
  description: string;
  sales_ledger_account_id: string;
  purchase_ledger_account_id: string;
  sales_tax_rate_id: string;
  purchase_tax_rate_id: string;
  cost_price: number;
  sales_price: number;
  active: boolean;
}

export interface BankAccountRecord extends Stamped {
  account_name: string;
  account_number?: string;
  sort_code?: string;
  bank_account_type_id: 'CHECKING' | 'SAVINGS' | 'CREDIT_CARD' | 'CASH_IN_HAND';
  ledger_account_id: string;
  nominal_code: number;
  balance: number;
  currency_id: string;
}

export interface AnalysisCategoryRecord extends Stamped {
  code: string;
  name: string;
  active: boolean;
}

export interface AnalysisTypeRecord extends Stamped {
  name: string;
  /** 1 = transaction level (lines), 2 = group level (sage-accounting.md §2). */
  level: 1 | 2;
  active_areas: string[];
  categories: AnalysisCategoryRecord[];
}

export interface BusinessData {
  id: string;
  name: string;
  tier: Tier;
  /** false: trial ended or cancelled; every call answers 401 "No active subscription". */
  subscriptionActive: boolean;
  country: 'GB' | 'IE';
  baseCurrency: string;
  currencies: string[];
  address_line_1: string;
  city: string;
  postal_code: string;
  ledgerAccounts: LedgerAccountRecord[];
  taxRates: TaxRateRecord[];
  contacts: ContactRecord[];
  items: CatalogItemRecord[];
  bankAccounts: BankAccountRecord[];
  analysisTypes: AnalysisTypeRecord[];
}

// --- chart of accounts (Sage UK default chart, abridged) ------------------------------------

const salesVisible = ['sales', 'other_receipts', 'journals', 'reporting'];
const costVisible = ['expenses', 'other_payments', 'journals', 'reporting'];

const chart: Array<[number, string, string, string[], string?]> = [
  [30, 'Office Equipment and IT', 'FIXED_ASSETS', costVisible, 'GB_STANDARD'],
  [40, 'Furniture and Fixtures', 'FIXED_ASSETS', costVisible, 'GB_STANDARD'],
  [50, 'Motor Vehicles', 'FIXED_ASSETS', costVisible, 'GB_STANDARD'],
  [1100, 'Trade Debtors', 'CURRENT_ASSETS', ['journals', 'reporting']],
  [1200, 'Current', 'BANK', ['banking', 'journals', 'reporting']],
  [1210, 'Business Savings', 'BANK', ['banking', 'journals', 'reporting']],
  [1230, 'Petty Cash', 'BANK', ['banking', 'journals', 'reporting']],
  [1240, 'Company Credit Card', 'BANK', ['banking', 'journals', 'reporting']],
  [2100, 'Trade Creditors', 'CURRENT_LIABILITY', ['journals', 'reporting']],
  [2200, 'Sales Tax Control Account', 'CURRENT_LIABILITY', ['journals', 'reporting']],
  [2201, 'Purchase Tax Control Account', 'CURRENT_LIABILITY', ['journals', 'reporting']],
  [3000, 'Capital introduced', 'EQUITY', ['journals', 'reporting']],
  [4000, 'Sales Type A', 'SALES', salesVisible, 'GB_STANDARD'],
  [4001, 'Sales Type B', 'SALES', salesVisible, 'GB_STANDARD'],
  [4002, 'Sales Type C', 'SALES', salesVisible, 'GB_ZERO'],
  [4900, 'Miscellaneous Income', 'OTHER_INCOME', salesVisible, 'GB_EXEMPT'],
  [4905, 'Distribution and Carriage', 'SALES', salesVisible, 'GB_STANDARD'],
  [5000, 'Cost of sales - goods', 'DIRECT_EXPENSES', costVisible, 'GB_STANDARD'],
  [5001, 'Cost of sales - materials', 'DIRECT_EXPENSES', costVisible, 'GB_STANDARD'],
  [5100, 'Carriage', 'DIRECT_EXPENSES', costVisible, 'GB_STANDARD'],
  [7100, 'Rent', 'OVERHEADS', costVisible, 'GB_EXEMPT'],
  [7103, 'General Rates', 'OVERHEADS', costVisible, 'GB_NO_TAX'],
  [7200, 'Electricity', 'OVERHEADS', costVisible, 'GB_REDUCED'],
  [7201, 'Gas', 'OVERHEADS', costVisible, 'GB_REDUCED'],
  [7300, 'Car Fuel & Oil', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7400, 'Travelling', 'OVERHEADS', costVisible, 'GB_ZERO'],
  [7401, 'Car Hire', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7402, 'Hotels', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7501, 'Postage and Carriage', 'OVERHEADS', costVisible, 'GB_ZERO'],
  [7502, 'Telephone and Internet', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7504, 'Office Stationery', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7505, 'Books etc.', 'OVERHEADS', costVisible, 'GB_ZERO'],
  [7600, 'Legal Fees', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7601, 'Audit and Accountancy Fees', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7800, 'Repairs and Renewals', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [7900, 'Bank Interest Paid', 'OVERHEADS', costVisible, 'GB_EXEMPT'],
  [7901, 'Bank Charges', 'OVERHEADS', costVisible, 'GB_EXEMPT'],
  [8200, 'Subsistence', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [8201, 'Subscriptions', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [8204, 'Insurance', 'OVERHEADS', costVisible, 'GB_EXEMPT'],
  [8205, 'Refreshments', 'OVERHEADS', costVisible, 'GB_STANDARD'],
  [8300, 'Software', 'OVERHEADS', costVisible, 'GB_STANDARD'],
];

const controlCodes = new Set([1100, 2100, 2200, 2201]);

const taxRates: Array<[string, string, number, boolean]> = [
  ['GB_STANDARD', 'Standard 20.00%', 20, false],
  ['GB_REDUCED', 'Reduced 5.00%', 5, false],
  ['GB_ZERO', 'Zero 0.00%', 0, true],
  ['GB_EXEMPT', 'Exempt 0.00%', 0, true],
  ['GB_NO_TAX', 'No VAT', 0, true],
];

const suppliers: Array<[string, string, number, string]> = [
  ['Northern Power Ltd', 'NOR001', 7200, 'accounts@northernpower.example.co.uk'],
  ['Pennine Stationery', 'PEN001', 7504, 'sales@penninestationery.example.co.uk'],
  ['BT Business', 'BTB001', 7502, 'billing@btbusiness.example.co.uk'],
  ['Green Fleet Fuels', 'GRE001', 7300, 'fuelcards@greenfleet.example.co.uk'],
  ['Carter & Webb Accountants', 'CAR001', 7601, 'office@carterwebb.example.co.uk'],
  ['Harbour Property Management', 'HAR001', 7100, 'rent@harbourpm.example.co.uk'],
  ['Swift Couriers', 'SWI001', 7501, 'invoices@swiftcouriers.example.co.uk'],
  ['Oakwood Timber Supplies', 'OAK001', 5001, 'orders@oakwoodtimber.example.co.uk'],
  ['Premier Inn Hotels', 'PRE001', 7402, 'business@premierinn.example.co.uk'],
  ['Aviva Insurance', 'AVI001', 8204, 'commercial@aviva.example.co.uk'],
];

const customers: Array<[string, string, string]> = [
  ['Aldridge Interiors Ltd', 'ALD001', 'finance@aldridgeinteriors.example.co.uk'],
  ['Blackwood Hotels', 'BLA001', 'ap@blackwoodhotels.example.co.uk'],
  ['Crane & Sons Builders', 'CRA001', 'accounts@cranesons.example.co.uk'],
  ['Dawson Design Studio', 'DAW001', 'hello@dawsondesign.example.co.uk'],
  ['Elm Tree Nursery', 'ELM001', 'office@elmtreenursery.example.co.uk'],
];

const towns = ['Leeds', 'York', 'Harrogate', 'Bradford', 'Halifax', 'Wakefield', 'Huddersfield', 'Sheffield', 'Manchester', 'Hull'];
const nameParts = {
  first: ['Ashby', 'Barlow', 'Calder', 'Denby', 'Eccles', 'Fenwick', 'Garside', 'Hebden', 'Ilkley', 'Jessop', 'Kirkby', 'Lister', 'Marsden', 'Norbury', 'Ormsby', 'Pickles'],
  second: ['Joinery', 'Catering', 'Electrical', 'Plumbing', 'Print', 'Logistics', 'Landscapes', 'Glazing', 'Textiles', 'Motors', 'Bakery', 'Consulting'],
  suffix: ['Ltd', 'Ltd', 'LLP', '& Co', 'Limited', ''],
};

export interface BusinessSpec {
  name: string;
  tier: Tier;
  /** Contacts in all, suppliers and customers above included (default 20). */
  contacts?: number;
  city?: string;
}

/** One UK business, deterministic from the seed and its name. */
export function generateBusiness(seed: number, spec: BusinessSpec): BusinessData {
  const rnd: Random = createRandom(deriveSeed(seed, `business:${spec.name}`));
  const stamp = () => ({ id: rnd.id(), created_at: SEEDED_AT, updated_at: SEEDED_AT });

  const ledgerAccounts: LedgerAccountRecord[] = chart.map(([code, name, type, visible, taxRate]) => ({
    ...stamp(),
    nominal_code: code,
    name,
    display_name: name,
    ledger_account_type_id: type,
    tax_rate_id: taxRate,
    included_in_chart: true,
    is_control_account: controlCodes.has(code),
    visible_in: visible,
  }));
  const byCode = new Map(ledgerAccounts.map((a) => [a.nominal_code, a]));
  const accountId = (code: number) => (byCode.get(code) as LedgerAccountRecord).id;

  const rates: TaxRateRecord[] = taxRates.map(([id, name, percentage, zero]) => ({
    id,
    created_at: SEEDED_AT,
    updated_at: SEEDED_AT,
    name,
    percentage,
    is_visible: true,
    zero,
  }));

  const contacts: ContactRecord[] = [];
  const address = () => ({
    address_line_1: `${1 + rnd.int(180)} ${rnd.pick(['Station Road', 'High Street', 'Mill Lane', 'Church Street', 'Victoria Road', 'Park Avenue'])}`,
    city: rnd.pick(towns),
    postal_code: `${rnd.pick(['LS', 'YO', 'HG', 'BD', 'HX', 'WF', 'HD'])}${1 + rnd.int(20)} ${1 + rnd.int(9)}${rnd.pick(['AB', 'DE', 'FG', 'HJ', 'NP', 'QR', 'TW'])}`,
  });
  for (const [name, reference, nominal, email] of suppliers) {
    contacts.push({
      ...stamp(),
      name,
      reference,
      contact_types: ['VENDOR'],
      email,
      tax_number: `GB${100000000 + rnd.int(899999999)}`,
      currency_id: 'GBP',
      default_purchase_ledger_account_id: accountId(nominal),
      credit_days: 30,
      system: false,
      ...address(),
    });
  }
  for (const [name, reference, email] of customers) {
    contacts.push({
      ...stamp(),
      name,
      reference,
      contact_types: ['CUSTOMER'],
      email,
      currency_id: 'GBP',
      default_sales_ledger_account_id: accountId(4000),
      default_sales_tax_rate_id: 'GB_STANDARD',
      credit_days: 14,
      system: false,
      ...address(),
    });
  }
  const wanted = spec.contacts ?? 20;
  const used = new Set(contacts.map((c) => c.name));
  for (let i = contacts.length; i < wanted; i++) {
    let name = '';
    for (let tries = 0; tries < 5 && (!name || used.has(name)); tries++) {
      name = `${rnd.pick(nameParts.first)} ${rnd.pick(nameParts.second)} ${rnd.pick(nameParts.suffix)}`.trim();
    }
    if (used.has(name)) name = `${name} ${i}`;
    used.add(name);
    const supplier = rnd.next() < 0.6;
    const both = rnd.next() < 0.1;
    contacts.push({
      ...stamp(),
      name,
      reference: `${name.replace(/[^A-Z]/gi, '').slice(0, 3).toUpperCase()}${String(i).padStart(3, '0')}`.slice(0, 10),
      contact_types: both ? ['VENDOR', 'CUSTOMER'] : supplier ? ['VENDOR'] : ['CUSTOMER'],
      currency_id: 'GBP',
      default_purchase_ledger_account_id: supplier || both ? accountId(rnd.pick([5000, 7504, 7800, 8201])) : undefined,
      default_sales_ledger_account_id: !supplier || both ? accountId(4000) : undefined,
      credit_days: supplier ? 30 : 14,
      system: false,
      ...address(),
    });
  }
  // Sage keeps a system contact for HMRC payments: listed unless exclude_system=true.
  contacts.push({ ...stamp(), name: 'HM Revenue & Customs', reference: 'HMRC', contact_types: ['VENDOR'], currency_id: 'GBP', system: true });

  const items: CatalogItemRecord[] = [
    ['product', 'CHAIR-OAK', 'Oak dining chair', 48, 95],
    ['product', 'TABLE-OAK6', 'Oak dining table, seats six', 310, 620],
    ['product', 'SHELF-PINE', 'Pine shelving unit', 55, 120],
    ['product', 'WAX-500', 'Furniture wax, 500 ml', 4.2, 9.5],
    ['service', 'DESIGN-HR', 'Design consultation (per hour)', 0, 65],
    ['service', 'INSTALL', 'Installation visit', 0, 140],
    ['service', 'DELIVERY', 'Local delivery', 0, 35],
  ].map(([kind, code, description, cost, price]) => ({
    ...stamp(),
    kind: kind as 'product' | 'service',
    item_code: code as string,
    description: description as string,
    sales_ledger_account_id: accountId(kind === 'service' ? 4001 : 4000),
    purchase_ledger_account_id: accountId(5000),
    sales_tax_rate_id: 'GB_STANDARD',
    purchase_tax_rate_id: 'GB_STANDARD',
    cost_price: cost as number,
    sales_price: price as number,
    active: true,
  }));

  const bank = (name: string, code: number, type: BankAccountRecord['bank_account_type_id'], balance: number, details = true): BankAccountRecord => ({
    ...stamp(),
    account_name: name,
    account_number: details ? String(10000000 + rnd.int(89999999)) : undefined,
    sort_code: details ? `${20 + rnd.int(70)}-${10 + rnd.int(89)}-${10 + rnd.int(89)}` : undefined,
    bank_account_type_id: type,
    ledger_account_id: accountId(code),
    nominal_code: code,
    balance,
    currency_id: 'GBP',
  });
  const bankAccounts = [
    bank('Business Current Account', 1200, 'CHECKING', 18250.4),
    bank('Business Savings', 1210, 'SAVINGS', 40000),
    bank('Petty Cash', 1230, 'CASH_IN_HAND', 150, false),
    bank('Company Credit Card', 1240, 'CREDIT_CARD', -812.35, false),
  ];

  const analysisType = (name: string, categories: Array<[string, string]>): AnalysisTypeRecord => ({
    ...stamp(),
    name,
    level: 1,
    active_areas: ['sales', 'purchasing', 'other_payment', 'other_receipt', 'journals'],
    categories: categories.map(([code, catName]) => ({ ...stamp(), code, name: catName, active: true })),
  });
  // Analysis types need Accounting Standard or Plus (sage-accounting.md §2).
  const analysisTypes =
    spec.tier === 'START'
      ? []
      : [
          analysisType('Project', [['BLACKWOOD', 'Blackwood Hotels refit'], ['OFFICEMOVE', 'Office move'], ['SHOWROOM', 'Harrogate showroom']]),
          analysisType('Department', [['SALES', 'Sales'], ['WORKSHOP', 'Workshop'], ['ADMIN', 'Administration']]),
          analysisType('Cost centre', [['LEEDS', 'Leeds'], ['YORK', 'York']]),
        ];

  return {
    id: rnd.id(),
    name: spec.name,
    tier: spec.tier,
    subscriptionActive: true,
    country: 'GB',
    baseCurrency: 'GBP',
    currencies: ['GBP', 'EUR', 'USD'],
    address_line_1: `${1 + rnd.int(90)} Wellington Street`,
    city: spec.city ?? 'Leeds',
    postal_code: `LS${1 + rnd.int(28)} ${1 + rnd.int(9)}QT`,
    ledgerAccounts,
    taxRates: rates,
    contacts,
    items,
    bankAccounts,
    analysisTypes,
  };
}

/**
 * The default businesses: one per tier, so the tier refusals can be tried. The first is the
 * demo user's lead business and has enough contacts to need two pages at 200 a page.
 */
export function defaultBusinesses(seed: number): BusinessData[] {
  return [
    generateBusiness(seed, { name: 'Hartley & Finch Furniture Ltd', tier: 'PLUS', contacts: 260 }),
    generateBusiness(seed, { name: 'Bramble Bakery Ltd', tier: 'STANDARD', contacts: 24, city: 'York' }),
    generateBusiness(seed, { name: 'Kestrel Cycles', tier: 'START', contacts: 18, city: 'Harrogate' }),
  ];
}
