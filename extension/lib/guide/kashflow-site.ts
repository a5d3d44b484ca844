/** KashFlow's pages for the key guide: Apps > API Settings > Enable AutoAuth, then Send. */
import { controlsOf, kashflowSteps, keyPattern, pageOf, savedSettingsOf } from './kashflow-steps.js';
import type { KeySite } from './key-site.js';
import { readyToSend } from './steps.js';

export const kashflowSite: KeySite = {
  provider: 'kashflow',
  name: 'KashFlow',
  offersHere: (doc) => ['apps', 'api-settings'].includes(pageOf(doc.location.pathname)),
  open(doc) {
    const page = pageOf(doc.location.pathname);
    const saved = savedSettingsOf(controlsOf(doc));
    const steps = (sent: boolean) => kashflowSteps({ page, controls: controlsOf(doc), saved, sent });
    return {
      steps,
      sendHere: () => page === 'api-settings',
      summary() {
        const user = controlsOf(doc).signedInAs;
        return user ? `KashFlow username: ${user} (read from this page)` : '';
      },
      capture() {
        const controls = controlsOf(doc);
        const key = controls.keyField?.value.trim() ?? '';
        if (page !== 'api-settings' || !controls.signedInAs || !keyPattern.test(key) || !readyToSend(steps(false))) {
          return { ok: false, message: 'No AutoAuth key on this page yet: tick Enable AutoAuth first.' };
        }
        return { ok: true, values: { username: controls.signedInAs, autoAuthKey: key } };
      },
    };
  },
};
