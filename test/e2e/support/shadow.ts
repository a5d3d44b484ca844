/**
 * Looks into the extension's closed shadow root on a provider page, the way a user's eyes do:
 * through the browser's DevTools protocol, which sees closed roots (Playwright's locators, like the
 * page's own scripts, cannot). Clicks and typing go through the real mouse and keyboard, so the
 * page receives exactly the events a user would cause.
 */
import type { CDPSession, Frame, Page } from 'playwright-core';

interface DomNode {
  nodeId: number;
  nodeName: string;
  children?: DomNode[];
  shadowRoots?: DomNode[];
}

export interface ShadowUi {
  /** Whether `selector` matches inside the root (and is rendered, i.e. has a box). */
  visible(selector: string): Promise<boolean>;
  text(selector: string): Promise<string>;
  /** Runs `fn(element)` in the page on the element; returns its JSON result. */
  evaluate<T>(selector: string, fn: string): Promise<T>;
  rect(selector: string): Promise<{ x: number; y: number; width: number; height: number }>;
  click(selector: string): Promise<void>;
  type(selector: string, text: string): Promise<void>;
  waitFor(selector: string, check?: (text: string) => boolean, timeoutMs?: number): Promise<string>;
}

export async function shadowUi(page: Page, hostName = 'bookbridge-guide'): Promise<ShadowUi> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');

  async function node(selector: string): Promise<number | null> {
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
    const host = find(root, (n) => n.nodeName.toLowerCase() === hostName);
    const shadow = host?.shadowRoots?.[0];
    if (!shadow) return null;
    const { nodeId } = (await cdp.send('DOM.querySelector', { nodeId: shadow.nodeId, selector })) as { nodeId: number };
    return nodeId || null;
  }

  async function objectId(selector: string): Promise<string> {
    const id = await node(selector);
    if (!id) throw new Error(`Nothing matches ${selector} in the ${hostName} shadow root`);
    const { object } = (await cdp.send('DOM.resolveNode', { nodeId: id })) as { object: { objectId: string } };
    return object.objectId;
  }

  async function evaluate<T>(selector: string, fn: string): Promise<T> {
    const { result, exceptionDetails } = (await cdp.send('Runtime.callFunctionOn', {
      objectId: await objectId(selector),
      functionDeclaration: fn,
      returnByValue: true,
    })) as { result: { value: T }; exceptionDetails?: unknown };
    if (exceptionDetails) throw new Error(`evaluate failed on ${selector}: ${JSON.stringify(exceptionDetails)}`);
    return result.value;
  }

  const ui: ShadowUi = {
    async visible(selector) {
      const id = await node(selector);
      if (!id) return false;
      return evaluate<boolean>(selector, 'function(){const r=this.getBoundingClientRect();return r.width>0&&r.height>0&&!this.closest("[hidden]")}');
    },
    text: (selector) => evaluate<string>(selector, 'function(){return (this.textContent||"").replace(/\\s+/g," ").trim()}'),
    evaluate,
    rect: (selector) => evaluate(selector, 'function(){const r=this.getBoundingClientRect();return {x:r.x,y:r.y,width:r.width,height:r.height}}'),
    async click(selector) {
      await evaluate(selector, 'function(){this.scrollIntoView({block:"center"})}');
      const r = await ui.rect(selector);
      await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
    },
    async type(selector, text) {
      await ui.click(selector);
      await page.keyboard.type(text);
    },
    async waitFor(selector, check = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        if (await ui.visible(selector)) {
          last = await ui.text(selector);
          if (check(last)) return last;
        }
        await page.waitForTimeout(100);
      }
      throw new Error(`Timed out waiting for ${selector} in the guide (last text: "${last}")`);
    },
  };
  return ui;
}

function find(node: DomNode, test: (n: DomNode) => boolean): DomNode | undefined {
  if (test(node)) return node;
  for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? [])]) {
    const found = find(child, test);
    if (found) return found;
  }
  return undefined;
}

/**
 * The key guides' password frame: an extension page in an iframe inside the closed root. The
 * browser knows it as a frame of the tab (Playwright sees it; the page's scripts cannot read it).
 * Type into it with `frame.locator(...).click()` then `page.keyboard.type(...)`: real key presses.
 */
export async function passwordFrame(page: Page, timeoutMs = 15_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frame = page.frames().find((f) => f.url().includes('/guide-credentials.html'));
    if (frame) {
      await frame.locator('form[aria-label="Send to Bookbridge"]').waitFor({ timeout: Math.max(1, deadline - Date.now()) });
      return frame;
    }
    await page.waitForTimeout(100);
  }
  throw new Error('No Bookbridge password frame on the page');
}

/** Clicks a field of the password frame and types with the real keyboard. */
export async function typeInFrame(page: Page, frame: Frame, selector: string, text: string): Promise<void> {
  await frame.locator(selector).click();
  await page.keyboard.type(text);
}
