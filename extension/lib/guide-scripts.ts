/**
 * The guide content scripts run only where the user allowed them, so they are registered at run
 * time (`scripting.registerContentScripts`) rather than listed in the manifest: a manifest entry
 * would make Chrome grant (and warn about) every provider site at install. Two kinds of place:
 *
 * - the provider's real web app (catalogue `webAppMatches`), once the user granted that host;
 * - the built-in sandbox's copy of those pages on the user's own Bookbridge server
 *   (`<server>/sandbox/kashflow/app/*`), covered by the host permission already granted for the
 *   server. Matching `*://*\/sandbox/kashflow/app/*` statically instead would need access to every
 *   site; this way no new permission is asked for.
 */
import { catalogue, type ProviderId } from '../../shared/catalogue.js';

export interface GuideScript {
  id: string;
  provider: ProviderId;
  /** The built file (WXT: `content-scripts/<name>.js`). */
  file: string;
  /** The sandbox host whose pages the script guides on, if the sandbox has any. */
  sandboxHost?: string;
}

const script = (provider: ProviderId, sandboxHost?: string): GuideScript => ({
  id: `bookbridge-${provider}-guide`,
  provider,
  file: `content-scripts/${provider}-guide.js`,
  ...(sandboxHost ? { sandboxHost } : {}),
});

/**
 * One per provider. Key providers (KashFlow, Bill.com) guide through their settings to the key;
 * OAuth providers offer "Connect this organisation" on their web app. The Xero sandbox has no web
 * app pages; the others serve a signed-in page at `/sandbox/<provider>/app/`.
 */
export const guideScripts: readonly GuideScript[] = [
  script('kashflow', 'app'),
  script('bill-com', 'app'),
  script('xero'),
  script('quickbooks-online', 'app'),
  script('sage-accounting', 'app'),
  script('freeagent', 'app'),
  script('approvalmax', 'app'),
];

export interface Registration {
  id: string;
  js: string[];
  matches: string[];
}

/** The one host to ask for when the user wants help on a provider's site (least access). */
export function primaryWebAppPattern(provider: ProviderId): string {
  return catalogue[provider].webAppMatches[0]!;
}

/** Match pattern of the sandbox's pages for `provider` on the server (ports match any port). */
export function sandboxPattern(serverUrl: string, script: GuideScript): string | null {
  if (!script.sandboxHost) return null;
  const url = new URL(serverUrl);
  const base = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.hostname}${base}/sandbox/${script.provider}/${script.sandboxHost}/*`;
}

/** Where the sandbox's pages for a provider start (the dashboard's "Open KashFlow"). */
export function sandboxPageUrl(serverUrl: string, provider: ProviderId, host: string, page: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/sandbox/${provider}/${host}/${page}`;
}

export async function wantedRegistrations(input: {
  serverUrl: string | null;
  /** Whether the extension holds this host permission pattern. */
  granted(pattern: string): Promise<boolean>;
}): Promise<Registration[]> {
  const out: Registration[] = [];
  for (const script of guideScripts) {
    const matches: string[] = [];
    for (const pattern of catalogue[script.provider].webAppMatches) if (await input.granted(pattern)) matches.push(pattern);
    const sandbox = input.serverUrl ? sandboxPattern(input.serverUrl, script) : null;
    if (sandbox && (await input.granted(sandbox))) matches.push(sandbox);
    if (matches.length > 0) out.push({ id: script.id, js: [script.file], matches });
  }
  return out;
}
