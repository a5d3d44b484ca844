/**
 * The providers' real host names, served locally over HTTPS with a self-signed certificate, so the
 * extension's real match patterns (https://app.kashflow.com/*, https://go.xero.com/*) are what
 * run. Chromium is pointed here with --host-resolver-rules and told to accept the certificate.
 *
 * - app.kashflow.com: a reverse proxy to the server's built-in KashFlow sandbox pages
 *   (`<server>/sandbox/kashflow/app/...`), so what the page shows and what the server verifies are
 *   the same sandbox account;
 * - go.xero.com: one page shaped like Xero's web app for a signed-in user (the Xero sandbox has no
 *   web app), naming the organisation in its title and navigation, with its short code in the URL.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RealHosts {
  port: number;
  /** For launchBrowser's hostResolverRules. */
  resolverRules: string;
  close(): Promise<void>;
}

export async function serveRealHosts(options: { serverUrl: () => string; xeroOrganisation: string }): Promise<RealHosts> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bookbridge-cert-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=app.kashflow.com',
    '-addext', 'subjectAltName=DNS:app.kashflow.com,DNS:go.xero.com',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const server: Server = createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
    const host = (req.headers.host ?? '').split(':')[0];
    if (host === 'go.xero.com') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(xeroPage(options.xeroOrganisation));
      return;
    }
    if (host !== 'app.kashflow.com') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers.set(name, value);
        }
        const upstream = await fetch(`${options.serverUrl()}/sandbox/kashflow/app${req.url === '/' ? '' : req.url}`, {
          method: req.method,
          headers,
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : Buffer.concat(chunks),
          redirect: 'manual',
        });
        const out: Record<string, string | string[]> = {};
        upstream.headers.forEach((value, name) => {
          if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name)) out[name] = value;
        });
        const cookies = upstream.headers.getSetCookie();
        if (cookies.length) out['set-cookie'] = cookies;
        res.writeHead(upstream.status, out);
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    resolverRules: `MAP app.kashflow.com 127.0.0.1:${port}, MAP go.xero.com 127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}

function xeroPage(organisation: string): string {
  const safe = organisation.replace(/[<>&"]/g, '');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Xero | Dashboard | ${safe}</title>
<style>body{margin:0;font:15px system-ui,sans-serif;background:#f4f6f8}header{background:#13b5ea;color:#fff;padding:14px 24px;font-weight:600}main{padding:24px}</style></head>
<body><header><span data-automationid="xnav-orgname">${safe}</span></header><main><h1>Dashboard</h1><p>Business bank account: £12,430.55</p></main></body></html>`;
}
