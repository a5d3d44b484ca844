import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { ProviderSummary } from '../../lib/api-types.js';
import { guideScripts, primaryWebAppPattern } from '../../lib/guide-scripts.js';
import { sendMessage } from '../../lib/messaging.js';

/**
 * Help on the providers' own websites needs access to those sites; it is asked for here, one site
 * at a time, when the user wants it (never at install).
 */
export function GuideAccess({ providers }: { providers: ProviderSummary[] }) {
  const sites = guideScripts
    .map((script) => ({ provider: providers.find((p) => p.id === script.provider), pattern: primaryWebAppPattern(script.provider) }))
    .filter((s): s is { provider: ProviderSummary; pattern: string } => s.provider !== undefined);
  const [granted, setGranted] = useState<Record<string, boolean>>({});

  useEffect(() => {
    void Promise.all(sites.map(async (s) => [s.pattern, await browser.permissions.contains({ origins: [s.pattern] })] as const)).then((pairs) =>
      // A site allowed while this was being asked stays allowed.
      setGranted((current) => ({ ...Object.fromEntries(pairs), ...Object.fromEntries(Object.entries(current).filter(([, allowed]) => allowed)) })),
    );
  }, [providers]);

  async function allow(pattern: string) {
    // Straight from the click (Firefox needs that).
    const ok = await browser.permissions.request({ origins: [pattern] }).catch(() => false);
    if (ok) {
      // From the state at the answer, not at the click: a second site allowed meanwhile stays.
      setGranted((current) => ({ ...current, [pattern]: true }));
      await sendMessage('syncGuides');
    }
  }

  return (
    <details class="guide-access">
      <summary>Help on your accounting software's website</summary>
      <p class="muted small">
        Bookbridge can show its steps on the provider's own pages (KashFlow's API Settings, BILL's developer keys; "Connect this
        organisation" in Xero, QuickBooks, Sage, FreeAgent and ApprovalMax). Your browser asks before Bookbridge may read those pages.
      </p>
      <ul>
        {sites.map(({ provider, pattern }) => (
          <li key={pattern} class="row">
            <span>
              {provider.name} <span class="mono muted">{pattern.replace('/*', '')}</span>
            </span>
            {granted[pattern] ? (
              <span class="small">Allowed</span>
            ) : (
              <button type="button" class="secondary" onClick={() => void allow(pattern)}>
                Allow on {provider.name}
              </button>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}
