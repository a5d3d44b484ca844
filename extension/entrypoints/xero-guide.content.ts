import { defineContentScript } from 'wxt/utils/define-content-script';
import { mountGuideRoot } from '../lib/guide/mount.js';
import { runWebAppGuide } from '../lib/guide/web-app-guide.js';
import { xeroSite } from '../lib/guide/xero-guide.js';

// Registered at run time for the sites the user allowed (lib/guide-scripts.ts), so no `matches`.
export default defineContentScript({
  registration: 'runtime',
  main(ctx) {
    void runWebAppGuide(ctx, document, () => mountGuideRoot(ctx), xeroSite);
  },
});
