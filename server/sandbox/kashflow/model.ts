/**
 * The KashFlow sandbox's in-memory model. Field names follow KashFlow's REST v2 objects
 * (see /work/shared/providers/kashflow.md) so the API routes can return them as they are.
 */

export interface Nominal {
  Id: number;
  Code: number;
  Name: string;
  /** Profit and loss or balance sheet area, as KashFlow groups its chart. */
  Type: 'Sales' | 'Purchases' | 'Expenses' | 'Fixed Assets' | 'Current Assets' | 'Current Liabilities' | 'Capital';
  NomType: number;
  Classification: string;
  ControlAccountClassification: string | null;
  VATRate: number;
  VATExempt: boolean;
  Disallowed: boolean;
  Archived: boolean;
  IsProduct: boolean;
}

export interface Contact {
  Id: number;
  Code: string;
  Name: string;
  Currency: { Code: string };
  IsArchived: boolean;
  VATNumber: string;
  DefaultVatRate: number;
  VatExempt: boolean;
  DefaultNominalCode: number;
  PaymentTerms: { Type: string; Days: number };
  CreatedDate: string;
  LastUpdatedDate: string;
}

export interface VatRate {
  VATId: number;
  VATRate: number;
  VATText: string;
}

export interface Product {
  Id: number;
  Code: string;
  Name: string;
  Description: string;
  Price: number;
  WholesalePrice: number;
  VATRate: number;
  NominalCode: number;
  ManagesStock: boolean;
  QuantityInStock: number;
  IsArchived: boolean;
}

export interface Project {
  Id: number;
  Number: number;
  Name: string;
  Reference: string;
  Description: string;
  /** [?] KashFlow's numeric project status: 0 Active, 1 Completed, 2 Archived. */
  Status: 0 | 1 | 2;
  StartDate: string;
  EndDate: string | null;
  CustomerCode: string | null;
}

export interface BankAccount {
  Id: number;
  AccountName: string;
  Code: number;
  IsDefaultAccount: boolean;
  IsArchived: boolean;
  BankBalance: number;
  DefaultPurchasePaymentType: { Id: number; Name: string };
}

export interface LineItem {
  Description: string;
  Quantity: number;
  Rate: number;
  VATLevel: number;
  VATAmount: number;
  NominalCode: number;
  ProjectNumber?: number | null;
  ProductCode?: string | null;
}

export interface PaymentLine {
  Id: number;
  Date: string;
  Amount: number;
  Method: number;
  AccountId: number;
  Note?: string;
  Reference?: string;
}

export interface Purchase {
  Id: number;
  Number: number;
  SupplierCode: string;
  SupplierName: string;
  SupplierReference: string;
  IssuedDate: string;
  DueDate: string;
  Currency: { Code: string; ExchangeRate: number };
  ProjectNumber: number | null;
  LineItems: LineItem[];
  PaymentLines: PaymentLine[];
  NetAmount: number;
  VATAmount: number;
  GrossAmount: number;
  AmountPaid: number;
  /** [?] A purchase with a negative total is how KashFlow users enter a supplier credit. */
  IsCredit: boolean;
  Type: 'Purchase';
  CreatedDate: string;
}

export interface Invoice {
  Id: number;
  Number: number;
  CustomerCode: string;
  CustomerName: string;
  CustomerReference: string;
  IssuedDate: string;
  DueDate: string;
  Currency: { Code: string; ExchangeRate: number };
  LineItems: LineItem[];
  PaymentLines: PaymentLine[];
  NetAmount: number;
  VATAmount: number;
  GrossAmount: number;
  AmountPaid: number;
  IsCredit: boolean;
  CreatedDate: string;
}

export interface Expense {
  Id: number;
  Number: number;
  SupplierCode: string;
  BankAccountId: number;
  PaymentMethod: number;
  NominalCode: number;
  IssuedDate: string;
  Amount: number;
  VATLevel: number;
  VATAmount: number;
  VATExempt: boolean;
  Disallowed: boolean;
  Comment: string;
  ExpenseArticle: string;
  CreatedDate: string;
}

export type FileObjectType = 'purchases' | 'invoices' | 'expenses' | 'customers' | 'suppliers' | 'quotes' | 'purchaseorders';

export interface StoredFile {
  Id: number;
  ObjectType: FileObjectType;
  ObjectNumber: string;
  FileName: string;
  ContentType: string;
  Size: number;
  UploadedDate: string;
}

export interface IpEntry {
  ip: string;
  comment: string;
  added: string;
}

/** The API Settings page (Apps > API Settings), as `GET /settings/api` names them. */
export interface ApiSettings {
  APIEnabled: boolean;
  RESTAPIEnabled: boolean;
  AccessToSpecificIPAddressesOnly: boolean;
  AutoAuthEnabled: boolean;
  AutoAuthKey: string;
  UseSeparateSOAPAPIPassword: boolean;
  /** The separate API password; empty while "Use login password" is chosen. */
  Password: string;
  EnableRemoteLogin: boolean;
  allowedIps: IpEntry[];
}

export interface Account {
  companyId: number;
  companyName: string;
  username: string;
  password: string;
  memorableWord: string;
  locked: boolean;
  failedLogins: number;
  api: ApiSettings;
  vatNumber: string;
  nominals: Nominal[];
  suppliers: Contact[];
  customers: Contact[];
  vatRates: VatRate[];
  products: Product[];
  projects: Project[];
  bankAccounts: BankAccount[];
  purchases: Purchase[];
  invoices: Invoice[];
  expenses: Expense[];
  files: StoredFile[];
  nextId: number;
}

/** What a caller may set per seeded account. */
export interface AccountSeed {
  username?: string;
  password?: string;
  memorableWord?: string;
  companyName?: string;
  companyId?: number;
  api?: Partial<Omit<ApiSettings, 'allowedIps'>> & { allowedIps?: Array<{ ip: string; comment?: string }> };
  locked?: boolean;
  /** How many generated suppliers/customers (default 137 and 64: enough for two pages of 100). */
  supplierCount?: number;
  customerCount?: number;
}
