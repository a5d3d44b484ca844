import { describe, expect, it } from 'vitest';
import { sandboxPattern, wantedRegistrations, guideScripts } from './guide-scripts.js';

const kashflow = guideScripts.find((s) => s.provider === 'kashflow')!;

describe('where the guide scripts run', () => {
  it("matches the sandbox's pages on the server, any port, under a base path too", () => {
    expect(sandboxPattern('http://127.0.0.1:8787', kashflow)).toBe('http://127.0.0.1/sandbox/kashflow/app/*');
    expect(sandboxPattern('https://books.example.com/bookbridge', kashflow)).toBe('https://books.example.com/bookbridge/sandbox/kashflow/app/*');
  });

  it('registers only the places the user allowed', async () => {
    const allowed = new Set(['http://127.0.0.1/*', 'https://app.kashflow.com/*']);
    // What permissions.contains answers: a pattern inside an allowed host is allowed.
    const granted = async (pattern: string) => [...allowed].some((a) => pattern.startsWith(a.slice(0, -1)));
    const wanted = await wantedRegistrations({ serverUrl: 'http://127.0.0.1:8787', granted });
    expect(wanted).toEqual([
      {
        id: 'bookbridge-kashflow-guide',
        js: ['content-scripts/kashflow-guide.js'],
        matches: ['https://app.kashflow.com/*', 'http://127.0.0.1/sandbox/kashflow/app/*'],
      },
      // The server's own sandbox pages are covered by the server's permission; Xero's sandbox has none.
      ...['bill-com', 'quickbooks-online', 'sage-accounting', 'freeagent', 'approvalmax'].map((provider) => ({
        id: `bookbridge-${provider}-guide`,
        js: [`content-scripts/${provider}-guide.js`],
        matches: [`http://127.0.0.1/sandbox/${provider}/app/*`],
      })),
    ]);
    expect(wanted.map((r) => r.id)).not.toContain('bookbridge-xero-guide');
  });

  it('registers nothing before any site is allowed', async () => {
    expect(await wantedRegistrations({ serverUrl: null, granted: async () => false })).toEqual([]);
  });
});
