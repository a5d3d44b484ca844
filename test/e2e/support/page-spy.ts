/**
 * A hostile script on the provider's page, installed before the page's own scripts run
 * (`addInitScript`, main world): it listens to every event it can, watches the DOM, hooks the
 * clipboard and postMessage, and keeps what it sees in `window.__spy`. The tests then check that
 * nothing the extension captured or was typed into its panel reached it.
 */
export const pageSpyScript = `(() => {
  const spy = { bubbling: [], capturing: [], custom: [], messages: [], mutations: [], clipboard: [] };
  Object.defineProperty(window, '__spy', { value: spy });
  const describe = (e) => {
    const out = { type: e.type };
    if ('key' in e) out.key = e.key;
    if ('data' in e && typeof e.data === 'string') out.data = e.data;
    if (e.target && typeof e.target.value === 'string') out.value = e.target.value;
    if ('detail' in e && e.detail != null) { try { out.detail = JSON.stringify(e.detail); } catch { out.detail = String(e.detail); } }
    if (e.target && e.target.nodeName) out.target = e.target.nodeName.toLowerCase() + (e.target.id ? '#' + e.target.id : '');
    return out;
  };
  const types = ['keydown', 'keyup', 'keypress', 'beforeinput', 'input', 'change', 'paste', 'copy', 'cut', 'focusin', 'click', 'submit'];
  for (const type of types) {
    document.addEventListener(type, (e) => spy.bubbling.push(describe(e)), false);
    window.addEventListener(type, (e) => spy.capturing.push(describe(e)), true);
  }
  window.addEventListener('message', (e) => { try { spy.messages.push(JSON.stringify(e.data)); } catch { spy.messages.push(String(e.data)); } });
  const dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) { spy.custom.push(describe(event)); return dispatch.call(this, event); };
  const hook = (object, name) => {
    if (!object || typeof object[name] !== 'function') return;
    const original = object[name].bind(object);
    object[name] = (...args) => { spy.clipboard.push({ call: name, args: args.map(String) }); return original(...args); };
  };
  if (navigator.clipboard) for (const name of ['writeText', 'write', 'readText', 'read']) hook(navigator.clipboard, name);
  hook(document, 'execCommand');
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') spy.mutations.push(r.target.nodeName + ' ' + r.attributeName + '=' + r.target.getAttribute(r.attributeName));
      else if (r.type === 'characterData') spy.mutations.push('text ' + r.target.data);
      else for (const n of r.addedNodes) spy.mutations.push('added ' + (n.outerHTML || n.textContent || n.nodeName));
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`;

export interface SpyReport {
  bubbling: { type: string; key?: string; data?: string; value?: string; target?: string }[];
  capturing: { type: string; key?: string; data?: string; value?: string; target?: string }[];
  custom: unknown[];
  messages: string[];
  mutations: string[];
  clipboard: { call: string; args: string[] }[];
  /** Every string (or JSON of an object) held in a property the page added to `window`. */
  globals: string;
  /** What the page sees of the extension's host element. */
  hostShadowRoot: 'none' | 'open' | 'no host';
  html: string;
}

/** Reads the spy's notes (run in the page's main world, as the page's scripts are). */
export const readSpy = `(() => {
  const spy = window.__spy;
  const host = document.querySelector('bookbridge-guide');
  const baseline = new Set(Object.getOwnPropertyNames(Object.getPrototypeOf(window)));
  const globals = [];
  for (const name of Object.getOwnPropertyNames(window)) {
    if (name === '__spy' || baseline.has(name)) continue;
    try { const v = window[name]; if (typeof v === 'string') globals.push(v); else if (v && typeof v === 'object') globals.push(JSON.stringify(v)); } catch {}
  }
  return { ...spy, globals: globals.join('\\n'), hostShadowRoot: host ? (host.shadowRoot ? 'open' : 'none') : 'no host', html: document.documentElement.outerHTML };
})()`;
