import { defineBackground } from 'wxt/utils/define-background';
import { createBackgroundDeps, registerBackgroundHandlers, registerJobPorts, registerKeepers } from '../lib/background-service.js';

export default defineBackground(() => {
  const deps = createBackgroundDeps();
  registerBackgroundHandlers(deps);
  registerJobPorts(deps);
  registerKeepers(deps);
});
