/**
 * securedwebapp.com: KashFlow's legacy SOAP endpoint `/api/service.asmx` (namespace `KashFlow`).
 * Two methods are emulated: `AutoAuthIP(appName, AutoAuthKey)`, which lists the calling IP
 * for the account that owns the key, and `GetCompanyDetails(UserName, Password)`, the SOAP
 * login check. Answers carry `Status` (OK/NO) and a readable `StatusDetail`, as every KashFlow
 * SOAP method does (https://www.kashflow.com/developers/soap-api/autoauthip/).
 *
 * Request: a SOAP 1.1 envelope, e.g.
 *   <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
 *     <AutoAuthIP xmlns="KashFlow"><appName>Bookbridge</appName><AutoAuthKey>…</AutoAuthKey></AutoAuthIP>
 *   </soap:Body></soap:Envelope>
 */
import { Hono, type Context } from 'hono';
import { countRequest, injectFaults, type SandboxContext } from './context.js';
import { kashflowDateTime } from './seed.js';
import { apiPasswordMatches, countRefusal, findAccount, ipAllowed, recordFailedLogin } from './state.js';

const xmlEntities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'" };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (m) => xmlEntities[m] ?? m);
}

/** The text of `<name>` (any namespace prefix), or undefined. Enough for flat SOAP arguments. */
export function xmlValue(xml: string, name: string): string | undefined {
  const m = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`).exec(xml);
  if (m) return unescapeXml((m[1] ?? '').trim());
  return new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?/>`).test(xml) ? '' : undefined;
}

/** The first element inside soap:Body: the method called. */
function soapMethod(xml: string): string | undefined {
  const body = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?([\w]+)/.exec(xml);
  return body?.[1];
}

function envelope(inner: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
    `<soap:Body>${inner}</soap:Body></soap:Envelope>`
  );
}

function answer(c: Context, method: string, status: 'OK' | 'NO', detail: string, result = '') {
  const xml = envelope(
    `<${method}Response xmlns="KashFlow"><${method}Result>${result}</${method}Result>` +
      `<Status>${status}</Status><StatusDetail>${escapeXml(detail)}</StatusDetail></${method}Response>`,
  );
  return c.body(xml, 200, { 'content-type': 'text/xml; charset=utf-8' });
}

function fault(c: Context, message: string) {
  const xml = envelope(`<soap:Fault><faultcode>soap:Client</faultcode><faultstring>${escapeXml(message)}</faultstring></soap:Fault>`);
  return c.body(xml, 500, { 'content-type': 'text/xml; charset=utf-8' });
}

export function createSoapApp(ctx: SandboxContext): Hono {
  const app = new Hono();
  app.use('*', countRequest(ctx, 'soap'));
  app.use('*', injectFaults(ctx, 'soap'));

  app.get('/api/service.asmx', (c) =>
    c.html(
      '<!doctype html><title>KashFlow API</title><h1>KashFlow</h1><p>The following operations are supported:</p><ul><li>AutoAuthIP</li><li>GetCompanyDetails</li></ul>',
    ),
  );

  app.post('/api/service.asmx', async (c) => {
    const xml = await c.req.text();
    const action = (c.req.header('soapaction') ?? '').replace(/"/g, '');
    const method = soapMethod(xml) ?? action.split('/').pop();
    const { state } = ctx;
    if (method === 'AutoAuthIP') {
      const appName = (xmlValue(xml, 'appName') ?? '').slice(0, 100);
      const key = (xmlValue(xml, 'AutoAuthKey') ?? '').trim().toLowerCase();
      const account = key ? state.accounts.find((a) => a.api.AutoAuthKey.toLowerCase() === key) : undefined;
      if (!account) {
        countRefusal(state, 'autoauth_key');
        return answer(c, method, 'NO', 'The AutoAuth key is not valid.');
      }
      if (!account.api.AutoAuthEnabled) {
        countRefusal(state, 'autoauth_disabled');
        return answer(c, method, 'NO', 'AutoAuth is not enabled for this account. Tick Enable AutoAuth in Apps > API Settings.');
      }
      if (!account.api.APIEnabled) {
        countRefusal(state, 'api_disabled');
        return answer(c, method, 'NO', 'API access is not enabled for this account.');
      }
      const ip = ctx.callerIp(c);
      if (!account.api.allowedIps.some((e) => e.ip === ip)) {
        account.api.allowedIps.push({ ip, comment: appName || 'AutoAuth', added: kashflowDateTime(ctx.now()) });
      }
      state.stats.autoAuthRegistrations += 1;
      return answer(c, method, 'OK', '', escapeXml(ip));
    }
    if (method === 'GetCompanyDetails') {
      const account = findAccount(state, xmlValue(xml, 'UserName') ?? '');
      const password = xmlValue(xml, 'Password') ?? '';
      if (!account) return answer(c, method, 'NO', 'Incorrect username or password');
      if (account.locked) return answer(c, method, 'NO', 'Account locked');
      if (!account.api.APIEnabled) return answer(c, method, 'NO', 'API access is not enabled for this account.');
      const ip = ctx.callerIp(c);
      if (!ipAllowed(account, ip)) return answer(c, method, 'NO', `Access denied from IP address ${ip}`);
      if (!apiPasswordMatches(account, password)) {
        recordFailedLogin(account);
        return answer(c, method, 'NO', 'Incorrect username or password');
      }
      return answer(
        c,
        method,
        'OK',
        '',
        `<CompanyName>${escapeXml(account.companyName)}</CompanyName><CompanyId>${account.companyId}</CompanyId><VATNumber>${account.vatNumber}</VATNumber>`,
      );
    }
    return fault(c, `Server did not recognize the value of HTTP Header SOAPAction: ${action || method || ''}.`);
  });
  return app;
}
