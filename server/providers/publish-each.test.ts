import { describe, expect, it } from 'vitest';
import { ProviderError } from './errors.js';
import { publishEach } from './publish-each.js';
import type { PublishDocument } from './types.js';

const docs = [{ id: 'a' }, { id: 'b' }, { id: 'c' }] as unknown as PublishDocument[];

describe('publishEach', () => {
  it('keeps going after a refused document and reports each outcome in order', async () => {
    const outcomes = await publishEach(docs, async (doc) => {
      if ((doc as unknown as { id: string }).id === 'b') throw new ProviderError('validation', 'refused');
      return { remoteId: (doc as unknown as { id: string }).id } as never;
    });
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
  });

  it('stops on an error that is not a provider refusal', async () => {
    await expect(publishEach(docs, async () => { throw new TypeError('bug'); })).rejects.toThrow('bug');
  });
});
