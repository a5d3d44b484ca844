/**
 * Real Chromium with the built extension loaded, through playwright-core.
 * Debian's Chromium still honours --load-extension (Google's branded Chrome dropped it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

export interface LaunchedBrowser {
  context: BrowserContext;
  extensionId: string;
  serviceWorker: Worker;
  /** Opens an extension page (e.g. `popup.html`) in a new tab. */
  openExtensionPage(file: string): Promise<Page>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** The unpacked build, e.g. `.output/chrome-mv3`. */
  extensionDir: string;
  /** e.g. `MAP *.kashflow.com 127.0.0.1:8443`, to serve a provider's real host name locally. */
  hostResolverRules?: string;
  /** More Chromium switches for one test. */
  extraArgs?: string[];
}

export async function launchBrowser(options: LaunchOptions): Promise<LaunchedBrowser> {
  const extensionDir = path.resolve(options.extensionDir);
  if (!existsSync(path.join(extensionDir, 'manifest.json'))) {
    throw new Error(`No built extension at ${extensionDir}: run \`npx wxt build\` first.`);
  }
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'bookbridge-chromium-'));
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--disable-extensions-except=${extensionDir}`,
    `--load-extension=${extensionDir}`,
    ...(options.hostResolverRules ? [`--host-resolver-rules=${options.hostResolverRules}`] : []),
    ...(options.extraArgs ?? []),
  ];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args,
    // Playwright turns extensions off by default; this test is about one.
    ignoreDefaultArgs: ['--disable-extensions'],
  });
  try {
    const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const extensionId = new URL(serviceWorker.url()).host;
    return {
      context,
      extensionId,
      serviceWorker,
      async openExtensionPage(file) {
        const page = await context.newPage();
        await page.goto(`chrome-extension://${extensionId}/${file}`);
        return page;
      },
      async close() {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `CHROMIUM_PATH`, else the real binary of Debian's package (its `chromium` wrapper adds flags and
 * prints a shell warning), else whatever `chromium` is on the PATH.
 */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  for (const candidate of ['/usr/lib/chromium/chromium']) if (existsSync(candidate)) return candidate;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('Chromium not found: install it (apt-get install -y chromium) or set CHROMIUM_PATH.');
}
