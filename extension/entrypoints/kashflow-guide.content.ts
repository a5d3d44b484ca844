import { defineContentScript } from 'wxt/utils/define-content-script';
import { runKashflowGuide } from '../lib/guide/kashflow-guide.js';
import { mountGuideRoot } from '../lib/guide/mount.js';

// Registered at run time for the sites the user allowed (lib/guide-scripts.ts), so no `matches`.
export default defineContentScript({
  registration: 'runtime',
  main(ctx) {
    void runKashflowGuide(ctx, document, () => mountGuideRoot(ctx));
  },
});
