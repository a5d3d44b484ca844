import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { catalogue } from './shared/catalogue.js';

/**
 * Public half of an RSA key made once with node:crypto. It pins the unpacked extension's id to
 * `ngbnambgihmmeilkiokdfpmefabjchki` wherever the folder lives, so the OAuth redirect URI
 * (`https://<id>.chromiumapp.org/`) stays the same on every machine. The private half was not kept:
 * the Chrome Web Store signs with its own key.
 */
export const EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAk1I/8SPT71P6zOBE8DwtT5UmOmmooo8G70xeyyML+f5uqTvOYLFFfD7sSqJIbvgNo2Wsg/pqbzySrtyhYElafdSerJSu8kgUm2rCy+tZ2jq0ZpruvJMon60Q7jCvOmy9tJCJIqslVShDnNjDoeWWXBQPdyvJ6fbCzWWn/5RLTGc5lO477+vtjlZQvbwTBgXq4gAlK02hZ+H3pQ3MEgQ8EO8xyc+F4X9neJx/mvlbIuJC6lprwchSViVIa6stPxCfVSiXFYvbJ2jkCx9xbTQz8Ca5+pa/AAsZGWsQM6yeDH4HGZfZFw/Hwb7vXf9LT0kz0M0N2cf3z4R4rzAmB1TF1QIDAQAB';

/** Any server the user may enter; each origin is asked for at run time, never granted up front. */
const serverOrigins = ['http://*/*', 'https://*/*'];

/**
 * Where the key guides' password frame (entrypoints/guide-credentials) may be embedded: the key
 * providers' own sites, and a Bookbridge server on this machine serving the built-in sandbox's
 * copy of their pages (a pattern without a port matches every port). No other page can frame it.
 * A server elsewhere that serves sandbox pages gets a message pointing to the dashboard instead.
 */
const passwordFrameSites = [
  ...(['kashflow', 'bill-com'] as const).flatMap((id) => catalogue[id].webAppMatches),
  'http://127.0.0.1/*',
  'http://localhost/*',
];

export default defineConfig({
  srcDir: 'extension',
  // Explicit imports everywhere (STYLE.md): no auto-imported globals.
  imports: false,
  modules: ['@wxt-dev/webextension-polyfill'],
  vite: () => ({ plugins: [preact()] }),
  manifest: ({ browser, manifestVersion }) => ({
    name: 'Bookbridge',
    description: 'Connect your business to its accounting software through your Bookbridge server.',
    // scripting: guide scripts registered only for the provider sites the user allows
    // (extension/lib/guide-scripts.ts); alarms: the badge's expiry check. Neither shows a warning.
    permissions: ['storage', 'identity', 'scripting', 'alarms'],
    web_accessible_resources:
      manifestVersion === 3
        ? [{ resources: ['guide-credentials.html'], matches: passwordFrameSites }]
        : // MV2 (Firefox's default build) has no per-site list.
          (['guide-credentials.html'] as never),
    // MV2 has no optional_host_permissions (WXT drops the key there): host patterns go in
    // optional_permissions instead.
    ...(manifestVersion === 3
      ? { optional_host_permissions: serverOrigins }
      : { optional_permissions: serverOrigins }),
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'bookbridge@bookbridge.dev',
              // https://extensionworkshop.com/documentation/develop/firefox-builtin-data-consent/
              // The server URL, sign-in and business data go only to the user's own server.
              data_collection_permissions: { required: ['none'] },
            },
          },
        }
      : { key: EXTENSION_KEY }),
  }),
  zip: {
    // The sources zip (Firefox review) needs only what builds the extension.
    excludeSources: [
      'server/**',
      'test/**',
      'bench/**',
      'docs/**',
      'data/**',
      '.ci/**',
      'scripts/**',
      'extension/lib/testing/**',
      'test-results/**',
      '**/*.test.ts',
      'vitest*.config.ts',
    ],
  },
});
