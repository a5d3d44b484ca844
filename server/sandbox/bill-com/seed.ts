/**
 * Seeded US data for the BILL sandbox: one user with two organisations (so the web app's
 * organisation chooser has a choice), each with a chart of accounts, vendors (more than one page
 * of 100), customers, jobs, departments, locations, classes, employees, items, bank accounts and a
 * few bills already entered. Deterministic from the seed; dates are relative to the start time.
 */
import { billId, type Rng } from './random.js';
import type {
  Address,
  BankAccount,
  Bill,
  ChartOfAccount,
  Classification,
  Customer,
  Employee,
  Item,
  OrganizationData,
  User,
  Vendor,
} from './state.js';

/** The sandbox user shown on the sign-in page. */
export const sandboxUser = { email: 'ap.manager@hudsonvalleycoffee.test', password: 'Sandbox-2026!' } as const;

const day = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const date = (ms: number) => iso(ms).slice(0, 10);

interface OrgSeed {
  name: string;
  city: string;
  state: string;
  zip: string;
  street: string;
  phone: string;
  industry: string;
  vendors: number;
  customers: number;
  accounts: Array<[number: string, name: string, type: string, parent?: string, archived?: boolean]>;
  vendorNames: string[];
  vendorTrades: string[];
  customerNames: string[];
  jobs: Array<[name: string, parent?: string, archived?: boolean]>;
  departments: string[];
  locations: string[];
  classes: string[];
  items: Array<[name: string, type: string, price: number, account: string]>;
  banks: Array<[bankName: string, type: 'CHECKING' | 'SAVINGS', last4: string, account: string, archived?: boolean]>;
  employees: Array<[first: string, last: string]>;
}

const commonAccounts: OrgSeed['accounts'] = [
  ['1000', 'Operating Checking', 'BANK'],
  ['1010', 'Payroll Checking', 'BANK'],
  ['1020', 'Money Market Savings', 'BANK'],
  ['1100', 'Accounts Receivable', 'ACCOUNTS_RECEIVABLE'],
  ['1300', 'Prepaid Expenses', 'OTHER_CURRENT_ASSET'],
  ['1500', 'Equipment', 'FIXED_ASSET'],
  ['1510', 'Accumulated Depreciation', 'FIXED_ASSET', '1500'],
  ['2000', 'Accounts Payable', 'ACCOUNTS_PAYABLE'],
  ['2100', 'Amex Business Card', 'CREDIT_CARD'],
  ['2200', 'Sales Tax Payable', 'OTHER_CURRENT_LIABILITY'],
  ['2300', 'Payroll Liabilities', 'OTHER_CURRENT_LIABILITY'],
  ['2700', 'Equipment Loan', 'LONG_TERM_LIABILITY'],
  ['3000', "Owner's Equity", 'EQUITY'],
  ['3900', 'Retained Earnings', 'EQUITY'],
  ['4900', 'Other Income', 'OTHER_INCOME'],
  ['6000', 'Advertising & Marketing', 'EXPENSE'],
  ['6100', 'Bank Service Charges', 'EXPENSE'],
  ['6200', 'Computer & Software', 'EXPENSE'],
  ['6210', 'Software Subscriptions', 'EXPENSE', '6200'],
  ['6300', 'Insurance', 'EXPENSE'],
  ['6400', 'Meals', 'EXPENSE'],
  ['6450', 'Entertainment', 'EXPENSE', undefined, true],
  ['6500', 'Office Supplies', 'EXPENSE'],
  ['6600', 'Professional Fees', 'EXPENSE'],
  ['6610', 'Legal Fees', 'EXPENSE', '6600'],
  ['6620', 'Accounting Fees', 'EXPENSE', '6600'],
  ['6700', 'Rent', 'EXPENSE'],
  ['6800', 'Repairs & Maintenance', 'EXPENSE'],
  ['6900', 'Travel', 'EXPENSE'],
  ['6910', 'Mileage Reimbursement', 'EXPENSE', '6900'],
  ['7000', 'Utilities', 'EXPENSE'],
  ['7100', 'Telephone & Internet', 'EXPENSE'],
  ['7200', 'Shipping & Postage', 'EXPENSE'],
  ['7300', 'Dues & Subscriptions', 'EXPENSE'],
  ['7350', 'Trade Show Fees', 'EXPENSE', undefined, true],
  ['8000', 'Interest Expense', 'OTHER_EXPENSE'],
  ['8100', 'Depreciation Expense', 'OTHER_EXPENSE'],
];

const surnames = [
  'Anderson', 'Brennan', 'Castillo', 'Delgado', 'Ellison', 'Fitzgerald', 'Garrison', 'Holloway', 'Iverson', 'Jennings',
  'Kowalski', 'Lindqvist', 'Mercado', 'Nakamura', 'Okafor', 'Pellegrino', 'Quintero', 'Rasmussen', 'Sullivan', 'Thibodeaux',
  'Underwood', 'Valenzuela', 'Whitaker', 'Yamamoto', 'Zimmerman', 'Abernathy', 'Beaumont', 'Callahan', 'Donnelly', 'Esposito',
];

const orgSeeds: OrgSeed[] = [
  {
    name: 'Hudson Valley Coffee Roasters LLC',
    street: '214 Wall Street',
    city: 'Kingston',
    state: 'NY',
    zip: '12401',
    phone: '(845) 555-0142',
    industry: 'Food & Beverage',
    vendors: 137,
    customers: 46,
    accounts: [
      ...commonAccounts,
      ['1200', 'Inventory Asset', 'OTHER_CURRENT_ASSET'],
      ['4000', 'Café Sales', 'INCOME'],
      ['4100', 'Wholesale Sales', 'INCOME'],
      ['5000', 'Cost of Goods Sold', 'COST_OF_GOODS_SOLD'],
      ['5100', 'Green Coffee Purchases', 'COST_OF_GOODS_SOLD', '5000'],
      ['5200', 'Packaging Supplies', 'COST_OF_GOODS_SOLD', '5000'],
      ['5300', 'Dairy & Café Supplies', 'COST_OF_GOODS_SOLD', '5000'],
    ],
    vendorNames: [
      'Catskill Mountain Electric', 'Hudson Freight Lines Inc.', 'Green Bean Importers Inc.', 'Kingston Office Supply',
      'Empire State Insurance Agency', 'Ulster County Water Authority', 'Ridgeline Packaging Co.', 'Northeast Dairy Cooperative',
      'Beacon Bakery Wholesale', 'Valley Pest Control', 'Rondout Plumbing & Heating', 'Mid-Hudson CPA Group',
      'Sawkill Signs & Graphics', 'Esopus Creek Landscaping', 'Shawangunk Fiber Internet',
    ],
    vendorTrades: ['Plumbing', 'Electric', 'Hauling', 'Printing', 'Cleaning Services', 'Equipment Repair', 'Consulting', 'Roofing', 'Staffing', 'Catering Supply'],
    customerNames: ['Rhinebeck Farmers Market', 'Woodstock Natural Foods', 'New Paltz Co-op', 'Saugerties Diner', 'Poughkeepsie Grind Café'],
    jobs: [
      ['Beacon Café Fit-out'],
      ['Beacon Café Fit-out: Electrical', 'Beacon Café Fit-out'],
      ['Beacon Café Fit-out: Espresso Bar', 'Beacon Café Fit-out'],
      ['Rhinebeck Market Stall 2026'],
      ['Holiday Gift Boxes'],
      ['Roaster Replacement'],
      ['Summer Festival Pop-up 2025', undefined, true],
    ],
    departments: ['Roastery', 'Retail Café', 'Wholesale', 'Administration'],
    locations: ['Kingston Roastery', 'Beacon Café', 'Hudson Café'],
    classes: ['Retail', 'Wholesale', 'Online'],
    items: [
      ['House Blend 12oz', 'INVENTORY', 14.5, '4000'],
      ['Espresso Roast 5lb', 'INVENTORY', 62, '4100'],
      ['Colombia Huila Single Origin 12oz', 'INVENTORY', 17, '4000'],
      ['Cold Brew Concentrate 1gal', 'NON_INVENTORY', 38, '4100'],
      ['Barista Training (hour)', 'SERVICE', 75, '4100'],
      ['Delivery Fee', 'OTHER_CHARGE', 15, '4100'],
      ['Espresso Machine Service', 'SERVICE', 120, '4100'],
      ['Gift Box', 'NON_INVENTORY', 45, '4000'],
    ],
    banks: [
      ['First Hudson Bank', 'CHECKING', '4821', '1000'],
      ['First Hudson Bank', 'CHECKING', '7730', '1010'],
      ['Ulster Savings Bank', 'SAVINGS', '3304', '1020'],
      ['Mid-Valley Community Bank', 'CHECKING', '1119', '1000', true],
    ],
    employees: [['Maria', 'Alvarez'], ['Dev', 'Patel'], ['Hannah', 'Okonkwo'], ['Luis', 'Ferreira'], ['Grace', 'Whitfield']],
  },
  {
    name: 'Mesa Verde Dental Group PC',
    street: '88 East 8th Avenue',
    city: 'Durango',
    state: 'CO',
    zip: '81301',
    phone: '(970) 555-0187',
    industry: 'Healthcare',
    vendors: 34,
    customers: 12,
    accounts: [
      ...commonAccounts,
      ['4000', 'Patient Fees', 'INCOME'],
      ['4100', 'Insurance Reimbursements', 'INCOME'],
      ['5000', 'Dental Supplies', 'COST_OF_GOODS_SOLD'],
      ['5100', 'Lab Fees', 'COST_OF_GOODS_SOLD'],
    ],
    vendorNames: ['Four Corners Dental Supply', 'San Juan Dental Lab', 'La Plata Electric Association', 'Animas Medical Waste Disposal', 'Durango Janitorial'],
    vendorTrades: ['Dental Lab', 'Medical Supply', 'IT Services', 'Cleaning Services'],
    customerNames: ['Delta Dental of Colorado', 'Rocky Mountain Health Plans'],
    jobs: [['Operatory 4 Build-out'], ['Cortez Satellite Office']],
    departments: ['Clinical', 'Front Office'],
    locations: ['Durango', 'Cortez'],
    classes: ['Hygiene', 'Restorative'],
    items: [['Cleaning & Exam', 'SERVICE', 185, '4000'], ['Crown', 'SERVICE', 1250, '4000']],
    banks: [['Alpine Bank', 'CHECKING', '6612', '1000']],
    employees: [['Rosa', 'Martinez'], ['Tom', 'Begay']],
  },
];

const streets = ['Main Street', 'Broadway', 'Albany Avenue', 'North Front Street', 'Route 9W', 'Washington Avenue', 'Elm Street', 'Hurley Avenue'];
const towns: Array<[city: string, state: string, zip: string]> = [
  ['Kingston', 'NY', '12401'], ['Poughkeepsie', 'NY', '12601'], ['Newburgh', 'NY', '12550'], ['Albany', 'NY', '12207'],
  ['Hudson', 'NY', '12534'], ['Durango', 'CO', '81301'], ['Denver', 'CO', '80202'], ['Stamford', 'CT', '06901'],
];

function address(rng: Rng, fixed?: { street: string; city: string; state: string; zip: string }): Address {
  const [city, state, zip] = fixed ? [fixed.city, fixed.state, fixed.zip] : rng.pick(towns);
  return {
    line1: fixed?.street ?? `${rng.int(10, 980)} ${rng.pick(streets)}`,
    city,
    stateOrProvince: state,
    zipOrPostalCode: zip,
    country: 'US',
    countryName: 'United States',
  };
}

function phone(rng: Rng): string {
  return `(${rng.pick(['845', '518', '914', '970', '303', '203'])}) 555-0${String(rng.int(100, 199))}`;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 18);
}

function buildOrganization(rng: Rng, seed: OrgSeed, now: number, userId: string): OrganizationData {
  const stamp = (daysAgo: number) => {
    const t = iso(now - daysAgo * day - rng.int(0, 86_000) * 1000);
    return { createdTime: t, updatedTime: t };
  };
  const orgId = billId(rng, 'organization');

  const accountIds = new Map<string, string>();
  const chartOfAccounts: ChartOfAccount[] = seed.accounts
    .slice()
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([number, name, type, parent, archived]) => {
      const id = billId(rng, 'chartOfAccount');
      accountIds.set(number, id);
      return { id, archived: archived === true, name, description: '', account: { type, number }, ...stamp(rng.int(500, 900)), ...(parent ? { parentId: parent } : {}) };
    });
  for (const a of chartOfAccounts) if (a.parentId) a.parentId = accountIds.get(a.parentId);

  const vendorNames = [...seed.vendorNames];
  const used = new Set(vendorNames);
  while (vendorNames.length < seed.vendors) {
    const name = `${rng.pick(surnames)} ${rng.pick(seed.vendorTrades)}${rng.pick(['', ' LLC', ' Inc.', ' Co.'])}`;
    if (used.has(name)) continue;
    used.add(name);
    vendorNames.push(name);
  }
  const vendors: Vendor[] = vendorNames.map((name, i) => {
    const a = address(rng);
    return {
      archived: i % 23 === 22,
      id: billId(rng, 'vendor'),
      name,
      shortName: name.split(' ')[0]!.slice(0, 10),
      accountNumber: `AC-${rng.int(10_000, 99_999)}`,
      accountType: 'BUSINESS',
      email: `billing@${slug(name)}.test`,
      phone: phone(rng),
      address: a,
      billCurrency: 'USD',
      balance: { amount: 0 },
      paymentInformation: { payeeName: name, payByType: rng.pick(['ACH', 'CHECK']) },
      ...stamp(rng.int(30, 800)),
    };
  });
  // Employees are paid back through bills too: they appear as PERSON vendors (expense claims).
  for (const [first, last] of seed.employees) {
    const name = `${first} ${last}`;
    vendors.push({
      archived: false,
      id: billId(rng, 'vendor'),
      name,
      shortName: first,
      accountType: 'PERSON',
      email: `${first.toLowerCase()}.${last.toLowerCase()}@staff.test`,
      address: address(rng),
      billCurrency: 'USD',
      balance: { amount: 0 },
      paymentInformation: { payeeName: name, payByType: 'ACH' },
      ...stamp(rng.int(30, 400)),
    });
  }

  const customerNames = [...seed.customerNames];
  while (customerNames.length < seed.customers) {
    const name = `${rng.pick(surnames)} ${rng.pick(['Market', 'Café', 'Grocers', 'Deli', 'Bakery', 'Family Practice', 'Bistro'])}`;
    if (!customerNames.includes(name)) customerNames.push(name);
  }
  const customers: Customer[] = customerNames.map((name, i) => ({
    archived: i % 17 === 16,
    id: billId(rng, 'customer'),
    name,
    companyName: name,
    email: `ap@${slug(name)}.test`,
    phone: phone(rng),
    contact: { firstName: rng.pick(['Ann', 'Ben', 'Carla', 'Dmitri', 'Erin', 'Femi']), lastName: rng.pick(surnames) },
    accountType: 'BUSINESS',
    invoiceCurrency: 'USD',
    billingAddress: address(rng),
    balance: { amount: 0 },
    ...stamp(rng.int(30, 700)),
  }));

  const classifications = (kind: 'job' | 'department' | 'location' | 'accountingClass', names: Array<[string, string?, boolean?]>): Classification[] => {
    const byName = new Map<string, string>();
    return names.map(([name, parent, archived]) => {
      const id = billId(rng, kind);
      byName.set(name, id);
      return {
        id,
        name,
        shortName: name.replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toUpperCase(),
        description: '',
        archived: archived === true,
        ...(parent ? { parentId: byName.get(parent) } : {}),
        ...stamp(rng.int(20, 600)),
      };
    });
  };

  const employees: Employee[] = seed.employees.map(([firstName, lastName]) => ({
    id: billId(rng, 'employee'),
    firstName,
    lastName,
    shortName: `${firstName[0]}${lastName}`.toUpperCase().slice(0, 8),
    archived: false,
    ...stamp(rng.int(30, 400)),
  }));

  const items: Item[] = seed.items.map(([name, type, price, account]) => ({
    id: billId(rng, 'item'),
    type,
    name,
    shortName: name.slice(0, 10),
    description: name,
    archived: false,
    price,
    chartOfAccountId: accountIds.get(account),
    taxable: type === 'INVENTORY',
    ...stamp(rng.int(30, 500)),
  }));

  const bankAccounts: BankAccount[] = seed.banks.map(([bankName, type, last4, account, archived], i) => ({
    archived: archived === true,
    id: billId(rng, 'bankAccount'),
    status: archived ? 'NOT_VERIFIED' : 'VERIFIED',
    createdBy: userId,
    routingNumber: '021000021',
    accountNumber: `xxxxxx${last4}`,
    nameOnAccount: seed.name,
    type,
    ownerType: 'BUSINESS',
    bankName,
    accessToAdmins: true,
    default: { payables: i === 0, receivables: i === 0 },
    chartOfAccountId: accountIds.get(account),
    ...stamp(rng.int(100, 700)),
  }));

  const expense = chartOfAccounts.filter((a) => a.account.type === 'EXPENSE' && !a.archived);
  const bills: Bill[] = [];
  for (let i = 0; i < 6; i++) {
    const vendor = vendors[i * 3]!;
    const amount = rng.int(4_000, 250_000) / 100;
    const created = now - rng.int(5, 90) * day;
    bills.push({
      id: billId(rng, 'bill'),
      archived: false,
      vendorId: vendor.id,
      vendorName: vendor.name,
      amount,
      paidAmount: 0,
      dueAmount: amount,
      scheduledAmount: 0,
      creditAmount: 0,
      fundingAmount: amount,
      exchangeRate: 1,
      dueDate: date(created + 30 * day),
      invoice: { invoiceNumber: `${rng.int(1000, 9999)}-${i + 1}`, invoiceDate: date(created) },
      billLineItems: [{ id: billId(rng, 'billLine'), amount, description: 'Monthly service', classifications: { chartOfAccountId: rng.pick(expense).id } }],
      paymentStatus: 'UNPAID',
      approvalStatus: 'UNASSIGNED',
      createdTime: iso(created),
      updatedTime: iso(created),
    });
    vendor.balance.amount = Math.round((vendor.balance.amount + amount) * 100) / 100;
  }

  return {
    id: orgId,
    name: seed.name,
    address: address(rng, seed),
    phone: seed.phone,
    industry: seed.industry,
    ...stamp(1200),
    chartOfAccounts,
    vendors,
    customers,
    jobs: classifications('job', seed.jobs),
    departments: classifications('department', seed.departments.map((n) => [n])),
    locations: classifications('location', seed.locations.map((n) => [n])),
    accountingClasses: classifications('accountingClass', seed.classes.map((n) => [n])),
    employees,
    items,
    bankAccounts,
    bills,
    vendorCredits: [],
    payments: [],
    uploads: [],
    developerKeys: [],
  };
}

export function buildWorld(rng: Rng, nowDate: Date): { users: User[]; organizations: OrganizationData[] } {
  const now = nowDate.getTime();
  const userId = billId(rng, 'user');
  const organizations = orgSeeds.map((seed) => buildOrganization(rng, seed, now, userId));
  const users: User[] = [
    {
      id: userId,
      email: sandboxUser.email,
      password: sandboxUser.password,
      firstName: 'Jordan',
      lastName: 'Reyes',
      organizationIds: organizations.map((o) => o.id),
      rememberMeId: `rm-${rng.alnum(24)}`,
    },
  ];
  return { users, organizations };
}
