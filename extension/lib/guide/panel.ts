/**
 * The guide's frame on a provider's page: a small card fixed to the bottom right, a highlight box
 * drawn over the control the user needs next, and nothing else. It lives in a closed shadow root
 * (createShadowRootUi), so the page's CSS cannot reach it and the page's scripts cannot look in.
 * The highlight is drawn in our own layer over the page rather than by styling the page's element:
 * the page's DOM is left exactly as it was.
 */
import { h } from './dom.js';

export const panelCss = `
.bb-card{position:fixed;right:16px;bottom:16px;z-index:2147483646;width:360px;max-height:calc(100vh - 32px);overflow:auto;
  box-sizing:border-box;background:#fff;color:#1d2330;border:1px solid #c9d1de;border-radius:10px;box-shadow:0 8px 28px rgba(0,0,0,.22);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:14px 16px}
.bb-card *{box-sizing:border-box}
.bb-card [hidden]{display:none !important}
.bb-head{display:flex;align-items:center;justify-content:space-between;gap:8px;margin:0 0 8px}
.bb-title{font-weight:700;font-size:15px;margin:0}
.bb-brand{display:inline-block;background:#1f5fbf;color:#fff;border-radius:4px;padding:0 6px;margin-right:6px;font-size:12px;font-weight:700}
.bb-steps{list-style:none;margin:0 0 8px;padding:0;display:grid;gap:4px}
.bb-steps li{display:grid;grid-template-columns:20px 1fr;gap:6px;align-items:start}
.bb-mark{font-weight:700;text-align:center}
.bb-done{color:#5a6375}.bb-done .bb-mark{color:#2e7d32}
.bb-current{font-weight:600}.bb-current .bb-mark{color:#b35c00}
.bb-detail{display:block;font-weight:400;font-size:12px;color:#5a6375}
.bb-section{border-top:1px solid #e1e5ec;padding-top:10px;margin-top:6px;display:grid;gap:6px}
.bb-section label{font-weight:600;font-size:13px}
.bb-section input[type=password],.bb-section input[type=text]{width:100%;padding:6px 8px;border:1px solid #b9c2d0;border-radius:4px;font:inherit}
.bb-consent{display:flex;gap:8px;align-items:flex-start;font-weight:400 !important;font-size:12px !important}
.bb-consent input{margin-top:3px}
.bb-btn{font:inherit;font-weight:600;padding:7px 14px;border-radius:5px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;cursor:pointer}
.bb-btn[disabled]{background:#e4e7ec;border-color:#c3c8d1;color:#4f5666;cursor:not-allowed}
.bb-btn.bb-secondary{background:#fff;color:#1f5fbf}
.bb-link{font:inherit;background:none;border:none;color:#1f5fbf;text-decoration:underline;cursor:pointer;padding:0}
.bb-note{font-size:12px;color:#5a6375;margin:0}
.bb-ok{background:#e6f4ea;color:#1e5b25;border-radius:5px;padding:8px 10px;margin:0}
.bb-problem{background:#fdecec;color:#8a1c1c;border-radius:5px;padding:8px 10px;margin:0}
.bb-row{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.bb-highlight{position:fixed;z-index:2147483645;pointer-events:none;border:3px solid #ff8f00;border-radius:6px;
  box-shadow:0 0 0 4px rgba(255,143,0,.35);transition:all .15s ease;display:none}
.bb-highlight-label{position:absolute;left:0;top:-24px;background:#ff8f00;color:#1d2330;font:600 12px system-ui,sans-serif;
  padding:2px 6px;border-radius:4px;white-space:nowrap}
.bb-reads{position:fixed;z-index:2147483645;pointer-events:none;border:2px dashed #1f5fbf;border-radius:6px;display:none}
.bb-reads .bb-highlight-label{background:#1f5fbf;color:#fff;top:auto;bottom:-24px}
.bb-frame{display:block;width:100%;border:0;margin:0;background:#fff}
`;

export interface Frame {
  card: HTMLElement;
  body: HTMLElement;
  /** Draws the highlight over `target`, the control to press next (or hides it). */
  highlight(target: HTMLElement | null, label?: string): void;
  /** Outlines what Bookbridge reads from the page (or hides the outline). */
  outline(target: HTMLElement | null, label?: string): void;
}

export function buildFrame(doc: Document, root: HTMLElement, title: string, onClose: () => void): Frame {
  const body = h(doc, 'div');
  const closeButton = h(doc, 'button', { type: 'button', class: 'bb-link', 'aria-label': 'Hide the Bookbridge guide', onclick: onClose }, 'Hide');
  const card = h(
    doc,
    'section',
    { class: 'bb-card', role: 'complementary', 'aria-label': 'Bookbridge guide' },
    h(doc, 'div', { class: 'bb-head' }, h(doc, 'p', { class: 'bb-title' }, h(doc, 'span', { class: 'bb-brand' }, 'Bookbridge'), title), closeButton),
    body,
  );
  const highlightBox = overlay(doc, 'bb-highlight');
  const readsBox = overlay(doc, 'bb-reads');
  root.append(highlightBox.box, readsBox.box, card);

  let current: HTMLElement | null = null;
  return {
    card,
    body,
    highlight(target, label) {
      if (target !== current && target) target.scrollIntoView({ block: 'center', behavior: 'smooth' });
      current = target;
      highlightBox.place(target, label);
    },
    outline: (target, label) => readsBox.place(target, label),
  };
}

/** A box in our own layer, drawn 4 px outside an element of the page. */
function overlay(doc: Document, className: string) {
  const labelEl = h(doc, 'span', { class: 'bb-highlight-label' });
  const box = h(doc, 'div', { class: className, 'aria-hidden': 'true' }, labelEl);
  return {
    box,
    place(target: HTMLElement | null, label?: string) {
      const rect = target?.getBoundingClientRect();
      if (!target || !rect || (rect.width === 0 && rect.height === 0)) {
        box.style.display = 'none';
        return;
      }
      const pad = 4;
      Object.assign(box.style, {
        display: 'block',
        left: `${rect.left - pad}px`,
        top: `${rect.top - pad}px`,
        width: `${rect.width + pad * 2}px`,
        height: `${rect.height + pad * 2}px`,
      });
      labelEl.textContent = label ?? '';
    },
  };
}
