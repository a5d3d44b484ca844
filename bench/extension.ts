/**
 * The extension's weight and speed: gzip size of each content script and of everything the
 * popup loads, and the popup's time to first paint in Chromium (median of several opens).
 * Builds the extension first unless --no-build.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchBrowser } from '../test/e2e/support/browser.js';
import { median, note, report, type Figure } from './support/report.js';

const out = path.resolve('.output/chrome-mv3');
const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length / 1024;

/** The files an HTML page loads (scripts, module preloads, styles), followed through imports. */
function pageFiles(html: string): string[] {
  const seen = new Set<string>();
  const queue = [...readFileSync(path.join(out, html), 'utf8').matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  while (queue.length) {
    const f = queue.shift()!.replace(/^\.\//, '');
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.endsWith('.js')) {
      const code = readFileSync(path.join(out, f), 'utf8');
      for (const m of code.matchAll(/(?:from|import)\s*["']\.{0,2}\/?((?:chunks|assets)\/[^"']+)["']/g)) queue.push(m[1]!);
      for (const m of code.matchAll(/["']\.\/([\w-]+\.js)["']/g)) queue.push(path.join(path.dirname(f), m[1]!));
    }
  }
  return [...seen];
}

export async function extensionBench(options: { build?: boolean } = {}): Promise<Figure[]> {
  if (options.build !== false) {
    note('extension: building');
    execFileSync('npx', ['wxt', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const figures: Figure[] = [];
  const scripts = readdirSync(path.join(out, 'content-scripts')).filter((f) => f.endsWith('.js'));
  for (const f of scripts) {
    figures.push(report({ bench: 'extension', metric: `content script ${f} (gzip)`, value: gz(path.join(out, 'content-scripts', f)), unit: 'KB', target: 20, better: 'lower' }));
  }
  const popup = pageFiles('popup.html');
  const popupKb = popup.reduce((a, f) => a + gz(path.join(out, f)), gz(path.join(out, 'popup.html')));
  note(`extension: popup loads ${popup.join(', ')}`);
  figures.push(report({ bench: 'extension', metric: 'popup bundle (gzip)', value: popupKb, unit: 'KB', target: 40, better: 'lower' }));

  const browser = await launchBrowser({ extensionDir: out });
  try {
    const paints: number[] = [];
    for (let i = 0; i < 7; i++) {
      const page = await browser.openExtensionPage('popup.html');
      await page.waitForLoadState('load');
      const fp = await page.evaluate(async () => {
        for (let t = 0; t < 50; t++) {
          const e = performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint') ?? performance.getEntriesByName('first-paint')[0];
          if (e) return e.startTime;
          await new Promise((r) => setTimeout(r, 20));
        }
        return -1;
      });
      if (fp >= 0 && i > 0) paints.push(fp); // the first open warms Chromium's caches
      await page.close();
    }
    figures.push(report({ bench: 'extension', metric: 'popup first paint (median of 6)', value: median(paints), unit: 'ms', target: 150, better: 'lower' }));
  } finally {
    await browser.close();
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await extensionBench({ build: !process.argv.includes('--no-build') });
