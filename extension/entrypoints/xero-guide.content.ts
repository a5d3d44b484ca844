import { defineContentScript } from 'wxt/utils/define-content-script';
import { mountGuideRoot } from '../lib/guide/mount.js';
import { runXeroGuide } from '../lib/guide/xero-guide.js';

// Registered at run time for the sites the user allowed (lib/guide-scripts.ts), so no `matches`.
export default defineContentScript({
  registration: 'runtime',
  main(ctx) {
    void runXeroGuide(ctx, document, () => mountGuideRoot(ctx));
  },
});
