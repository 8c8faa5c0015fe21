/** The listings an image file system keeps (src/evidence/fs.ts ListingCache): bounded by entries and by count, most recent kept. */
import { describe, expect, test } from '@jest/globals';
import { ListingCache, type FsEntry, type FsListing } from '../../src/evidence/fs.js';

function listing(n: number): FsListing {
  const entries: FsEntry[] = Array.from({ length: n }, (_, i) => ({ name: `f${i}`, path: `/d/f${i}`, id: String(i), type: 'file', size: 0, times: {}, hidden: false, system: false, readOnly: false, deleted: false, streams: [] }));
  return { entries, truncated: false };
}

describe('ListingCache', () => {
  test('bounded by the entries held: the oldest listings go first, the newest stays even alone over the bound', () => {
    const cache = new ListingCache<string>(1000, 256);
    cache.set('a', listing(400));
    cache.set('b', listing(400));
    cache.set('c', listing(400)); // 1,200 entries: 'a' goes
    expect([cache.get('a'), !!cache.get('b'), !!cache.get('c')]).toEqual([undefined, true, true]);
    cache.set('huge', listing(5000)); // alone over the bound: kept, every older one goes
    expect([cache.get('b'), cache.get('c'), cache.get('huge')?.entries.length]).toEqual([undefined, undefined, 5000]);
  });

  test('bounded by the number of listings, a listing used again counting as new', () => {
    const cache = new ListingCache<number>(1_000_000, 3);
    for (const k of [1, 2, 3]) cache.set(k, listing(1));
    expect(cache.get(1)).toBeDefined(); // 1 is now the most recent
    cache.set(4, listing(1)); // 2 goes, not 1
    expect([!!cache.get(1), cache.get(2), !!cache.get(3), !!cache.get(4)]).toEqual([true, undefined, true, true]);
    cache.set(3, listing(2)); // replaced, not counted twice
    cache.clear();
    expect(cache.get(3)).toBeUndefined();
  });
});
