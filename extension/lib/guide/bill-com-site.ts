/** BILL's pages for the key guide: Settings (Organization ID) > Manage Developer Keys, then Send. */
import { billComControlsOf, billComPageOf, billComSteps, devKeyOf, organisationIdOf } from './bill-com-steps.js';
import type { KeySite } from './key-site.js';
import { readyToSend } from './steps.js';

export const billComSite: KeySite = {
  provider: 'bill-com',
  name: 'BILL',
  offersHere: (doc) => ['settings', 'developer-keys'].includes(billComPageOf(doc.location.pathname)),
  open(doc) {
    const page = () => billComPageOf(doc.location.pathname);
    const steps = (sent: boolean) => billComSteps({ page: page(), controls: billComControlsOf(doc), sent });
    const ready = () => readyToSend(steps(false));
    return {
      steps,
      // The password box waits on the page where both the ID and the key are shown.
      sendHere: () => page() === 'developer-keys' || ready(),
      summary() {
        const controls = billComControlsOf(doc);
        const parts = [
          controls.signedInAs && `BILL email: ${controls.signedInAs}`,
          organisationIdOf(controls) && `Organization ID: ${organisationIdOf(controls)}`,
          devKeyOf(controls) && 'developer key shown on this page',
        ].filter(Boolean);
        return parts.length ? `${parts.join('; ')} (read from this page)` : '';
      },
      capture() {
        const controls = billComControlsOf(doc);
        const organizationId = organisationIdOf(controls);
        const devKey = devKeyOf(controls);
        if (!controls.signedInAs || !organizationId || !devKey || !ready()) {
          return { ok: false, message: 'This page does not show both the Organization ID and a developer key yet: generate a developer key first.' };
        }
        return { ok: true, values: { username: controls.signedInAs, organizationId, devKey } };
      },
    };
  },
};
