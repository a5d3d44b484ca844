/**
 * The seeded KashFlow business: a realistic UK chart of accounts (the nominal codes a
 * KashFlow user recognises: 4000 Sales, 5000 Purchases, 7500 Office costs, 1200 bank...),
 * generated suppliers and customers, VAT rates, products, projects and bank accounts.
 * Everything comes from the seed, so the same seed always gives the same business.
 */
import type { Account, AccountSeed, BankAccount, Contact, Nominal, Product, Project, VatRate } from './model.js';
import type { Rng } from './rng.js';

type ChartRow = [code: number, name: string, type: Nominal['Type'], vat: number, archived?: boolean];

// [?] KashFlow's default UK chart, from memory of its help pages; the codes follow the
// familiar Sage-style ranges that KashFlow also uses.
const chart: ChartRow[] = [
  [10, 'Freehold Property', 'Fixed Assets', 0],
  [20, 'Plant and Machinery', 'Fixed Assets', 0],
  [30, 'Office Equipment', 'Fixed Assets', 20],
  [40, 'Furniture and Fixtures', 'Fixed Assets', 20],
  [50, 'Motor Vehicles', 'Fixed Assets', 20],
  [1001, 'Stock', 'Current Assets', 0],
  [1100, 'Trade Debtors', 'Current Assets', 0],
  [1200, 'Current Account', 'Current Assets', 0],
  [1210, 'Savings Account', 'Current Assets', 0],
  [1220, 'Old Business Account', 'Current Assets', 0, true],
  [1230, 'Petty Cash', 'Current Assets', 0],
  [2100, 'Trade Creditors', 'Current Liabilities', 0],
  [2200, 'VAT Liability', 'Current Liabilities', 0],
  [2210, 'PAYE and NI', 'Current Liabilities', 0],
  [2300, 'Loans', 'Current Liabilities', 0],
  [3000, 'Capital Introduced', 'Capital', 0],
  [3050, 'Drawings', 'Capital', 0],
  [3200, 'Retained Profit', 'Capital', 0],
  [4000, 'Sales', 'Sales', 20],
  [4001, 'Sales - Services', 'Sales', 20],
  [4002, 'Sales - Zero Rated', 'Sales', 0],
  [4009, 'Discounts Allowed', 'Sales', 20],
  [4200, 'Sales of Assets', 'Sales', 20],
  [4900, 'Other Income', 'Sales', 0],
  [5000, 'Purchases', 'Purchases', 20],
  [5001, 'Purchases - Materials', 'Purchases', 20],
  [5009, 'Purchases - Discontinued Line', 'Purchases', 20, true],
  [5100, 'Carriage', 'Purchases', 20],
  [5200, 'Packaging', 'Purchases', 20],
  [5900, 'Subcontractors', 'Purchases', 20],
  [7000, 'Gross Wages', 'Expenses', 0],
  [7006, 'Employers NI', 'Expenses', 0],
  [7100, 'Rent', 'Expenses', 0],
  [7103, 'General Rates', 'Expenses', 0],
  [7200, 'Electricity', 'Expenses', 5],
  [7201, 'Gas', 'Expenses', 5],
  [7300, 'Fuel and Oil', 'Expenses', 20],
  [7303, 'Motor Vehicle Repairs', 'Expenses', 20],
  [7400, 'Travelling', 'Expenses', 0],
  [7401, 'Travel - Subsistence (old)', 'Expenses', 20, true],
  [7402, 'Subsistence', 'Expenses', 20],
  [7500, 'Office Costs', 'Expenses', 20],
  [7501, 'Postage and Carriage', 'Expenses', 0],
  [7502, 'Telephone and Internet', 'Expenses', 20],
  [7504, 'Office Stationery', 'Expenses', 20],
  [7505, 'Books and Subscriptions', 'Expenses', 0],
  [7600, 'Legal Fees', 'Expenses', 20],
  [7601, 'Audit and Accountancy Fees', 'Expenses', 20],
  [7602, 'Consultancy Fees', 'Expenses', 20],
  [7700, 'Equipment Hire', 'Expenses', 20],
  [7800, 'Repairs and Renewals', 'Expenses', 20],
  [7900, 'Bank Charges', 'Expenses', 0],
  [7901, 'Bank Interest Paid', 'Expenses', 0],
  [8000, 'Depreciation', 'Expenses', 0],
  [8100, 'Bad Debt Write Off', 'Expenses', 0],
  [8200, 'Donations', 'Expenses', 0],
  [8201, 'Subscriptions', 'Expenses', 20],
  [8204, 'Insurance', 'Expenses', 0],
  [8205, 'Refreshments', 'Expenses', 20],
  [9998, 'Suspense Account', 'Current Liabilities', 0],
];

const nomTypes: Record<Nominal['Type'], number> = {
  Sales: 1,
  Purchases: 2,
  Expenses: 3,
  'Fixed Assets': 4,
  'Current Assets': 5,
  'Current Liabilities': 6,
  Capital: 7,
};

function nominals(): Nominal[] {
  return chart.map(([code, name, type, vat, archived], i) => ({
    Id: 1000 + i,
    Code: code,
    Name: name,
    Type: type,
    NomType: nomTypes[type],
    Classification: type === 'Sales' || type === 'Purchases' || type === 'Expenses' ? 'ProfitAndLoss' : 'BalanceSheet',
    ControlAccountClassification:
      code === 1100 ? 'Debtors' : code === 2100 ? 'Creditors' : code === 2200 ? 'VAT' : code >= 1200 && code <= 1230 ? 'Bank' : null,
    VATRate: vat,
    VATExempt: false,
    Disallowed: code === 8205,
    Archived: archived === true,
    IsProduct: false,
  }));
}

export const vatRates: readonly VatRate[] = [
  { VATId: 1, VATRate: 20, VATText: 'Standard rate (20%)' },
  { VATId: 2, VATRate: 5, VATText: 'Reduced rate (5%)' },
  { VATId: 3, VATRate: 0, VATText: 'Zero rated (0%)' },
  { VATId: 4, VATRate: 17.5, VATText: 'Old standard rate (17.5%)' },
];

const supplierWords = [
  ['Acme', 'Office Supplies'],
  ['Northern', 'Stationers'],
  ['Brightside', 'Energy'],
  ['Thames', 'Telecom'],
  ['Castle', 'Couriers'],
  ['Greenleaf', 'Catering'],
  ['Harbour', 'Print'],
  ['Pennine', 'Fuel'],
  ['Kestrel', 'IT Services'],
  ['Oakwood', 'Furniture'],
  ['Riverside', 'Cleaning'],
  ['Summit', 'Accountants'],
  ['Bluebell', 'Insurance'],
  ['Crown', 'Legal'],
  ['Meridian', 'Logistics'],
  ['Sterling', 'Hire'],
] as const;
const firstNames = ['Alice', 'Ben', 'Chloe', 'Dev', 'Ella', 'Finn', 'Grace', 'Harry', 'Isla', 'Jack', 'Kiran', 'Lily'];
const lastNames = ['Hughes', 'Patel', 'Owen', 'Clarke', 'Murray', 'Singh', 'Walsh', 'Evans', 'Khan', 'Price', 'Reid'];
const companySuffix = ['Ltd', 'Limited', 'LLP', 'and Sons', 'Group Ltd', 'UK Ltd'];
const towns = ['Leeds', 'Bristol', 'York', 'Derby', 'Bath', 'Hull', 'Exeter', 'Carlisle', 'Preston', 'Ipswich'];

function iso(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function contactCode(name: string, used: Set<string>): string {
  const stem = name.replace(/[^A-Za-z]/g, '').slice(0, 4).toUpperCase().padEnd(4, 'X');
  for (let n = 1; ; n++) {
    const code = `${stem}${String(n).padStart(2, '0')}`;
    if (!used.has(code)) {
      used.add(code);
      return code;
    }
  }
}

function contacts(rng: Rng, count: number, kind: 'supplier' | 'customer', now: Date, firstId: number): Contact[] {
  const used = new Set<string>();
  const out: Contact[] = [];
  for (let i = 0; i < count; i++) {
    let name: string;
    if (kind === 'supplier') {
      const [a, b] = rng.pick(supplierWords);
      name = `${a} ${b} ${rng.pick(companySuffix)}`;
      if (i >= supplierWords.length) name = `${rng.pick(towns)} ${name}`;
    } else {
      name = rng.next() < 0.4 ? `${rng.pick(firstNames)} ${rng.pick(lastNames)}` : `${rng.pick(lastNames)} ${rng.pick(towns)} ${rng.pick(companySuffix)}`;
    }
    const created = new Date(now.getTime() - rng.int(30, 1500) * 86_400_000);
    const updated = new Date(created.getTime() + rng.int(0, 29) * 86_400_000);
    out.push({
      Id: firstId + i,
      Code: contactCode(name, used),
      Name: name,
      Currency: { Code: rng.next() < 0.08 ? 'EUR' : 'GBP' },
      IsArchived: rng.next() < 0.06,
      VATNumber: rng.next() < 0.6 ? `GB${rng.int(100_000_000, 999_999_999)}` : '',
      DefaultVatRate: 20,
      VatExempt: false,
      DefaultNominalCode: kind === 'supplier' ? rng.pick([5000, 7500, 7502, 7200, 7300, 7600]) : rng.pick([4000, 4001]),
      PaymentTerms: { Type: 'Days', Days: rng.pick([14, 30, 30, 60]) },
      CreatedDate: iso(created),
      LastUpdatedDate: iso(updated),
    });
  }
  return out;
}

function products(rng: Rng): Product[] {
  const names: Array<[string, number]> = [
    ['Consultancy (per hour)', 4001],
    ['Website maintenance (monthly)', 4001],
    ['Training day', 4001],
    ['Installation service', 4001],
    ['Widget, standard', 4000],
    ['Widget, deluxe', 4000],
    ['Cable pack', 4000],
    ['Spare parts kit', 4000],
    ['Printer paper (box)', 5000],
    ['Toner cartridge', 5000],
    ['Timber (per metre)', 5001],
    ['Fixings pack', 5001],
  ];
  const out: Product[] = [];
  let id = 5000;
  for (let round = 0; round < 3; round++) {
    for (const [name, nominal] of names) {
      const price = rng.int(500, 25_000) / 100;
      out.push({
        Id: id++,
        Code: `P${String(out.length + 1).padStart(3, '0')}`,
        Name: round === 0 ? name : `${name} (${['A', 'B', 'C'][round]})`,
        Description: name,
        Price: price,
        WholesalePrice: Math.round(price * 60) / 100,
        VATRate: 20,
        NominalCode: nominal,
        ManagesStock: nominal === 4000,
        QuantityInStock: nominal === 4000 ? rng.int(0, 80) : 0,
        IsArchived: round === 2 && out.length % 5 === 0,
      });
    }
  }
  return out;
}

function projects(rng: Rng, customers: Contact[], now: Date): Project[] {
  const names = ['Office refit', 'Website rebuild', 'Warehouse move', 'Annual audit support', 'Spring campaign', 'Fleet renewal', 'ISO certification', 'Old shop closure'];
  return names.map((name, i) => {
    const start = new Date(now.getTime() - rng.int(20, 400) * 86_400_000);
    const status: Project['Status'] = i === names.length - 1 ? 2 : i === 3 ? 1 : 0;
    return {
      Id: 300 + i,
      Number: i + 1,
      Name: name,
      Reference: `PRJ-${String(i + 1).padStart(3, '0')}`,
      Description: `${name} for ${rng.pick(customers).Name}`,
      Status: status,
      StartDate: iso(start),
      EndDate: status === 0 ? null : iso(new Date(start.getTime() + 90 * 86_400_000)),
      CustomerCode: rng.next() < 0.7 ? rng.pick(customers).Code : null,
    };
  });
}

function bankAccounts(rng: Rng): BankAccount[] {
  return [
    { Id: 1, AccountName: 'Current Account', Code: 1200, IsDefaultAccount: true, IsArchived: false, BankBalance: rng.int(100_000, 5_000_000) / 100, DefaultPurchasePaymentType: { Id: 3, Name: 'BACS' } },
    { Id: 2, AccountName: 'Savings Account', Code: 1210, IsDefaultAccount: false, IsArchived: false, BankBalance: rng.int(100_000, 9_000_000) / 100, DefaultPurchasePaymentType: { Id: 3, Name: 'BACS' } },
    { Id: 3, AccountName: 'Petty Cash', Code: 1230, IsDefaultAccount: false, IsArchived: false, BankBalance: rng.int(1_000, 30_000) / 100, DefaultPurchasePaymentType: { Id: 1, Name: 'Cash' } },
    { Id: 4, AccountName: 'Old Business Account', Code: 1220, IsDefaultAccount: false, IsArchived: true, BankBalance: 0, DefaultPurchasePaymentType: { Id: 3, Name: 'BACS' } },
  ];
}

/** [?] Payment methods by id, as `GET /paymentmethods/{type}` would list them. */
export const paymentMethods = [
  { Id: 1, Name: 'Cash' },
  { Id: 2, Name: 'Cheque' },
  { Id: 3, Name: 'BACS' },
  { Id: 4, Name: 'Credit/Debit Card' },
  { Id: 5, Name: 'Direct Debit' },
] as const;

export const defaultAccountSeed = {
  username: 'demo',
  password: 'demo-password',
  memorableWord: 'pineapple',
  companyName: 'Demo Trading Ltd',
} as const;

export function buildAccount(seed: AccountSeed, index: number, rng: Rng, now: Date): Account {
  const customers = contacts(rng, seed.customerCount ?? 64, 'customer', now, 20_000);
  const api = seed.api ?? {};
  return {
    companyId: seed.companyId ?? 81_000 + index * 17,
    companyName: seed.companyName ?? (index === 0 ? defaultAccountSeed.companyName : `Sandbox Company ${index + 1} Ltd`),
    username: seed.username ?? (index === 0 ? defaultAccountSeed.username : `demo${index + 1}`),
    password: seed.password ?? defaultAccountSeed.password,
    memorableWord: seed.memorableWord ?? defaultAccountSeed.memorableWord,
    locked: seed.locked ?? false,
    failedLogins: 0,
    vatNumber: `GB${rng.int(100_000_000, 999_999_999)}`,
    api: {
      APIEnabled: api.APIEnabled ?? true,
      RESTAPIEnabled: api.RESTAPIEnabled ?? true,
      // Ticked by default, with an empty list: nothing gets in until an IP is added or AutoAuth runs.
      AccessToSpecificIPAddressesOnly: api.AccessToSpecificIPAddressesOnly ?? true,
      // The seed article has the user tick "Enable AutoAuth", so it starts unticked here.
      AutoAuthEnabled: api.AutoAuthEnabled ?? false,
      AutoAuthKey: api.AutoAuthKey ?? rng.guid().toUpperCase(),
      UseSeparateSOAPAPIPassword: api.UseSeparateSOAPAPIPassword ?? false,
      Password: api.Password ?? '',
      EnableRemoteLogin: api.EnableRemoteLogin ?? false,
      allowedIps: (api.allowedIps ?? []).map((e) => ({ ip: e.ip, comment: e.comment ?? '', added: iso(now) })),
    },
    nominals: nominals(),
    suppliers: contacts(rng, seed.supplierCount ?? 137, 'supplier', now, 10_000),
    customers,
    vatRates: vatRates.map((v) => ({ ...v })),
    products: products(rng),
    projects: projects(rng, customers, now),
    bankAccounts: bankAccounts(rng),
    purchases: [],
    invoices: [],
    expenses: [],
    files: [],
    nextId: 100_000,
  };
}

export { iso as kashflowDateTime };
