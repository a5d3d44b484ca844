import { defineContentScript } from 'wxt/utils/define-content-script';
import { kashflowSite } from '../lib/guide/kashflow-site.js';
import { runKeySiteGuide } from '../lib/guide/key-site-guide.js';
import { mountGuideRoot } from '../lib/guide/mount.js';

// Registered at run time for the sites the user allowed (lib/guide-scripts.ts), so no `matches`.
export default defineContentScript({
  registration: 'runtime',
  main(ctx) {
    void runKeySiteGuide(ctx, document, () => mountGuideRoot(ctx), kashflowSite);
  },
});
