import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import { panelCss } from './panel.js';

/**
 * Events that stop at the edge of our shadow root, so the page's own listeners never see what is
 * typed into the guide (a closed root already hides the elements themselves).
 */
const isolatedEvents = [
  'keydown',
  'keyup',
  'keypress',
  'beforeinput',
  'input',
  'change',
  'paste',
  'copy',
  'cut',
  'compositionstart',
  'compositionupdate',
  'compositionend',
];

/** Mounts the guide's closed shadow root at the end of <body>; WXT removes it when `ctx` ends. */
export async function mountGuideRoot(ctx: ContentScriptContext): Promise<HTMLElement> {
  const ui = await createShadowRootUi<HTMLElement>(ctx, {
    name: 'bookbridge-guide',
    position: 'inline',
    anchor: 'body',
    append: 'last',
    mode: 'closed',
    css: panelCss,
    isolateEvents: isolatedEvents,
    onMount: (container) => container,
  });
  ui.mount();
  return ui.mounted!;
}
