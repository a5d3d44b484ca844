/**
 * A user with a browser, for driving a sandbox's server-rendered pages over real HTTP: fetch with
 * a cookie jar, redirects, relative links, and forms submitted the way a browser submits them.
 */

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) out[m[1]!] = (m[2] ?? '').replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  return out;
}

export class PageBrowser {
  private cookies = new Map<string, string>();
  url = '';
  html = '';

  async open(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<number> {
    let target = new URL(url, this.url || undefined).toString();
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.form ? new URLSearchParams(init.form) : undefined;
    for (let hops = 0; hops < 5; hops++) {
      const res = await fetch(target, {
        method,
        body,
        redirect: 'manual',
        headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const [k, v] = pair!.split('=');
        if (v) this.cookies.set(k!, v);
        else this.cookies.delete(k!);
      }
      this.url = target;
      if (res.status === 302 || res.status === 303) {
        target = new URL(res.headers.get('location')!, target).toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      this.html = await res.text();
      return res.status;
    }
    throw new Error('too many redirects');
  }

  /** The element with this id: its opening tag's attributes. */
  element(id: string): Record<string, string> | undefined {
    const m = new RegExp(`<(\\w+)\\s[^>]*id="${id}"[^>]*>`).exec(this.html);
    return m ? attributes(m[0]) : undefined;
  }

  text(id: string): string | undefined {
    const m = new RegExp(`<(\\w+)\\s[^>]*id="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(this.html);
    return m?.[2]?.replace(/<[^>]+>/g, '');
  }

  async click(id: string): Promise<number> {
    const link = this.element(id);
    if (!link?.href) throw new Error(`no link #${id} on ${this.url}`);
    return this.open(link.href);
  }

  /** Submits a form as a browser would: every named field with its current value, ticked boxes only. */
  async submit(formId: string, change: Record<string, string | boolean> = {}): Promise<number> {
    const form = new RegExp(`<form[^>]*id="${formId}"[^>]*>([\\s\\S]*?)</form>`).exec(this.html);
    if (!form) throw new Error(`no form #${formId} on ${this.url}`);
    const action = attributes(form[0].slice(0, form[0].indexOf('>') + 1)).action ?? this.url;
    const fields: Record<string, string> = {};
    for (const m of form[1]!.matchAll(/<input\s[^>]*>/g)) {
      const a = attributes(m[0]);
      if (!a.name) continue;
      const type = a.type ?? 'text';
      const ticked = a.name in change ? change[a.name] : 'checked' in a;
      if (type === 'checkbox') {
        if (ticked === true || (a.name in change ? false : ticked)) fields[a.name] = a.value || 'on';
      } else if (type === 'radio') {
        const chosen = a.name in change ? change[a.name] === a.value : 'checked' in a;
        if (chosen) fields[a.name] = a.value ?? '';
      } else {
        fields[a.name] = a.name in change ? String(change[a.name]) : (a.value ?? '');
      }
    }
    return this.open(action, { method: 'POST', form: fields });
  }
}

