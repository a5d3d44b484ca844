import { describe, expect, it } from 'vitest';
import { itemStateLabels as shared, itemStates as sharedStates } from '../../shared/items.js';
import { itemTypes } from '../../shared/catalogue.js';
import { countIn, itemStateLabels, itemStates, itemTypeLabels, waitingStates } from './items.js';

describe('item facts repeated for the small bundles', () => {
  it('match shared/items.ts', () => {
    expect(itemStateLabels).toEqual(shared);
    expect(itemStates).toEqual([...sharedStates]);
    expect(Object.keys(itemTypeLabels)).toEqual([...itemTypes]);
  });

  it('counts the items on their way', () => {
    expect(countIn({ ready: 2, queued: 1, failed: 4, waiting_for_reconnect: 3 }, waitingStates)).toBe(6);
  });
});
