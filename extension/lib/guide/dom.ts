/**
 * Tiny DOM helpers for the guide panels. Plain DOM, no Preact: the content scripts must stay small
 * (issue 8: ≤ 20 KB gzip each), and they take `document` as a parameter so tests can pass a fake one.
 */
type Attrs = Record<string, string | boolean | number | undefined | ((event: Event) => void)>;
type Child = Node | string | null | undefined | false;

export function h(doc: Document, tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

/** The first element that matches one of the selectors, or whose text is `text` (case-insensitive). */
export function findControl(doc: Document, selectors: readonly string[], text?: { tags: string; text: RegExp }): HTMLElement | null {
  for (const selector of selectors) {
    const found = doc.querySelector<HTMLElement>(selector);
    if (found) return found;
  }
  if (text) {
    for (const el of doc.querySelectorAll<HTMLElement>(text.tags)) if (text.text.test((el.textContent ?? '').trim())) return el;
  }
  return null;
}

/** The checkbox labelled `text` (a <label> around it, or `for=`), for pages that change their ids. */
export function findCheckbox(doc: Document, selectors: readonly string[], text: RegExp): HTMLInputElement | null {
  const byId = findControl(doc, selectors);
  if (isInput(byId)) return byId;
  for (const label of doc.querySelectorAll('label')) {
    if (!text.test((label.textContent ?? '').trim())) continue;
    const forId = label.getAttribute('for');
    const input = (forId ? doc.getElementById(forId) : null) ?? label.querySelector('input');
    if (isInput(input) && input.type === 'checkbox') return input;
  }
  return null;
}

/** Tag check rather than `instanceof`: content scripts see the page's elements through wrappers. */
export function isInput(el: Element | null | undefined): el is HTMLInputElement {
  return el?.tagName === 'INPUT';
}
