/**
 * Seed companies, deterministic from a seed: a US company (sales tax through TAX/NON, the way
 * QuickBooks' US edition codes lines) and a UK company (VAT codes with sales and purchase
 * rates). Records are kept in QuickBooks' own JSON shape (quickbooks-online.md §2), so the query
 * engine filters the very objects it returns.
 */
import { createRandom, deriveSeed, type Random } from './random.js';

export type Json = Record<string, unknown>;

/** Name-list entities (never deleted, only made inactive) and the transactions we accept. */
export const nameListEntities = ['Account', 'Vendor', 'Customer', 'Item', 'Class', 'Department', 'TaxCode', 'TaxRate', 'Term', 'PaymentMethod', 'Employee'] as const;
export const transactionEntities = ['Bill', 'Purchase', 'Invoice', 'VendorCredit', 'CreditMemo', 'BillPayment', 'Payment'] as const;
export const entityNames = [...nameListEntities, ...transactionEntities, 'Attachable', 'CompanyInfo', 'Preferences'] as const;
export type EntityName = (typeof entityNames)[number];

export interface CompanyData {
  realmId: string;
  name: string;
  country: 'US' | 'GB';
  currency: string;
  /** Sales tax code US lines marked TAX are charged at (TxnTaxCodeRef default). */
  defaultSalesTaxCode?: string;
  entities: Partial<Record<EntityName, Json[]>>;
  /** The next Id to give (QuickBooks ids are numeric strings). */
  nextId: number;
}

/** `2015-02-09T10:11:11-08:00`: QuickBooks sends MetaData times at Pacific offset. */
export function qboTime(ms: number): string {
  const shifted = new Date(ms - 8 * 3_600_000);
  return `${shifted.toISOString().slice(0, 19)}-08:00`;
}

export function metaData(created: number, updated = created): Json {
  return { CreateTime: qboTime(created), LastUpdatedTime: qboTime(updated) };
}

const SEEDED_AT = Date.UTC(2025, 0, 15, 17, 0, 0);

interface AccountSeed {
  num: string;
  name: string;
  type: string;
  sub: string;
  tax?: string;
}

const accountClassification: Record<string, string> = {
  Bank: 'Asset',
  'Accounts Receivable': 'Asset',
  'Other Current Asset': 'Asset',
  'Fixed Asset': 'Asset',
  'Accounts Payable': 'Liability',
  'Credit Card': 'Liability',
  'Other Current Liability': 'Liability',
  'Long Term Liability': 'Liability',
  Equity: 'Equity',
  Income: 'Revenue',
  'Other Income': 'Revenue',
  'Cost of Goods Sold': 'Expense',
  Expense: 'Expense',
  'Other Expense': 'Expense',
};

export function classificationOf(type: string): string {
  return accountClassification[type] ?? 'Expense';
}

const usAccounts: AccountSeed[] = [
  { num: '1000', name: 'Checking', type: 'Bank', sub: 'Checking' },
  { num: '1010', name: 'Savings', type: 'Bank', sub: 'Savings' },
  { num: '1200', name: 'Accounts Receivable (A/R)', type: 'Accounts Receivable', sub: 'AccountsReceivable' },
  { num: '1400', name: 'Undeposited Funds', type: 'Other Current Asset', sub: 'UndepositedFunds' },
  { num: '1500', name: 'Truck', type: 'Fixed Asset', sub: 'Vehicles' },
  { num: '2000', name: 'Accounts Payable (A/P)', type: 'Accounts Payable', sub: 'AccountsPayable' },
  { num: '2100', name: 'Mastercard', type: 'Credit Card', sub: 'CreditCard' },
  { num: '2200', name: 'Board of Equalization Payable', type: 'Other Current Liability', sub: 'SalesTaxPayable' },
  { num: '3000', name: "Owner's Equity", type: 'Equity', sub: 'OwnersEquity' },
  { num: '4000', name: 'Landscaping Services', type: 'Income', sub: 'ServiceFeeIncome' },
  { num: '4100', name: 'Sales of Product Income', type: 'Income', sub: 'SalesOfProductIncome' },
  { num: '4200', name: 'Services', type: 'Income', sub: 'ServiceFeeIncome' },
  { num: '5000', name: 'Cost of Goods Sold', type: 'Cost of Goods Sold', sub: 'SuppliesMaterialsCogs' },
  { num: '6000', name: 'Advertising', type: 'Expense', sub: 'AdvertisingPromotional' },
  { num: '6010', name: 'Automobile:Fuel', type: 'Expense', sub: 'Auto' },
  { num: '6020', name: 'Bank Charges', type: 'Expense', sub: 'BankCharges' },
  { num: '6030', name: 'Equipment Rental', type: 'Expense', sub: 'EquipmentRental' },
  { num: '6040', name: 'Insurance', type: 'Expense', sub: 'Insurance' },
  { num: '6050', name: 'Job Expenses', type: 'Expense', sub: 'SuppliesMaterials' },
  { num: '6060', name: 'Legal & Professional Fees', type: 'Expense', sub: 'LegalProfessionalFees' },
  { num: '6070', name: 'Meals and Entertainment', type: 'Expense', sub: 'EntertainmentMeals' },
  { num: '6080', name: 'Office Expenses', type: 'Expense', sub: 'OfficeGeneralAdministrativeExpenses' },
  { num: '6090', name: 'Rent or Lease', type: 'Expense', sub: 'RentOrLeaseOfBuildings' },
  { num: '6100', name: 'Repair & Maintenance', type: 'Expense', sub: 'RepairMaintenance' },
  { num: '6110', name: 'Travel', type: 'Expense', sub: 'Travel' },
  { num: '6120', name: 'Utilities', type: 'Expense', sub: 'Utilities' },
  { num: '6130', name: 'Telephone', type: 'Expense', sub: 'Utilities' },
  { num: '7000', name: 'Interest Earned', type: 'Other Income', sub: 'InterestEarned' },
  { num: '8000', name: 'Miscellaneous', type: 'Other Expense', sub: 'OtherMiscellaneousExpense' },
];

const ukAccounts: AccountSeed[] = [
  { num: '1200', name: 'Current Account', type: 'Bank', sub: 'Checking' },
  { num: '1210', name: 'Business Savings', type: 'Bank', sub: 'Savings' },
  { num: '1100', name: 'Trade Debtors', type: 'Accounts Receivable', sub: 'AccountsReceivable' },
  { num: '0030', name: 'Office Equipment', type: 'Fixed Asset', sub: 'FurnitureAndFixtures' },
  { num: '2100', name: 'Trade Creditors', type: 'Accounts Payable', sub: 'AccountsPayable' },
  { num: '2150', name: 'Barclaycard', type: 'Credit Card', sub: 'CreditCard' },
  { num: '2202', name: 'VAT Control', type: 'Other Current Liability', sub: 'GlobalTaxPayable' },
  { num: '3000', name: 'Share Capital', type: 'Equity', sub: 'OwnersEquity' },
  { num: '4000', name: 'Sales', type: 'Income', sub: 'SalesOfProductIncome', tax: '3' },
  { num: '4010', name: 'Design Fees', type: 'Income', sub: 'ServiceFeeIncome', tax: '3' },
  { num: '4900', name: 'Other Income', type: 'Other Income', sub: 'OtherMiscellaneousIncome', tax: '6' },
  { num: '5000', name: 'Cost of Sales', type: 'Cost of Goods Sold', sub: 'SuppliesMaterialsCogs', tax: '3' },
  { num: '5100', name: 'Subcontractors', type: 'Cost of Goods Sold', sub: 'CostOfLaborCos', tax: '3' },
  { num: '6100', name: 'Advertising and Marketing', type: 'Expense', sub: 'AdvertisingPromotional', tax: '3' },
  { num: '6200', name: 'Bank Charges', type: 'Expense', sub: 'BankCharges', tax: '6' },
  { num: '6300', name: 'Insurance', type: 'Expense', sub: 'Insurance', tax: '6' },
  { num: '6400', name: 'Legal and Professional Fees', type: 'Expense', sub: 'LegalProfessionalFees', tax: '3' },
  { num: '6500', name: 'Meals and Entertainment', type: 'Expense', sub: 'EntertainmentMeals', tax: '7' },
  { num: '6600', name: 'Office Expenses', type: 'Expense', sub: 'OfficeGeneralAdministrativeExpenses', tax: '3' },
  { num: '6700', name: 'Rent or Lease Payments', type: 'Expense', sub: 'RentOrLeaseOfBuildings', tax: '6' },
  { num: '6800', name: 'Repairs and Maintenance', type: 'Expense', sub: 'RepairMaintenance', tax: '3' },
  { num: '6900', name: 'Software Subscriptions', type: 'Expense', sub: 'OfficeGeneralAdministrativeExpenses', tax: '3' },
  { num: '7000', name: 'Telephone and Internet', type: 'Expense', sub: 'Utilities', tax: '3' },
  { num: '7100', name: 'Travel', type: 'Expense', sub: 'Travel', tax: '5' },
  { num: '7200', name: 'Utilities', type: 'Expense', sub: 'Utilities', tax: '4' },
  { num: '7300', name: 'Motor Expenses', type: 'Expense', sub: 'Auto', tax: '3' },
  { num: '7400', name: 'Postage and Delivery', type: 'Expense', sub: 'ShippingFreightDelivery', tax: '6' },
  { num: '7500', name: 'Training', type: 'Expense', sub: 'OfficeGeneralAdministrativeExpenses', tax: '6' },
  { num: '8000', name: 'Depreciation', type: 'Other Expense', sub: 'Depreciation' },
];

const firstWords = ['Ashford', 'Bramley', 'Cobalt', 'Dunmore', 'Elmstead', 'Fairhaven', 'Granite', 'Hollins', 'Ironbridge', 'Juniper', 'Kestrel', 'Larkspur', 'Marlow', 'Northgate', 'Oakridge', 'Pennant', 'Quayside', 'Redwood', 'Saltash', 'Thornbury', 'Upland', 'Vantage', 'Westcott', 'Yarrow'];
const supplierKinds = ['Office Supplies', 'Print & Design', 'Couriers', 'Electrical', 'Timber Merchants', 'IT Services', 'Cleaning Co', 'Stationers', 'Plant Hire', 'Catering', 'Telecom', 'Fuel Cards', 'Accountants', 'Insurance Brokers', 'Signs', 'Hardware'];
const customerKinds = ['Dental Practice', 'Property Management', 'Veterinary Clinic', 'Bakery', 'Architects', 'Primary School', 'Garden Centre', 'Hotel', 'Fitness Studio', 'Estate Agents', 'Cafe', 'Brewery'];
const givenNames = ['Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Harry', 'Mia', 'Jack', 'Sophie', 'Noah', 'Grace', 'Leo'];
const familyNames = ['Patel', 'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Thomas', 'Roberts', 'Khan', 'Walker'];

function addr(rng: Random, country: 'US' | 'GB'): Json {
  if (country === 'US') {
    const cities: [string, string, string][] = [['Sacramento', 'CA', '958'], ['Oakland', 'CA', '946'], ['Fresno', 'CA', '937'], ['Reno', 'NV', '895']];
    const [city, st, zip] = rng.pick(cities);
    return { Line1: `${100 + rng.int(8900)} ${rng.pick(firstWords)} Ave`, City: city, CountrySubDivisionCode: st, PostalCode: `${zip}${rng.digits(2)}`, Country: 'USA' };
  }
  const towns: [string, string][] = [['Bristol', 'BS'], ['Leeds', 'LS'], ['Manchester', 'M'], ['Norwich', 'NR'], ['Exeter', 'EX'], ['York', 'YO']];
  const [town, pc] = rng.pick(towns);
  return { Line1: `${1 + rng.int(180)} ${rng.pick(firstWords)} Road`, City: town, PostalCode: `${pc}${1 + rng.int(20)} ${rng.int(9)}${String.fromCharCode(65 + rng.int(26))}${String.fromCharCode(65 + rng.int(26))}`, Country: 'GB' };
}

/** Unique display names: QuickBooks refuses a DisplayName already used by any vendor, customer or employee. */
function uniqueNames(rng: Random, count: number, kinds: string[], used: Set<string>, suffix: string): string[] {
  const out: string[] = [];
  let guard = 0;
  while (out.length < count && guard++ < count * 50) {
    const name = `${rng.pick(firstWords)} ${rng.pick(kinds)}${suffix}`;
    if (used.has(name.toLowerCase())) continue;
    used.add(name.toLowerCase());
    out.push(name);
  }
  return out;
}

export function generateCompany(seed: number, spec: { name: string; country: 'US' | 'GB'; vendors?: number; customers?: number }): CompanyData {
  const rng = createRandom(deriveSeed(seed, spec.name));
  const realmId = rng.digits(16);
  const country = spec.country;
  const currency = country === 'US' ? 'USD' : 'GBP';
  let nextId = 1;
  const id = () => String(nextId++);
  const base = (extra: Json): Json => ({ domain: 'QBO', sparse: false, SyncToken: '0', MetaData: metaData(SEEDED_AT), ...extra });
  const entities: Partial<Record<EntityName, Json[]>> = {};

  // --- tax ---
  const taxRates: Json[] = [];
  const taxCodes: Json[] = [];
  let defaultSalesTaxCode: string | undefined;
  if (country === 'US') {
    taxRates.push(base({ Id: '1', Name: 'California', Description: 'California state sales tax', Active: true, RateValue: 7.25, AgencyRef: { value: '1' }, SpecialTaxType: 'NONE', DisplayType: 'ReadOnly', EffectiveTaxRate: [{ RateValue: 7.25, EffectiveDate: '2017-01-01T00:00:00-08:00' }] }));
    taxRates.push(base({ Id: '2', Name: 'Sacramento County', Description: 'County district tax', Active: true, RateValue: 1.5, AgencyRef: { value: '1' }, SpecialTaxType: 'NONE', DisplayType: 'ReadOnly', EffectiveTaxRate: [{ RateValue: 1.5, EffectiveDate: '2017-01-01T00:00:00-08:00' }] }));
    // US lines carry the pseudo-codes TAX / NON; the rate comes from the transaction's tax code.
    taxCodes.push(base({ Id: 'TAX', Name: 'TAX', Description: 'TAX', Active: true, Hidden: false, Taxable: true, TaxGroup: false, SalesTaxRateList: { TaxRateDetail: [] }, PurchaseTaxRateList: { TaxRateDetail: [] } }));
    taxCodes.push(base({ Id: 'NON', Name: 'NON', Description: 'NON', Active: true, Hidden: false, Taxable: false, TaxGroup: false, SalesTaxRateList: { TaxRateDetail: [] }, PurchaseTaxRateList: { TaxRateDetail: [] } }));
    taxCodes.push(base({ Id: '3', Name: 'Sacramento', Description: 'California + Sacramento County', Active: true, Hidden: false, Taxable: true, TaxGroup: true, SalesTaxRateList: { TaxRateDetail: [{ TaxRateRef: { value: '1', name: 'California' }, TaxTypeApplicable: 'TaxOnAmount', TaxOrder: 0 }, { TaxRateRef: { value: '2', name: 'Sacramento County' }, TaxTypeApplicable: 'TaxOnAmount', TaxOrder: 0 }] }, PurchaseTaxRateList: { TaxRateDetail: [] } }));
    defaultSalesTaxCode = '3';
    nextId = 4;
  } else {
    const rate = (rid: string, name: string, value: number, special = 'NONE') =>
      base({ Id: rid, Name: name, Description: name, Active: true, RateValue: value, AgencyRef: { value: '1', name: 'HMRC' }, SpecialTaxType: special, DisplayType: 'ReadOnly', EffectiveTaxRate: [{ RateValue: value, EffectiveDate: '2011-01-04T00:00:00Z' }] });
    taxRates.push(rate('1', '20.0% S (Sales)', 20), rate('2', '20.0% S (Purchases)', 20), rate('3', '5.0% R (Sales)', 5), rate('4', '5.0% R (Purchases)', 5), rate('5', '0.0% Z (Sales)', 0, 'ZERO_RATE'), rate('6', '0.0% Z (Purchases)', 0, 'ZERO_RATE'), rate('7', 'Exempt (Sales)', 0), rate('8', 'Exempt (Purchases)', 0));
    const code = (cid: string, name: string, description: string, sales?: [string, string], purchase?: [string, string]) =>
      base({
        Id: cid,
        Name: name,
        Description: description,
        Active: true,
        Hidden: false,
        Taxable: Boolean(sales || purchase),
        TaxGroup: true,
        SalesTaxRateList: { TaxRateDetail: sales ? [{ TaxRateRef: { value: sales[0], name: sales[1] }, TaxTypeApplicable: 'TaxOnAmount', TaxOrder: 0 }] : [] },
        PurchaseTaxRateList: { TaxRateDetail: purchase ? [{ TaxRateRef: { value: purchase[0], name: purchase[1] }, TaxTypeApplicable: 'TaxOnAmount', TaxOrder: 0 }] : [] },
      });
    taxCodes.push(
      code('3', '20.0% S', 'Standard rated (20%)', ['1', '20.0% S (Sales)'], ['2', '20.0% S (Purchases)']),
      code('4', '5.0% R', 'Reduced rate (5%)', ['3', '5.0% R (Sales)'], ['4', '5.0% R (Purchases)']),
      code('5', '0.0% Z', 'Zero rated', ['5', '0.0% Z (Sales)'], ['6', '0.0% Z (Purchases)']),
      code('6', 'Exempt', 'Exempt from VAT', ['7', 'Exempt (Sales)'], ['8', 'Exempt (Purchases)']),
      code('7', 'No VAT', 'Outside the scope of VAT'),
    );
    nextId = 9;
  }
  entities.TaxRate = taxRates;
  entities.TaxCode = taxCodes;

  // --- accounts ---
  entities.Account = (country === 'US' ? usAccounts : ukAccounts).map((a) => {
    const [parent, leaf] = a.name.includes(':') ? (a.name.split(':') as [string, string]) : [undefined, a.name];
    return base({
      Id: id(),
      Name: leaf,
      AcctNum: a.num,
      SubAccount: Boolean(parent),
      FullyQualifiedName: a.name,
      Active: true,
      Classification: classificationOf(a.type),
      AccountType: a.type,
      AccountSubType: a.sub,
      CurrentBalance: 0,
      CurrentBalanceWithSubAccounts: 0,
      CurrencyRef: { value: currency, name: currency === 'USD' ? 'United States Dollar' : 'British Pound Sterling' },
      ...(a.tax ? { TaxCodeRef: { value: a.tax } } : {}),
    });
  });
  const accountByNum = (num: string) => entities.Account!.find((a) => a.AcctNum === num)!;

  // --- terms & payment methods ---
  entities.Term = [base({ Id: id(), Name: 'Net 30', Active: true, Type: 'STANDARD', DueDays: 30 }), base({ Id: id(), Name: 'Due on receipt', Active: true, Type: 'STANDARD', DueDays: 0 })];
  entities.PaymentMethod = [base({ Id: id(), Name: 'Cash', Active: true, Type: 'NON_CREDIT_CARD' }), base({ Id: id(), Name: 'Check', Active: true, Type: 'NON_CREDIT_CARD' }), base({ Id: id(), Name: 'Visa', Active: true, Type: 'CREDIT_CARD' })];

  // --- vendors, customers, projects ---
  const used = new Set<string>();
  const suffix = country === 'US' ? ' Inc' : ' Ltd';
  entities.Vendor = uniqueNames(rng, spec.vendors ?? 60, supplierKinds, used, suffix).map((name, i) =>
    base({
      Id: id(),
      DisplayName: name,
      CompanyName: name,
      PrintOnCheckName: name,
      GivenName: rng.pick(givenNames),
      FamilyName: rng.pick(familyNames),
      PrimaryEmailAddr: { Address: `accounts@${name.toLowerCase().replace(/[^a-z]+/g, '')}.example` },
      BillAddr: addr(rng, country),
      AcctNum: `SUP${String(i + 1).padStart(4, '0')}`,
      Active: i % 17 !== 16,
      Vendor1099: country === 'US' && i % 5 === 0,
      Balance: 0,
      CurrencyRef: { value: currency },
      TermRef: { value: entities.Term![0]!.Id },
    }),
  );
  const customerNames = uniqueNames(rng, spec.customers ?? 35, customerKinds, used, '');
  entities.Customer = customerNames.map((name, i) =>
    base({
      Id: id(),
      DisplayName: name,
      CompanyName: name,
      FullyQualifiedName: name,
      PrintOnCheckName: name,
      PrimaryEmailAddr: { Address: `office@${name.toLowerCase().replace(/[^a-z]+/g, '')}.example` },
      BillAddr: addr(rng, country),
      Active: i % 13 !== 12,
      Job: false,
      BillWithParent: false,
      IsProject: false,
      Taxable: country === 'US',
      Balance: 0,
      BalanceWithJobs: 0,
      CurrencyRef: { value: currency },
      PreferredDeliveryMethod: 'Print',
    }),
  );
  // Projects are customers flagged IsProject, under a parent customer (§2 "Projects / tracking").
  const projectNames = country === 'US' ? ['Backyard Remodel', 'Spring Planting', 'Irrigation Upgrade'] : ['Rebrand 2026', 'Website Refresh', 'Shop Fit-out'];
  for (const [i, pname] of projectNames.entries()) {
    const parent = entities.Customer[i]!;
    entities.Customer.push(
      base({
        Id: id(),
        DisplayName: pname,
        FullyQualifiedName: `${parent.DisplayName}:${pname}`,
        CompanyName: parent.DisplayName,
        Active: true,
        Job: true,
        IsProject: true,
        BillWithParent: true,
        ParentRef: { value: parent.Id },
        Level: 1,
        Taxable: country === 'US',
        Balance: 0,
        BalanceWithJobs: 0,
        CurrencyRef: { value: currency },
      }),
    );
  }

  // --- items ---
  const income = country === 'US' ? accountByNum('4200') : accountByNum('4010');
  const cogs = country === 'US' ? accountByNum('5000') : accountByNum('5000');
  const itemSeeds: [string, string, number, string?][] =
    country === 'US'
      ? [['Services', 'Service', 0], ['Hours', 'Service', 0], ['Design', 'Service', 75, 'DES-01'], ['Gardening', 'Service', 45, 'GAR-01'], ['Trimming', 'Service', 35, 'TRM-01'], ['Sod', 'NonInventory', 3.5, 'SOD-SQF'], ['Fountain Pump', 'NonInventory', 189, 'FP-220'], ['Rock Fountain', 'NonInventory', 275, 'RF-100'], ['Sprinkler Heads', 'NonInventory', 2.75, 'SPR-HD'], ['Pest Control', 'Service', 35, 'PEST-01']]
      : [['Services', 'Service', 0], ['Hours', 'Service', 0], ['Brand Workshop', 'Service', 950, 'WS-BRAND'], ['Logo Design', 'Service', 1200, 'LOGO-01'], ['Web Page Design', 'Service', 450, 'WEB-PG'], ['Hourly Design', 'Service', 65, 'HR-DES'], ['Print Run A5', 'NonInventory', 0.18, 'PR-A5'], ['Signage Board', 'NonInventory', 240, 'SIGN-01'], ['Photography Day', 'Service', 680, 'PHOTO-D'], ['Retainer', 'Service', 1500, 'RET-M']];
  entities.Item = itemSeeds.map(([name, type, price, sku], i) =>
    base({
      Id: id(),
      Name: name,
      FullyQualifiedName: name,
      ...(sku ? { Sku: sku } : {}),
      Description: name,
      Active: i !== itemSeeds.length - 1 || country === 'US',
      Type: type,
      Taxable: country === 'US',
      UnitPrice: price,
      PurchaseCost: 0,
      IncomeAccountRef: { value: income.Id, name: income.Name },
      ...(type === 'NonInventory' ? { ExpenseAccountRef: { value: cogs.Id, name: cogs.Name } } : {}),
      ...(country === 'GB' ? { SalesTaxCodeRef: { value: '3', name: '20.0% S' }, PurchaseTaxCodeRef: { value: '3', name: '20.0% S' } } : {}),
      TrackQtyOnHand: false,
    }),
  );

  // --- classes & departments (locations) ---
  const classNames = country === 'US' ? ['Residential', 'Commercial', 'Maintenance Contracts', 'Commercial:Municipal'] : ['Branding', 'Digital', 'Print', 'Digital:Social'];
  entities.Class = classNames.map((n) => {
    const parts = n.split(':');
    const parent = parts.length > 1 ? entities.Class?.find((c) => c.Name === parts[0]) : undefined;
    return base({ Id: id(), Name: parts.at(-1), FullyQualifiedName: n, SubClass: parts.length > 1, ...(parts.length > 1 ? { ParentRef: { value: '' } } : {}), Active: true });
  });
  for (const cls of entities.Class) {
    if (cls.SubClass) {
      const parentName = String(cls.FullyQualifiedName).split(':')[0];
      const parent = entities.Class.find((c) => c.FullyQualifiedName === parentName);
      cls.ParentRef = { value: parent?.Id ?? '' };
    }
  }
  entities.Department = (country === 'US' ? ['North County', 'South County'] : ['Bristol Studio', 'Leeds Studio', 'Remote']).map((n) =>
    base({ Id: id(), Name: n, FullyQualifiedName: n, SubDepartment: false, Active: true }),
  );

  entities.Employee = [base({ Id: id(), DisplayName: `${rng.pick(givenNames)} ${rng.pick(familyNames)}`, Active: true, BillableTime: false })];

  return { realmId, name: spec.name, country, currency, defaultSalesTaxCode, entities, nextId: nextId + 100 };
}

export function defaultCompanies(seed: number): CompanyData[] {
  return [
    generateCompany(seed, { name: 'Harbour Lane Studio Ltd', country: 'GB' }),
    generateCompany(seed, { name: 'Bramble & Oak Landscaping LLC', country: 'US', vendors: 45, customers: 40 }),
  ];
}

/** CompanyInfo as GET /companyinfo/{realmId} returns it. */
export function companyInfo(company: CompanyData): Json {
  const gb = company.country === 'GB';
  return {
    Id: '1',
    SyncToken: '3',
    domain: 'QBO',
    sparse: false,
    CompanyName: company.name,
    LegalName: company.name,
    CompanyAddr: gb ? { Line1: '12 Harbour Lane', City: 'Bristol', PostalCode: 'BS1 4RN', Country: 'GB' } : { Line1: '2600 Capitol Ave', City: 'Sacramento', CountrySubDivisionCode: 'CA', PostalCode: '95816', Country: 'US' },
    Country: company.country,
    FiscalYearStartMonth: gb ? 'April' : 'January',
    SupportedLanguages: 'en',
    DefaultTimeZone: gb ? 'Europe/London' : 'America/Los_Angeles',
    Email: { Address: gb ? 'hello@harbourlane.example' : 'office@brambleoak.example' },
    CompanyStartDate: '2019-04-06',
    MetaData: { CreateTime: '2019-04-06T01:22:31-08:00', LastUpdatedTime: qboTime(SEEDED_AT) },
    NameValue: [
      { Name: 'NeoEnabled', Value: 'true' },
      { Name: 'IsQbdtMigrated', Value: 'false' },
      { Name: 'OfferingSku', Value: 'QuickBooks Online Plus' },
    ],
  };
}

/** Preferences as `select * from Preferences` returns them (the parts an integration reads). */
export function preferences(company: CompanyData): Json {
  return {
    Id: '1',
    SyncToken: '5',
    domain: 'QBO',
    sparse: false,
    AccountingInfoPrefs: { TrackDepartments: true, DepartmentTerminology: 'Location', ClassTrackingPerTxn: false, ClassTrackingPerTxnLine: true, CustomerTerminology: 'Customers' },
    ProductAndServicesPrefs: { ForSales: true, ForPurchase: true },
    SalesFormsPrefs: { CustomTxnNumbers: true, AllowDeposit: false, AllowDiscount: true, DefaultTerms: { value: '1' } },
    VendorAndPurchasesPrefs: { TrackingByCustomer: true, BillableExpenseTracking: true },
    TaxPrefs: company.country === 'US' ? { UsingSalesTax: true, PartnerTaxEnabled: true } : { UsingSalesTax: true, TaxGroupCodeRef: { value: '3' } },
    CurrencyPrefs: { MultiCurrencyEnabled: false, HomeCurrency: { value: company.currency } },
    OtherPrefs: { NameValue: [{ Name: 'WarnDuplicateBillNumber', Value: 'true' }] },
    MetaData: metaData(SEEDED_AT),
  };
}
