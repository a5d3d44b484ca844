/**
 * Configuration from the environment (and an optional .env), validated once at start-up.
 * A bad value stops the server with a message naming the variable.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { providerIds, type ProviderId } from '../shared/catalogue.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

/** Environment variable names of each provider's client credentials. */
export const providerCredentialEnv: Record<ProviderId, { id: string; secret: string } | null> = {
  xero: { id: 'XERO_CLIENT_ID', secret: 'XERO_CLIENT_SECRET' },
  'quickbooks-online': { id: 'QUICKBOOKS_CLIENT_ID', secret: 'QUICKBOOKS_CLIENT_SECRET' },
  'sage-accounting': { id: 'SAGE_CLIENT_ID', secret: 'SAGE_CLIENT_SECRET' },
  freeagent: { id: 'FREEAGENT_CLIENT_ID', secret: 'FREEAGENT_CLIENT_SECRET' },
  approvalmax: { id: 'APPROVALMAX_CLIENT_ID', secret: 'APPROVALMAX_CLIENT_SECRET' },
  'bill-com': { id: 'BILL_COM_DEVELOPER_KEY', secret: 'BILL_COM_DEVELOPER_KEY' },
  kashflow: null,
};

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  PORT: port.default(8787),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  PUBLIC_URL: z.url({ error: 'must be a URL such as https://bookbridge.example.com' }).optional(),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  DATABASE_PATH: z.string().min(1, 'must not be empty').optional(),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64 (44 characters), e.g. from `openssl rand -base64 32`')
    .optional(),
  ENCRYPTION_KEY_FILE: z.string().min(1, 'must not be empty').optional(),
  SANDBOX: z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }).default('auto'),
  SANDBOX_URL: z.url({ error: 'must be the URL of a sandbox server, e.g. http://127.0.0.1:8788' }).optional(),
  SANDBOX_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  JOB_LEASE_MS: z.coerce.number({ error: 'must be a number' }).int().min(1000, 'must be at least 1000').max(600_000).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level such as info' }).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'must be auto, json or pretty' }).default('auto'),
  SESSION_DAYS: z.coerce.number({ error: 'must be a number' }).int().min(1).max(365).default(30),
  TRUST_PROXY: bool.default(false),
  PROVIDER_TIMEOUT_MS: z.coerce.number({ error: 'must be a number' }).int().min(100).max(300_000).default(30_000),
  ...Object.fromEntries(
    Object.values(providerCredentialEnv)
      .filter((v): v is { id: string; secret: string } => v !== null)
      .flatMap((v) => [v.id, v.secret])
      .map((name) => [name, z.string().min(1, 'must not be empty').optional()]),
  ),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databasePath: string;
  encryption: { key: Buffer } | { keyFile: string };
  /** Providers served by the built-in sandbox (no real credentials configured, sandbox allowed). */
  sandboxProviders: ReadonlySet<ProviderId>;
  sandboxEnabled: boolean;
  /** Sandboxes served elsewhere (another process); unset: served by this server under /sandbox. */
  sandboxUrl?: string;
  sandboxClientSecret?: string;
  /** How long a job's worker may go silent before another worker takes the job over. */
  jobLeaseMs: number;
  providerClients: Partial<Record<ProviderId, { id: string; secret: string }>>;
  log: { level: string; format: 'json' | 'pretty' };
  sessionDays: number;
  trustProxy: boolean;
  providerTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Bookbridge cannot start: the configuration is not valid.\n` +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Reads `.env` into process.env (without overriding what is set) when the file exists. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadConfig(env: Record<string, string | undefined>, opts: { isTty?: boolean } = {}): Config {
  // Treat empty strings as unset: `PORT= npm start` should mean the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  const e = parsed.data as z.infer<typeof EnvSchema> & Record<string, string | undefined>;
  const problems: { variable: string; message: string }[] = [];

  const providerClients: Config['providerClients'] = {};
  for (const id of providerIds) {
    const names = providerCredentialEnv[id];
    if (!names) continue;
    const clientId = e[names.id];
    const secret = e[names.secret];
    if (clientId && secret) providerClients[id] = { id: clientId, secret };
    else if (clientId || secret) {
      problems.push({ variable: clientId ? names.secret : names.id, message: `must be set together with ${clientId ? names.id : names.secret}` });
    }
  }

  const production = e.NODE_ENV === 'production';
  const sandboxEnabled = e.SANDBOX === 'on' || (e.SANDBOX === 'auto' && !production);
  const sandboxProviders = new Set(
    sandboxEnabled ? providerIds.filter((id) => !providerClients[id] || e.SANDBOX === 'on') : [],
  );
  if (e.SANDBOX === 'on' && production) {
    problems.push({ variable: 'SANDBOX', message: 'must not be on when NODE_ENV is production' });
  }

  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(e.HOST);
  const publicUrl = e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`;
  if (production) {
    if (!e.ENCRYPTION_KEY && !e.ENCRYPTION_KEY_FILE) {
      problems.push({ variable: 'ENCRYPTION_KEY', message: 'must be set in production (or ENCRYPTION_KEY_FILE pointing at a key you back up)' });
    }
    if (!loopback && !e.TRUST_PROXY) {
      problems.push({
        variable: 'HOST',
        message: `binds beyond loopback (${e.HOST}) without TLS: put Bookbridge behind a TLS reverse proxy and set TRUST_PROXY=true`,
      });
    }
    if (!publicUrl.startsWith('https://')) {
      problems.push({ variable: 'PUBLIC_URL', message: 'must be an https:// URL in production (OAuth redirects and cookies need it)' });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: publicUrl.replace(/\/$/, ''),
    dataDir,
    databasePath: e.DATABASE_PATH ? path.resolve(e.DATABASE_PATH) : path.join(dataDir, 'bookbridge.db'),
    encryption: e.ENCRYPTION_KEY
      ? { key: Buffer.from(e.ENCRYPTION_KEY, 'base64') }
      : { keyFile: e.ENCRYPTION_KEY_FILE ? path.resolve(e.ENCRYPTION_KEY_FILE) : path.join(dataDir, 'secret.key') },
    sandboxEnabled,
    sandboxProviders,
    sandboxUrl: e.SANDBOX_URL?.replace(/\/$/, ''),
    sandboxClientSecret: e.SANDBOX_CLIENT_SECRET,
    jobLeaseMs: e.JOB_LEASE_MS,
    providerClients,
    log: {
      level: e.LOG_LEVEL,
      format: e.LOG_FORMAT === 'auto' ? (opts.isTty ? 'pretty' : 'json') : e.LOG_FORMAT,
    },
    sessionDays: e.SESSION_DAYS,
    trustProxy: e.TRUST_PROXY,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
  };
}
