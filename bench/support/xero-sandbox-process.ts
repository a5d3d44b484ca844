/**
 * A Xero sandbox in a process of its own (so its memory and CPU are not the companion's),
 * with one large generated organisation and call counting. Prints `READY <url>` when listening.
 *   node --import tsx bench/support/xero-sandbox-process.ts --contacts 100000 --accounts 5000 --time-scale 60 --secret S
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Hono } from 'hono';
import { createXeroSandbox, generateOrganisation } from '../../server/sandbox/xero/index.js';
import { createSandboxServer } from '../../server/sandbox/index.js';
import { listen } from '../../server/sandbox/serve.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000' },
    accounts: { type: 'string', default: '0' },
    items: { type: 'string', default: '200' },
    'time-scale': { type: 'string', default: '1' },
    secret: { type: 'string' },
  },
});
const secret = values.secret!;
const started = performance.now();
const organisation = generateOrganisation({ seed: 7, name: 'Large Organisation Ltd', contacts: Number(values.contacts), accounts: Number(values.accounts) || undefined, items: Number(values.items) });
const xero = createXeroSandbox({
  clients: [{ id: 'bookbridge-sandbox-xero', secret, name: 'Bookbridge bench' }],
  organisations: [organisation],
  timeScale: Number(values['time-scale']),
});
const { app } = createSandboxServer({ secret, only: { xero } });

// Calls to the Accounting API by list or document, for "calls against the minimum".
let calls: Record<string, number> = {};
/** Milliseconds spent answering those calls (request in → response ready), summed. */
let answering = 0;
const counting = new Hono();
counting.use('/xero/api/api.xro/2.0/*', async (c, next) => {
  const resource = c.req.path.replace('/xero/api/api.xro/2.0/', '').split('/')[0]!;
  const key = `${c.req.method} ${resource}${c.req.query('where') ? ' (where)' : ''}`;
  calls[key] = (calls[key] ?? 0) + 1;
  const t0 = performance.now();
  await next();
  answering += performance.now() - t0;
});
counting.get('/_bench/calls', (c) => c.json(calls));
// Time answering the counted calls since the reset; how long this process's one thread has been
// busy since it started, and its CPU time: it does one thing at a time, so whatever it answered
// cannot have taken less wall time than that.
counting.get('/_bench/busy', (c) => {
  const cpu = process.cpuUsage();
  return c.json({ answeringMs: answering, activeMs: performance.eventLoopUtilization().active, cpuMs: (cpu.user + cpu.system) / 1000 });
});
counting.post('/_bench/reset', (c) => {
  calls = {};
  answering = 0;
  return c.json({ ok: true });
});
counting.route('/', app);

const server = await listen(counting);
process.stdout.write(`READY ${server.url} ${organisation.tenantId} ${Math.round(performance.now() - started)}ms\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
