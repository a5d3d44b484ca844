import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('loadConfig', () => {
  it('has working defaults: loopback 8787, ./data, sandbox on', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8787, sandboxEnabled: true, publicUrl: 'http://127.0.0.1:8787' });
    expect(c.databasePath).toMatch(/data\/bookbridge\.db$/);
    expect(c.sandboxProviders.has('xero')).toBe(true);
  });

  it('names the variable that is wrong', () => {
    expect(problems({ PORT: 'abc' })).toEqual([{ variable: 'PORT', message: 'must be a number' }]);
    expect(problems({ PORT: '70000' })[0]?.variable).toBe('PORT');
    expect(problems({ SANDBOX: 'maybe' })[0]?.variable).toBe('SANDBOX');
    expect(problems({ ENCRYPTION_KEY: 'short' })[0]?.variable).toBe('ENCRYPTION_KEY');
    expect(problems({ XERO_CLIENT_ID: 'abc' })).toEqual([{ variable: 'XERO_CLIENT_SECRET', message: 'must be set together with XERO_CLIENT_ID' }]);
  });

  it('uses the real provider once its credentials are configured', () => {
    const c = loadConfig({ XERO_CLIENT_ID: 'id', XERO_CLIENT_SECRET: 'secret' });
    expect(c.sandboxProviders.has('xero')).toBe(false);
    expect(c.sandboxProviders.has('kashflow')).toBe(true);
    expect(c.providerClients.xero).toEqual({ id: 'id', secret: 'secret' });
  });

  it('refuses unsafe production settings, naming each', () => {
    const vars = problems({ NODE_ENV: 'production', HOST: '0.0.0.0' }).map((p) => p.variable);
    expect(vars).toEqual(expect.arrayContaining(['ENCRYPTION_KEY', 'HOST', 'PUBLIC_URL']));
    const ok = loadConfig({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      TRUST_PROXY: 'true',
      PUBLIC_URL: 'https://books.example.com',
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(ok.sandboxEnabled).toBe(false);
    expect(ok.sandboxProviders.size).toBe(0);
  });
});
