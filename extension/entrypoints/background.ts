import { defineBackground } from 'wxt/utils/define-background';
import { createBackgroundDeps, registerBackgroundHandlers } from '../lib/background-service.js';

export default defineBackground(() => {
  registerBackgroundHandlers(createBackgroundDeps());
});
