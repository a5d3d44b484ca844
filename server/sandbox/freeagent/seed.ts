/**
 * Seeded UK companies for the FreeAgent sandbox: the company record, its users (one login is
 * one company), nominal categories in FreeAgent's four groups, contacts, projects, bank
 * accounts and price list items. Deterministic for a seed; timestamps are fixed so an
 * `updated_since` import sees only what a test changed.
 *
 * The category list is representative of a UK limited company's chart (codes in FreeAgent's
 * ranges: income 001-049, cost of sales 096-199, admin expenses 200-399, general the rest),
 * not a copy of FreeAgent's full chart.
 */
import { createRandom, type Random } from './random.js';

export type CategoryGroup = 'admin_expenses' | 'cost_of_sales' | 'income' | 'general';
export type AutoSalesTaxRate = 'Standard rate' | 'Reduced rate' | 'Zero rate' | 'Exempt' | 'Outside of the scope of VAT';

export interface CategoryRecord {
  nominalCode: string;
  description: string;
  group: CategoryGroup;
  groupDescription: string;
  allowableForTax?: boolean;
  taxReportingName?: string;
  autoSalesTaxRate?: AutoSalesTaxRate;
  custom?: boolean;
}

export interface UserRecord {
  id: number;
  email: string;
  /** Undefined: any non-empty password signs in (the demo users). */
  password?: string;
  firstName: string;
  lastName: string;
  role: string;
  /** FreeAgent access level: 0 none … 5 Bills, 6 Banking, 7 Tax/Accounting/Users, 8 Full. */
  permissionLevel: number;
  createdAt: number;
  updatedAt: number;
}

export interface ContactRecord {
  id: number;
  organisationName?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  billingEmail?: string;
  phoneNumber?: string;
  address1?: string;
  town?: string;
  region?: string;
  postcode?: string;
  country: string;
  chargeSalesTax: 'Auto' | 'Always' | 'Never';
  salesTaxRegistrationNumber?: string;
  defaultPaymentTermsInDays?: number;
  status: 'Active' | 'Hidden';
  /** What the `suppliers` and `clients` views derive from usage (FreeAgent has no flag). */
  isSupplier: boolean;
  isClient: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ProjectRecord {
  id: number;
  name: string;
  contactId: number;
  status: 'Active' | 'Completed' | 'Cancelled' | 'Hidden';
  currency: string;
  budget: string;
  budgetUnits: 'Hours' | 'Days' | 'Monetary';
  normalBillingRate: string;
  billingPeriod: 'hour' | 'day';
  contractPoReference?: string;
  createdAt: number;
  updatedAt: number;
}

export interface BankAccountRecord {
  id: number;
  type: 'StandardBankAccount' | 'CreditCardAccount' | 'PaypalAccount';
  name: string;
  currency: string;
  status: 'active' | 'hidden';
  isPrimary: boolean;
  isPersonal: boolean;
  bankName?: string;
  accountNumber?: string;
  sortCode?: string;
  email?: string;
  openingBalance: string;
  createdAt: number;
  updatedAt: number;
}

export interface PriceListItemRecord {
  id: number;
  code: string;
  description: string;
  itemType: 'Hours' | 'Days' | 'Products' | 'Services' | 'Training';
  price: string;
  quantity: string;
  vatStatus: 'standard' | 'reduced' | 'zero' | 'out_of_scope';
  categoryCode: string;
  createdAt: number;
  updatedAt: number;
}

export interface CompanySeed {
  id: string;
  name: string;
  subdomain: string;
  type: 'UkLimitedCompany' | 'UkSoleTrader' | 'UkPartnership';
  currency: string;
  salesTaxRegistrationStatus: 'Registered' | 'Not Registered';
  salesTaxRegistrationNumber?: string;
  /** Current rates, as `/v2/company` lists them (decimal strings). */
  salesTaxRates: string[];
  address1: string;
  town: string;
  postcode: string;
  companyRegistrationNumber?: string;
  companyStartDate: string;
  freeagentStartDate: string;
  createdAt: number;
  updatedAt: number;
  users: UserRecord[];
  categories: CategoryRecord[];
  contacts: ContactRecord[];
  projects: ProjectRecord[];
  bankAccounts: BankAccountRecord[];
  priceListItems: PriceListItemRecord[];
}

const groupDescriptions: Record<CategoryGroup, string> = {
  income: 'Income (normally VATable)',
  cost_of_sales: 'Cost of sales (normally VATable)',
  admin_expenses: 'Admin expenses (normally VATable)',
  general: 'General',
};

type CategoryRow = [code: string, description: string, autoRate?: AutoSalesTaxRate, taxReportingName?: string, allowable?: boolean];

const incomeRows: CategoryRow[] = [
  ['001', 'Sales', 'Standard rate'],
  ['002', 'Services', 'Standard rate'],
  ['003', 'Other Income', 'Outside of the scope of VAT'],
  ['004', 'Sales - Zero Rated', 'Zero rate'],
];
const costOfSalesRows: CategoryRow[] = [
  ['101', 'Cost of Sales', 'Standard rate', 'Purchases', true],
  ['102', 'Commission Paid', 'Standard rate', 'Commissions Payable', true],
  ['103', 'Materials', 'Standard rate', 'Material Costs', true],
  ['104', 'Subcontractor Costs', 'Standard rate', 'Subcontractor Costs', true],
];
const adminRows: CategoryRow[] = [
  ['201', 'Advertising and Promotion', 'Standard rate', 'Advertising and promotional costs', true],
  ['250', 'Bank/Finance Charges', 'Exempt', 'Bank charges', true],
  ['285', 'Accommodation and Meals', 'Standard rate', 'Travel and subsistence expenses', true],
  ['290', 'Business Entertaining', 'Standard rate', 'Business entertaining', false],
  ['310', 'Computer Software', 'Standard rate', 'Computer software costs', true],
  ['320', 'Insurance', 'Exempt', 'Insurance', true],
  ['330', 'Internet and Telephone', 'Standard rate', 'Telephone and internet', true],
  ['340', 'Office Equipment', 'Standard rate', 'Consumable items', true],
  ['350', 'Postage', 'Exempt', 'Postage costs', true],
  ['355', 'Printing', 'Standard rate', 'Printing costs', true],
  ['360', 'Accountancy Fees', 'Standard rate', 'Accountancy fees', true],
  ['365', 'Legal Fees', 'Standard rate', 'Legal fees', true],
  ['366', 'Rent', 'Exempt', 'Rent of premises', true],
  ['368', 'Stationery', 'Standard rate', 'Stationery', true],
  ['370', 'Subscriptions', 'Standard rate', 'Publication and other information subscriptions', true],
  ['375', 'Staff Training', 'Standard rate', 'Staff training', true],
  ['380', 'Travel', 'Zero rate', 'Travel and subsistence expenses', true],
  ['390', 'Utilities', 'Reduced rate', 'Light, heat and power', true],
  ['395', 'Motor Expenses', 'Standard rate', 'Motor expenses', true],
];
const generalRows: CategoryRow[] = [
  ['051', 'Interest Received'],
  ['602', 'Computer Equipment Purchase', 'Standard rate'],
  ['609', 'Stock', 'Standard rate'],
  ['791', 'Loans'],
  ['901', 'Capital Introduced'],
];

export function defaultCategories(): CategoryRecord[] {
  const build = (group: CategoryGroup, rows: CategoryRow[]): CategoryRecord[] =>
    rows.map(([nominalCode, description, autoSalesTaxRate, taxReportingName, allowableForTax]) => ({
      nominalCode,
      description,
      group,
      groupDescription: groupDescriptions[group],
      ...(autoSalesTaxRate ? { autoSalesTaxRate } : {}),
      ...(taxReportingName ? { taxReportingName } : {}),
      ...(allowableForTax !== undefined ? { allowableForTax } : {}),
    }));
  return [
    ...build('income', incomeRows),
    ...build('cost_of_sales', costOfSalesRows),
    ...build('admin_expenses', adminRows),
    ...build('general', generalRows),
  ];
}

export function groupDescriptionOf(group: CategoryGroup): string {
  return groupDescriptions[group];
}

// --- contacts and the rest --------------------------------------------------------------

const orgFirst = ['Northgate', 'Harbour', 'Kestrel', 'Thistle', 'Bramble', 'Copperfield', 'Wren', 'Ashdown', 'Millbrook', 'Foxglove', 'Redcliffe', 'Oakham', 'Larkspur', 'Severn', 'Pennine', 'Cobalt', 'Marlow', 'Heron', 'Granite', 'Willow'];
const orgSecond = ['Office Supplies', 'Print', 'Digital', 'Logistics', 'Catering', 'Consulting', 'Timber', 'Media', 'Electrical', 'Cleaning', 'Software', 'Studios', 'Stationers', 'Couriers', 'Telecom', 'Interiors'];
const orgSuffix = ['Ltd', 'Ltd', 'Ltd', 'LLP', '& Co', 'Limited'];
const firstNames = ['Amelia', 'Oliver', 'Isla', 'Harry', 'Ava', 'George', 'Mia', 'Noah', 'Freya', 'Arthur', 'Ella', 'Leo', 'Grace', 'Oscar', 'Poppy', 'Theo'];
const lastNames = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Hughes', 'Green', 'Hall', 'Clarke', 'Patel'];
const towns: Array<[string, string, string]> = [
  ['Manchester', 'Greater Manchester', 'M1'],
  ['Leeds', 'West Yorkshire', 'LS1'],
  ['Bristol', 'Bristol', 'BS1'],
  ['Edinburgh', 'Lothian', 'EH1'],
  ['Cardiff', 'South Glamorgan', 'CF10'],
  ['Norwich', 'Norfolk', 'NR1'],
  ['York', 'North Yorkshire', 'YO1'],
  ['Brighton', 'East Sussex', 'BN1'],
  ['London', 'Greater London', 'EC1A'],
  ['Birmingham', 'West Midlands', 'B1'],
];
const streets = ['High Street', 'Station Road', 'Church Lane', 'Mill Road', 'Victoria Street', 'Park Avenue', 'Queen Street', 'King Street'];

/** 1 Jan 2025 00:00 UTC: seeded records were made and last changed in 2025. */
const seedEpoch = Date.UTC(2025, 0, 1);
const day = 86_400_000;

function stamp(r: Random, index: number): { createdAt: number; updatedAt: number } {
  const createdAt = seedEpoch + index * day + r.int(8, 17) * 3_600_000 + r.int(0, 59) * 60_000;
  return { createdAt, updatedAt: createdAt + r.int(0, 30) * day };
}

function vatNumber(r: Random): string {
  return `GB${r.int(100, 999)} ${r.int(1000, 9999)} ${r.int(10, 99)}`;
}

function contacts(r: Random, count: number): ContactRecord[] {
  const out: ContactRecord[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const [town, region, district] = r.pick(towns);
    const person = i % 7 === 3;
    const base = { id: 100 + i, country: 'United Kingdom', ...stamp(r, i) };
    let name: Partial<ContactRecord>;
    if (person) {
      name = { firstName: r.pick(firstNames), lastName: r.pick(lastNames) };
    } else {
      let org = '';
      do org = `${r.pick(orgFirst)} ${r.pick(orgSecond)} ${r.pick(orgSuffix)}`;
      while (used.has(org));
      used.add(org);
      name = { organisationName: org };
    }
    const slug = (name.organisationName ?? `${name.firstName}.${name.lastName}`).toLowerCase().replace(/[^a-z]+/g, '.').replace(/^\.|\.$/g, '');
    const isSupplier = i % 3 !== 2;
    out.push({
      ...base,
      ...name,
      email: `accounts@${slug}.example.co.uk`,
      phoneNumber: `0${r.int(1000, 1999)} ${r.int(100000, 999999)}`,
      address1: `${r.int(1, 180)} ${r.pick(streets)}`,
      town,
      region,
      postcode: `${district} ${r.int(1, 9)}${String.fromCharCode(65 + r.int(0, 25))}${String.fromCharCode(65 + r.int(0, 25))}`,
      chargeSalesTax: 'Auto',
      ...(person ? {} : { salesTaxRegistrationNumber: vatNumber(r) }),
      defaultPaymentTermsInDays: r.pick([14, 30, 30, 30, 60]),
      status: i % 11 === 10 ? 'Hidden' : 'Active',
      isSupplier,
      isClient: !isSupplier || i % 5 === 0,
    });
  }
  return out;
}

function projects(r: Random, clients: ContactRecord[]): ProjectRecord[] {
  const names = ['Website redesign', 'Brand refresh', 'Annual report 2025', 'Shop fit-out', 'Spring campaign', 'Product photography', 'Intranet build', 'Trade show stand', 'Packaging design'];
  const statuses: ProjectRecord['status'][] = ['Active', 'Active', 'Active', 'Completed', 'Active', 'Cancelled', 'Active', 'Hidden', 'Active'];
  return names.map((name, i) => {
    const client = clients[(i * 5) % clients.length] as ContactRecord;
    return {
      id: 20 + i,
      name,
      contactId: client.id,
      status: statuses[i] ?? 'Active',
      currency: 'GBP',
      budget: String(r.int(20, 120) * 50),
      budgetUnits: i % 3 === 0 ? 'Monetary' : 'Hours',
      normalBillingRate: `${r.int(45, 95)}.0`,
      billingPeriod: 'hour',
      ...(i % 2 === 0 ? { contractPoReference: `PO-${r.int(1000, 9999)}` } : {}),
      ...stamp(r, 30 + i),
    };
  });
}

function bankAccounts(r: Random): BankAccountRecord[] {
  const sortCode = () => `${r.int(10, 99)}-${r.int(10, 99)}-${r.int(10, 99)}`;
  return [
    { id: 1, type: 'StandardBankAccount', name: 'Business Current Account', currency: 'GBP', status: 'active', isPrimary: true, isPersonal: false, bankName: 'Barclays', accountNumber: String(r.int(1000, 9999)), sortCode: sortCode(), openingBalance: '2500.0', ...stamp(r, 0) },
    { id: 2, type: 'StandardBankAccount', name: 'Business Savings', currency: 'GBP', status: 'active', isPrimary: false, isPersonal: false, bankName: 'Barclays', accountNumber: String(r.int(1000, 9999)), sortCode: sortCode(), openingBalance: '10000.0', ...stamp(r, 1) },
    { id: 3, type: 'CreditCardAccount', name: 'Company Credit Card', currency: 'GBP', status: 'active', isPrimary: false, isPersonal: false, bankName: 'American Express', accountNumber: String(r.int(1000, 9999)), openingBalance: '0.0', ...stamp(r, 2) },
    { id: 4, type: 'PaypalAccount', name: 'PayPal', currency: 'GBP', status: 'active', isPrimary: false, isPersonal: false, email: 'payments@example.co.uk', openingBalance: '0.0', ...stamp(r, 3) },
    { id: 5, type: 'StandardBankAccount', name: 'Euro Account', currency: 'EUR', status: 'active', isPrimary: false, isPersonal: false, bankName: 'Wise', accountNumber: String(r.int(1000, 9999)), openingBalance: '0.0', ...stamp(r, 4) },
    { id: 6, type: 'StandardBankAccount', name: 'Old Current Account', currency: 'GBP', status: 'hidden', isPrimary: false, isPersonal: false, bankName: 'NatWest', accountNumber: String(r.int(1000, 9999)), sortCode: sortCode(), openingBalance: '0.0', ...stamp(r, 5) },
  ];
}

function priceListItems(r: Random): PriceListItemRecord[] {
  const rows: Array<[string, string, PriceListItemRecord['itemType'], PriceListItemRecord['vatStatus'], string]> = [
    ['DES-HR', 'Design time (per hour)', 'Hours', 'standard', '002'],
    ['DES-DAY', 'Design day rate', 'Days', 'standard', '002'],
    ['WEB-BASIC', 'Website - starter package', 'Services', 'standard', '002'],
    ['WEB-SHOP', 'Website - online shop package', 'Services', 'standard', '002'],
    ['LOGO', 'Logo design', 'Services', 'standard', '002'],
    ['BRAND', 'Brand guidelines document', 'Services', 'standard', '002'],
    ['PRINT-A5', 'A5 flyers (1,000)', 'Products', 'standard', '001'],
    ['PRINT-BC', 'Business cards (500)', 'Products', 'standard', '001'],
    ['BOOK', 'Printed brochure (per copy)', 'Products', 'zero', '004'],
    ['PHOTO', 'Product photography session', 'Services', 'standard', '002'],
    ['HOST-YR', 'Website hosting (12 months)', 'Services', 'standard', '002'],
    ['TRAIN', 'CMS training session', 'Training', 'standard', '002'],
    ['EXP-REB', 'Rebilled expenses', 'Services', 'out_of_scope', '003'],
  ];
  return rows.map(([code, description, itemType, vatStatus, categoryCode], i) => ({
    id: 300 + i,
    code,
    description,
    itemType,
    price: `${r.int(2, 90) * 25}.0`,
    quantity: '1.0',
    vatStatus,
    categoryCode,
    ...stamp(r, 60 + i),
  }));
}

export function defaultCompanies(seed: number | string = 1): CompanySeed[] {
  const r = createRandom(`freeagent:${seed}`);
  const first = contacts(r, 140);
  const hartley: CompanySeed = {
    id: '104523',
    name: 'Hartley & Finch Design Ltd',
    subdomain: 'hartleyfinch',
    type: 'UkLimitedCompany',
    currency: 'GBP',
    salesTaxRegistrationStatus: 'Registered',
    salesTaxRegistrationNumber: vatNumber(r),
    salesTaxRates: ['20.0', '5.0', '0.0'],
    address1: '14 Lace Market Square',
    town: 'Nottingham',
    postcode: 'NG1 1PB',
    companyRegistrationNumber: String(r.int(10_000_000, 13_999_999)),
    companyStartDate: '2019-04-01',
    freeagentStartDate: '2023-04-01',
    ...stamp(r, 0),
    users: [
      { id: 1, email: 'demo@example.com', firstName: 'Olivia', lastName: 'Hartley', role: 'Director', permissionLevel: 8, ...stamp(r, 0) },
      { id: 2, email: 'sam@hartleyfinch.example.co.uk', firstName: 'Sam', lastName: 'Finch', role: 'Director', permissionLevel: 8, ...stamp(r, 1) },
      { id: 3, email: 'bills@example.com', firstName: 'Priya', lastName: 'Shah', role: 'Employee', permissionLevel: 5, ...stamp(r, 2) },
      { id: 4, email: 'tom@hartleyfinch.example.co.uk', firstName: 'Tom', lastName: 'Reed', role: 'Employee', permissionLevel: 2, ...stamp(r, 3) },
    ],
    categories: [...defaultCategories(), { nominalCode: '047', description: 'Workshop Fees', group: 'income', groupDescription: groupDescriptions.income, autoSalesTaxRate: 'Standard rate', custom: true }],
    contacts: first,
    projects: projects(r, first.filter((c) => c.isClient && c.status === 'Active')),
    bankAccounts: bankAccounts(r),
    priceListItems: priceListItems(r),
  };
  const penroseContacts = contacts(r, 12);
  const penrose: CompanySeed = {
    id: '207811',
    name: 'Penrose Plumbing',
    subdomain: 'penroseplumbing',
    type: 'UkSoleTrader',
    currency: 'GBP',
    salesTaxRegistrationStatus: 'Not Registered',
    salesTaxRates: ['20.0', '5.0', '0.0'],
    address1: '3 Harbour View',
    town: 'Falmouth',
    postcode: 'TR11 3AB',
    companyStartDate: '2021-06-01',
    freeagentStartDate: '2021-06-01',
    ...stamp(r, 5),
    users: [{ id: 1, email: 'owner@example.com', firstName: 'Jack', lastName: 'Penrose', role: 'Owner', permissionLevel: 8, ...stamp(r, 5) }],
    categories: defaultCategories(),
    contacts: penroseContacts,
    projects: [],
    bankAccounts: bankAccounts(r).slice(0, 1),
    priceListItems: [],
  };
  return [hartley, penrose];
}
