import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from './api-client.js';

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function all(chunks: string[]) {
  const out = [];
  for await (const e of readServerSentEvents(stream(chunks))) out.push(e);
  return out;
}

describe('reading the job event stream', () => {
  it('parses events split anywhere across chunks, with CRLF and comments', async () => {
    expect(await all(['event: prog', 'ress\r\ndata: {"a"', ':1}\r\n\r\n: keep-alive\n\nevent: progress\ndata: {"a":2}\n', '\n'])).toEqual([
      { event: 'progress', data: '{"a":1}' },
      { event: 'progress', data: '{"a":2}' },
    ]);
  });

  it('joins multi-line data and defaults the event name', async () => {
    expect(await all(['data: one\ndata: two\n\n'])).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('drops an event cut off by the end of the stream', async () => {
    expect(await all(['event: progress\ndata: {"a":1}\n'])).toEqual([]);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('data: x\n\n')) });
    const seen = [];
    for await (const e of readServerSentEvents(body, controller.signal)) {
      seen.push(e);
      controller.abort();
    }
    expect(seen).toHaveLength(1);
  });
});
