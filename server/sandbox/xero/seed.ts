/**
 * Seed data for the Xero sandbox: UK organisations with Xero's UK demo chart of accounts, UK VAT
 * tax types, suppliers and customers, items, tracking categories and bank accounts. Everything is
 * derived from the seed, so ids are the same on every run. `generateOrganisation` also makes big
 * organisations (100,000 contacts, 5,000 accounts) for benchmarks.
 */
import { createRandom, deriveSeed, type Random } from './random.js';

export type AccountClass = 'ASSET' | 'EQUITY' | 'EXPENSE' | 'LIABILITY' | 'REVENUE';
export type RecordStatus = 'ACTIVE' | 'ARCHIVED' | 'DELETED';

export interface AccountRecord {
  AccountID: string;
  Code: string;
  Name: string;
  Type: string;
  Class: AccountClass;
  Status: RecordStatus;
  TaxType: string;
  Description?: string;
  EnablePaymentsToAccount: boolean;
  ShowInExpenseClaims: boolean;
  BankAccountNumber?: string;
  BankAccountType?: 'BANK' | 'CREDITCARD' | 'PAYPAL' | '';
  CurrencyCode?: string;
  SystemAccount?: string;
  ReportingCode?: string;
  ReportingCodeName?: string;
  HasAttachments: boolean;
  AddToWatchlist: boolean;
  /** Unix ms of the last change; served as `UpdatedDateUTC`. */
  updatedAt: number;
}

export interface ContactRecord {
  ContactID: string;
  ContactNumber?: string;
  AccountNumber?: string;
  ContactStatus: 'ACTIVE' | 'ARCHIVED' | 'GDPRREQUEST';
  Name: string;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  TaxNumber?: string;
  IsSupplier: boolean;
  IsCustomer: boolean;
  AccountsPayableTaxType?: string;
  AccountsReceivableTaxType?: string;
  PurchasesDefaultAccountCode?: string;
  SalesDefaultAccountCode?: string;
  DefaultCurrency?: string;
  updatedAt: number;
}

export interface TaxRateRecord {
  Name: string;
  TaxType: string;
  Status: 'ACTIVE' | 'DELETED' | 'ARCHIVED' | 'PENDING';
  ReportTaxType: string;
  CanApplyToAssets: boolean;
  CanApplyToEquity: boolean;
  CanApplyToExpenses: boolean;
  CanApplyToLiabilities: boolean;
  CanApplyToRevenue: boolean;
  DisplayTaxRate: number;
  EffectiveRate: number;
  TaxComponents: { Name: string; Rate: number; IsCompound: boolean; IsNonRecoverable: boolean }[];
  /** Which side of the ledger may use it: UK input tax types only on purchases, output on sales. */
  direction: 'sales' | 'purchases' | 'any';
}

export interface ItemRecord {
  ItemID: string;
  Code: string;
  Name: string;
  Description?: string;
  PurchaseDescription?: string;
  IsSold: boolean;
  IsPurchased: boolean;
  IsTrackedAsInventory: boolean;
  PurchaseDetails?: { UnitPrice?: number; AccountCode?: string; TaxType?: string };
  SalesDetails?: { UnitPrice?: number; AccountCode?: string; TaxType?: string };
  updatedAt: number;
}

export interface TrackingOptionRecord {
  TrackingOptionID: string;
  Name: string;
  Status: RecordStatus;
}

export interface TrackingCategoryRecord {
  TrackingCategoryID: string;
  Name: string;
  Status: RecordStatus;
  Options: TrackingOptionRecord[];
}

export interface OrganisationData {
  tenantId: string;
  name: string;
  shortCode: string;
  baseCurrency: string;
  countryCode: string;
  /** Currencies the organisation is subscribed to (base first). */
  currencies: string[];
  accounts: AccountRecord[];
  contacts: ContactRecord[];
  taxRates: TaxRateRecord[];
  items: ItemRecord[];
  trackingCategories: TrackingCategoryRecord[];
}

/** When seeded records were last "changed": well before any test's clock. */
const SEED_TIME = Date.UTC(2024, 0, 1);

export function accountClass(type: string): AccountClass {
  switch (type) {
    case 'BANK':
    case 'CURRENT':
    case 'FIXED':
    case 'INVENTORY':
    case 'NONCURRENT':
    case 'PREPAYMENT':
      return 'ASSET';
    case 'CURRLIAB':
    case 'LIABILITY':
    case 'TERMLIAB':
    case 'PAYG':
      return 'LIABILITY';
    case 'EQUITY':
      return 'EQUITY';
    case 'REVENUE':
    case 'SALES':
    case 'OTHERINCOME':
      return 'REVENUE';
    default:
      return 'EXPENSE';
  }
}

/** Xero's UK demo chart: [code, name, type, default tax type, extra]. */
const ukChart: [string, string, string, string, Partial<AccountRecord>?][] = [
  ['200', 'Sales', 'SALES', 'OUTPUT2'],
  ['260', 'Other Revenue', 'OTHERINCOME', 'OUTPUT2'],
  ['270', 'Interest Income', 'OTHERINCOME', 'NONE'],
  ['310', 'Cost of Goods Sold', 'DIRECTCOSTS', 'INPUT2'],
  ['320', 'Direct Wages', 'DIRECTCOSTS', 'NONE'],
  ['400', 'Advertising & Marketing', 'OVERHEADS', 'INPUT2'],
  ['401', 'Audit & Accountancy fees', 'OVERHEADS', 'INPUT2'],
  ['404', 'Bank Fees', 'OVERHEADS', 'EXEMPTINPUT'],
  ['408', 'Cleaning', 'OVERHEADS', 'INPUT2'],
  ['412', 'Consulting', 'OVERHEADS', 'INPUT2'],
  ['420', 'Entertainment-100% business', 'OVERHEADS', 'NONE'],
  ['425', 'Postage, Freight & Courier', 'OVERHEADS', 'INPUT2'],
  ['429', 'General Expenses', 'OVERHEADS', 'INPUT2', { ShowInExpenseClaims: true }],
  ['433', 'Insurance', 'OVERHEADS', 'EXEMPTINPUT'],
  ['445', 'Light, Power, Heating', 'OVERHEADS', 'RRINPUT'],
  ['449', 'Motor Vehicle Expenses', 'OVERHEADS', 'INPUT2', { ShowInExpenseClaims: true }],
  ['453', 'Office Expenses', 'OVERHEADS', 'INPUT2', { ShowInExpenseClaims: true }],
  ['461', 'Printing & Stationery', 'OVERHEADS', 'INPUT2', { ShowInExpenseClaims: true }],
  ['463', 'IT Software and Consumables', 'OVERHEADS', 'INPUT2'],
  ['469', 'Rent', 'OVERHEADS', 'EXEMPTINPUT'],
  ['473', 'Repairs & Maintenance', 'OVERHEADS', 'INPUT2'],
  ['477', 'Salaries', 'OVERHEADS', 'NONE'],
  ['479', 'Subscriptions (old)', 'OVERHEADS', 'INPUT2', { Status: 'ARCHIVED' }],
  ['489', 'Telephone & Internet', 'OVERHEADS', 'INPUT2'],
  ['493', 'Travel - National', 'OVERHEADS', 'INPUT2', { ShowInExpenseClaims: true }],
  ['494', 'Travel - International', 'OVERHEADS', 'ZERORATEDINPUT', { ShowInExpenseClaims: true }],
  ['610', 'Accounts Receivable', 'CURRENT', 'NONE', { SystemAccount: 'DEBTORS' }],
  ['630', 'Inventory', 'INVENTORY', 'NONE'],
  ['710', 'Office Equipment', 'FIXED', 'INPUT2'],
  ['720', 'Computer Equipment', 'FIXED', 'INPUT2'],
  ['800', 'Accounts Payable', 'CURRLIAB', 'NONE', { SystemAccount: 'CREDITORS' }],
  ['820', 'VAT', 'CURRLIAB', 'NONE', { SystemAccount: 'GST' }],
  ['840', 'Historical Adjustment', 'CURRLIAB', 'NONE', { SystemAccount: 'HISTORICAL' }],
  ['860', 'Rounding', 'CURRLIAB', 'NONE', { SystemAccount: 'ROUNDING' }],
  ['877', 'Tracking Transfers', 'CURRLIAB', 'NONE', { SystemAccount: 'TRACKINGTRANSFERS' }],
  ['900', 'Loan', 'TERMLIAB', 'NONE'],
  ['960', 'Retained Earnings', 'EQUITY', 'NONE', { SystemAccount: 'RETAINEDEARNINGS' }],
  ['970', 'Owner A Funds Introduced', 'EQUITY', 'NONE'],
];

const banks: [string, string, string, 'BANK' | 'CREDITCARD'][] = [
  ['090', 'Business Bank Account', '20-32-06 10449876', 'BANK'],
  ['091', 'Business Savings Account', '20-32-06 30519823', 'BANK'],
  ['092', 'Company Credit Card', '4929 **** **** 1203', 'CREDITCARD'],
];

function taxRate(
  TaxType: string,
  Name: string,
  rate: number,
  ReportTaxType: string,
  direction: TaxRateRecord['direction'],
  Status: TaxRateRecord['Status'] = 'ACTIVE',
): TaxRateRecord {
  const sales = direction !== 'purchases';
  const purchases = direction !== 'sales';
  return {
    Name,
    TaxType,
    Status,
    ReportTaxType,
    CanApplyToAssets: true,
    CanApplyToEquity: true,
    CanApplyToExpenses: purchases,
    CanApplyToLiabilities: true,
    CanApplyToRevenue: sales,
    DisplayTaxRate: rate,
    EffectiveRate: rate,
    TaxComponents: [{ Name: 'VAT', Rate: rate, IsCompound: false, IsNonRecoverable: false }],
    direction,
  };
}

/** UK VAT rates as a Xero UK organisation has them, plus one deleted legacy rate. */
export function ukTaxRates(): TaxRateRecord[] {
  return [
    taxRate('INPUT2', '20% (VAT on Expenses)', 20, 'INPUT', 'purchases'),
    taxRate('OUTPUT2', '20% (VAT on Income)', 20, 'OUTPUT', 'sales'),
    taxRate('RRINPUT', '5% (VAT on Expenses)', 5, 'INPUT', 'purchases'),
    taxRate('RROUTPUT', '5% (VAT on Income)', 5, 'OUTPUT', 'sales'),
    taxRate('ZERORATEDINPUT', 'Zero Rated Expenses', 0, 'INPUT', 'purchases'),
    taxRate('ZERORATEDOUTPUT', 'Zero Rated Income', 0, 'OUTPUT', 'sales'),
    taxRate('EXEMPTINPUT', 'Exempt Expenses', 0, 'EXEMPTINPUT', 'purchases'),
    taxRate('EXEMPTOUTPUT', 'Exempt Income', 0, 'EXEMPTOUTPUT', 'sales'),
    taxRate('ECZRINPUT', 'Zero Rated EC Goods Expenses', 0, 'ECACQUISITIONS', 'purchases'),
    taxRate('REVERSECHARGES', 'Reverse Charge Expenses (20%)', 20, 'REVERSECHARGES', 'purchases'),
    taxRate('NONE', 'No VAT', 0, 'NONE', 'any'),
    taxRate('TAX001', '17.5% (VAT on Expenses, pre-2011)', 17.5, 'INPUT', 'purchases', 'DELETED'),
  ];
}

const suppliers = [
  'Bayside Office Supplies', 'British Telecom', 'Cloud Hosting Ltd', 'Swanston Security', 'PowerDirect',
  'Cooper & Sons Plumbing', 'Capital Cab Co', 'Gateway Motors', 'Hoyt Productions', 'Net Connect',
  'Pinnacle Print Ltd', 'Ridgeway Stationers', 'SMART Agency', 'Truxton Property Management',
  'Orchard Cleaning Services', 'Ace Couriers',
];
const customers = [
  'Hamilton Smith Ltd', 'Ridgeway University', 'City Agency', 'Boom FM', 'DIISR - Small Business Services',
  'Petrie McLoud Watson & Associates', 'Rex Media Group', 'Young Bros Transport', 'Basket Case',
  'Bank West', 'Port & Philip Freight', 'Marine Systems',
];
const wordsA = ['Harbour', 'Summit', 'Oak', 'Granite', 'Riverside', 'Northern', 'Bright', 'Kingfisher', 'Beacon', 'Meadow', 'Copper', 'Atlas', 'Thistle', 'Falcon', 'Willow', 'Orbit'];
const wordsB = ['Electrical', 'Catering', 'Logistics', 'Design', 'Joinery', 'Consulting', 'Media', 'Motors', 'Foods', 'Textiles', 'Software', 'Print', 'Builders', 'Legal', 'Dental', 'Florists'];
const wordsC = ['Ltd', 'LLP', '& Co', 'Group', 'Services', 'plc'];

export interface GenerateOrganisationOptions {
  seed: number;
  name?: string;
  tenantId?: string;
  /** Number of contacts (default 40). */
  contacts?: number;
  /** Number of accounts in the chart, at least the UK demo chart (default: just that chart). */
  accounts?: number;
  /** Bank accounts, 1 to 3 (default 2). */
  bankAccounts?: number;
  items?: number;
  shortCode?: string;
}

/**
 * Builds one organisation. Fast enough for benchmark sizes: 100,000 contacts take a few hundred
 * milliseconds and are stored once; paging serves slices of them.
 */
export function generateOrganisation(options: GenerateOrganisationOptions): OrganisationData {
  const name = options.name ?? 'Demo Company (UK)';
  // One stream per list, so an organisation with more accounts keeps the same contact ids.
  const stream = (list: string) => createRandom(deriveSeed(options.seed, `${name}/${list}`));
  let random = stream('organisation');
  const tenantId = options.tenantId ?? random.uuid();
  const shortCode = options.shortCode ?? `!${random.uuid().slice(0, 5)}`;
  random = stream('accounts');
  let tick = 0;
  const stamp = () => SEED_TIME + (tick++) * 1000;

  const accounts: AccountRecord[] = [];
  const addAccount = (code: string, accountName: string, type: string, tax: string, extra: Partial<AccountRecord> = {}) => {
    accounts.push({
      AccountID: random.uuid(),
      Code: code,
      Name: accountName,
      Type: type,
      Class: accountClass(type),
      Status: 'ACTIVE',
      TaxType: tax,
      Description: '',
      EnablePaymentsToAccount: false,
      ShowInExpenseClaims: false,
      SystemAccount: '',
      ReportingCode: '',
      HasAttachments: false,
      AddToWatchlist: false,
      updatedAt: stamp(),
      ...extra,
    });
  };
  const bankCount = Math.min(3, Math.max(1, options.bankAccounts ?? 2));
  for (const [code, bankName, number, bankType] of banks.slice(0, bankCount)) {
    addAccount(code, bankName, 'BANK', 'NONE', {
      BankAccountNumber: number,
      BankAccountType: bankType,
      CurrencyCode: 'GBP',
      EnablePaymentsToAccount: true,
      Description: undefined,
    });
  }
  for (const [code, accountName, type, tax, extra] of ukChart) addAccount(code, accountName, type, tax, extra);
  const extraAccounts = Math.max(0, (options.accounts ?? 0) - accounts.length);
  for (let i = 1; i <= extraAccounts; i++) {
    addAccount(`E${String(i).padStart(5, '0')}`, `Expense ${random.pick(wordsA)} ${random.pick(wordsB)} ${i}`, 'OVERHEADS', 'INPUT2');
  }

  const contactCount = options.contacts ?? 40;
  const contacts: ContactRecord[] = new Array(contactCount);
  random = stream('contacts');
  for (let i = 0; i < contactCount; i++) contacts[i] = makeContact(random, i, stamp());

  random = stream('items');
  const items: ItemRecord[] = [
    item(random, stamp(), 'CONS-HR', 'Consulting hour', 120, '200', '412', true, true),
    item(random, stamp(), 'PAPER-A4', 'A4 printer paper (box)', 24.99, '200', '461', true, true),
    item(random, stamp(), 'DELIVERY', 'Delivery charge', 9.5, '260', '425', true, true),
    item(random, stamp(), 'BOOK-UK', 'Bookkeeping handbook', 18, '200', '310', true, false),
  ];
  for (let i = 1; i <= Math.max(0, (options.items ?? 4) - items.length); i++) {
    items.push(item(random, stamp(), `ITEM-${i}`, `${random.pick(wordsA)} ${random.pick(wordsB)} kit`, 10 + random.int(500), '200', '310', true, true));
  }

  random = stream('tracking');
  const option = (optionName: string, status: RecordStatus = 'ACTIVE'): TrackingOptionRecord => ({
    TrackingOptionID: random.uuid(),
    Name: optionName,
    Status: status,
  });
  const trackingCategories: TrackingCategoryRecord[] = [
    {
      TrackingCategoryID: random.uuid(),
      Name: 'Region',
      Status: 'ACTIVE',
      Options: [option('North'), option('South'), option('Scotland'), option('Wales', 'ARCHIVED')],
    },
    {
      TrackingCategoryID: random.uuid(),
      Name: 'Project',
      Status: 'ACTIVE',
      Options: [option('Website Redesign'), option('Office Move'), option('Trade Show 2023', 'ARCHIVED')],
    },
  ];

  return {
    tenantId,
    name,
    shortCode,
    baseCurrency: 'GBP',
    countryCode: 'GB',
    currencies: ['GBP', 'EUR', 'USD'],
    accounts,
    contacts,
    taxRates: ukTaxRates(),
    items,
    trackingCategories,
  };
}

function makeContact(random: Random, i: number, updatedAt: number): ContactRecord {
  const named = i < suppliers.length + customers.length;
  let name: string;
  let isSupplier: boolean;
  let isCustomer: boolean;
  if (i < suppliers.length) {
    name = suppliers[i] as string;
    isSupplier = true;
    isCustomer = false;
  } else if (named) {
    name = customers[i - suppliers.length] as string;
    isSupplier = name === 'Marine Systems';
    isCustomer = true;
  } else {
    name = `${random.pick(wordsA)} ${random.pick(wordsB)} ${random.pick(wordsC)} ${String(i).padStart(6, '0')}`;
    const r = random.next();
    isSupplier = r < 0.7;
    isCustomer = r >= 0.6;
  }
  // One archived supplier in every organisation, to test "contact archived" refusals.
  const archived = i === 5;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '');
  return {
    ContactID: random.uuid(),
    ContactNumber: `C${String(i + 1).padStart(5, '0')}`,
    AccountNumber: isSupplier ? `SUP${String(i + 1).padStart(5, '0')}` : `CUS${String(i + 1).padStart(5, '0')}`,
    ContactStatus: archived ? 'ARCHIVED' : 'ACTIVE',
    Name: name,
    EmailAddress: `accounts@${slug.slice(0, 40)}.example`,
    TaxNumber: isSupplier ? `GB${100000000 + random.int(899999999)}` : undefined,
    IsSupplier: isSupplier,
    IsCustomer: isCustomer,
    AccountsPayableTaxType: isSupplier ? 'INPUT2' : undefined,
    AccountsReceivableTaxType: isCustomer ? 'OUTPUT2' : undefined,
    PurchasesDefaultAccountCode: isSupplier ? '429' : undefined,
    SalesDefaultAccountCode: isCustomer ? '200' : undefined,
    DefaultCurrency: 'GBP',
    updatedAt,
  };
}

function item(
  random: Random,
  updatedAt: number,
  code: string,
  name: string,
  price: number,
  salesAccount: string,
  purchaseAccount: string,
  sold: boolean,
  purchased: boolean,
): ItemRecord {
  return {
    ItemID: random.uuid(),
    Code: code,
    Name: name,
    Description: name,
    PurchaseDescription: purchased ? name : undefined,
    IsSold: sold,
    IsPurchased: purchased,
    IsTrackedAsInventory: false,
    SalesDetails: sold ? { UnitPrice: price, AccountCode: salesAccount, TaxType: 'OUTPUT2' } : undefined,
    PurchaseDetails: purchased ? { UnitPrice: Math.round(price * 60) / 100, AccountCode: purchaseAccount, TaxType: 'INPUT2' } : undefined,
    updatedAt,
  };
}

/** The default organisations: two UK companies and a smaller third one. */
export function defaultOrganisations(seed: number): OrganisationData[] {
  return [
    generateOrganisation({ seed, name: 'Demo Company (UK)', contacts: 40, bankAccounts: 2 }),
    generateOrganisation({ seed, name: 'Bookbridge Test Ltd', contacts: 30, bankAccounts: 1 }),
    generateOrganisation({ seed, name: 'Northwind Trading Ltd', contacts: 12, bankAccounts: 1 }),
  ];
}
