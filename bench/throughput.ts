/**
 * Requests/s and latency of a list endpoint and of item creation under concurrent load
 * (autocannon on loopback), next to a bare Hono route on the same server in the same run.
 * The server runs in its own process; autocannon here.
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { note, report, type Figure } from './support/report.js';

export async function throughputBench(): Promise<Figure[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/server-with-hello.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  const [, url, token, businessId, connectionId] = ready.split(' ') as [string, string, string, string, string];
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let n = 0;
  const item = () =>
    JSON.stringify({
      type: 'cost',
      contact: 'Contact 00042',
      date: '2026-11-01',
      number: `LOAD-${++n}`,
      currency: 'GBP',
      lines: [{ description: 'Paper', amount: '10.00', taxAmount: '2.00' }],
      total: '12.00',
      totalTax: '2.00',
    });
  const run = (title: string, opts: Partial<autocannon.Options> & { path?: string }) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      note(`throughput: ${title}`);
      // autocannon takes the path from the URL (its `path` option alone is ignored).
      const { path: p = '/', ...rest } = opts;
      autocannon({ connections: 10, duration: 5, ...rest, url: `${url}${p}` }, (err, result) => (err ? reject(err) : resolve(result)));
    });

  const figures: Figure[] = [];
  try {
    await run('warm-up', { path: '/_bench/hello', duration: 2 });
    const hello = await run('bare hello route', { path: '/_bench/hello' });
    const list = await run('list endpoint', { path: `/api/businesses/${businessId}/connections/${connectionId}/lists/contacts?limit=50`, headers: auth });
    // Each request a different page (a cursor at a random name): nothing is served from memory.
    const cursor = () => Buffer.from(JSON.stringify([`Contact ${String(Math.floor(Math.random() * 9_950)).padStart(5, '0')}`, ''])).toString('base64url');
    const listPath = `/api/businesses/${businessId}/connections/${connectionId}/lists/contacts?limit=50`;
    const cold = await run('list endpoint, a different page each time', {
      path: listPath,
      headers: auth,
      requests: [{ method: 'GET', path: listPath, headers: auth, setupRequest: (req) => ({ ...req, path: `${listPath}&after=${cursor()}` }) }],
    });
    // The floor under item creation: one items row written as item creation writes it, and
    // nothing else (no body, no session, no checks). Item creation cannot be cheaper than this.
    // Run first, on the smaller table: the floor gets the better conditions.
    const floor = await run('one-insert floor', { path: '/_bench/insert', method: 'POST' });
    const create = await run('item creation', {
      path: `/api/businesses/${businessId}/items`,
      method: 'POST',
      headers: auth,
      requests: [{ method: 'POST', path: `/api/businesses/${businessId}/items`, headers: auth, setupRequest: (req) => ({ ...req, body: item() }) }],
    });
    const bad = [hello, list, cold, create, floor].filter((r) => r.non2xx > 0);
    if (bad.length) note(`non-2xx answers: ${bad.map((r) => r.non2xx).join(', ')}`);
    figures.push(report({ bench: 'throughput', metric: 'bare route requests/s', value: hello.requests.average, unit: 'req/s' }));
    figures.push(report({ bench: 'throughput', metric: 'list requests/s vs bare', value: list.requests.average / hello.requests.average, unit: 'ratio', target: 0.5, better: 'higher' }));
    figures.push(report({ bench: 'throughput', metric: 'list requests/s', value: list.requests.average, unit: 'req/s' }));
    figures.push(report({ bench: 'throughput', metric: 'list latency p50', value: list.latency.p50, unit: 'ms' }));
    figures.push(report({ bench: 'throughput', metric: 'list latency p99', value: list.latency.p99, unit: 'ms', target: 10, better: 'lower' }));
    figures.push(report({ bench: 'throughput', metric: 'list non-2xx', value: list.non2xx, unit: 'count', target: 0, better: 'lower' }));
    figures.push(report({ bench: 'throughput', metric: 'list, a different page each time, requests/s', value: cold.requests.average, unit: 'req/s' }));
    figures.push(report({ bench: 'throughput', metric: 'list, a different page each time, latency p99', value: cold.latency.p99, unit: 'ms', target: 10, better: 'lower' }));
    figures.push(report({ bench: 'throughput', metric: 'item creation requests/s vs bare', value: create.requests.average / hello.requests.average, unit: 'ratio', target: 0.5, better: 'higher' }));
    figures.push(report({ bench: 'throughput', metric: 'item creation requests/s', value: create.requests.average, unit: 'req/s' }));
    figures.push(report({ bench: 'throughput', metric: 'item creation latency p50', value: create.latency.p50, unit: 'ms' }));
    figures.push(report({ bench: 'throughput', metric: 'item creation latency p99', value: create.latency.p99, unit: 'ms' }));
    figures.push(report({ bench: 'throughput', metric: 'one-insert floor requests/s', value: floor.requests.average, unit: 'req/s' }));
    figures.push(report({ bench: 'throughput', metric: 'one-insert floor vs bare', value: floor.requests.average / hello.requests.average, unit: 'ratio' }));
    figures.push(report({ bench: 'throughput', metric: 'item creation vs one-insert floor', value: create.requests.average / floor.requests.average, unit: 'ratio' }));
    figures.push(report({ bench: 'throughput', metric: 'item creation non-2xx', value: create.non2xx, unit: 'count', target: 0, better: 'lower' }));
  } finally {
    // Let it close and remove its data directory (bounded).
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await throughputBench();
