/**
 * Per-directory lookups at scale (issue 18 item 9): sibling pairing and listings are indexed or
 * cached per listing, so thousands of $I records, ZIPs or .trashinfo files in one folder cost
 * linear time, not one scan of the folder per file.
 */
import { describe, expect, test } from '@jest/globals';
import type { ListedEntry } from '../../src/model/evidence.js';
import { findSibling } from '../../src/artifacts/recycle-bin/common.js';
import { countVolumes } from '../../src/artifacts/archive/detect.js';
import { zipHasSplitSiblings } from '../../src/artifacts/archive/volume.js';
import { cachedLister } from '../../src/pipeline/listing-cache.js';
import { cpuClock } from '../helpers/cpu.js';

const N = 30_000;
const listing: ListedEntry[] = [];
for (let i = 0; i < N / 2; i++) {
  listing.push({ name: `$IAB${i}.zip`, isDirectory: false, size: 100 });
  listing.push({ name: `$RAB${i}.ZIP`, isDirectory: i % 5 === 0, size: 1000 });
}
listing.push({ name: 'dump.z01', isDirectory: false, size: 1 }, { name: 'DUMP.zip', isDirectory: false, size: 1 }, { name: 'dump.ZIP', isDirectory: false, size: 2 });

describe('sibling lookups in a folder of 30,000 entries', () => {
  test('findSibling answers like a linear case-insensitive search (first match), 30,000 times in well under the quadratic time', () => {
    const started = cpuClock();
    let found = 0;
    for (let i = 0; i < N / 2; i++) {
      const hit = findSibling(listing, `$rab${i}.zip`);
      if (hit) found++;
      if (i % 1000 === 0) expect(hit).toBe(listing.find((s) => s.name.toLowerCase() === `$rab${i}.zip`));
    }
    expect(found).toBe(N / 2);
    expect(findSibling(listing, 'dump.zip')).toBe(listing[N + 1]);
    expect(findSibling(listing, 'absent.zip')).toBeUndefined();
    expect(started()).toBeLessThan(5000);
  });
  test('ZIP split parts and volume counts come from one pass over the listing', () => {
    const started = cpuClock();
    let split = 0;
    for (let i = 0; i < N / 2; i++) if (zipHasSplitSiblings(`$IAB${i}.zip`, listing)) split++;
    expect(split).toBe(0);
    expect(zipHasSplitSiblings('Dump.zip', listing)).toBe(true);
    let single = 0;
    for (let i = 0; i < N / 2; i++) if (countVolumes(`$IAB${i}.zip`, listing) === 1) single++;
    expect(single).toBe(N / 2);
    // dump.z01, DUMP.zip and dump.ZIP are parts of one split set.
    expect(countVolumes('dump.zip', listing)).toBe(3);
    expect(started()).toBeLessThan(5000);
  });
});

describe('listing cache', () => {
  test('a directory is listed once however many files ask, and only a few listings are kept', () => {
    const calls: string[] = [];
    const list = cachedLister((rel) => {
      calls.push(rel);
      return rel === 'gone' ? null : [{ name: rel, isDirectory: false, size: 0 }];
    });
    for (let i = 0; i < 5000; i++) expect(list('home/alice/.local/share/Trash/files')).toEqual([{ name: 'home/alice/.local/share/Trash/files', isDirectory: false, size: 0 }]);
    expect(list('gone')).toBeNull();
    expect(list('gone')).toBeNull();
    expect(calls).toEqual(['home/alice/.local/share/Trash/files', 'gone']);
    for (let i = 0; i < 20; i++) list(`d${i}`);
    list('home/alice/.local/share/Trash/files');
    expect(calls.filter((c) => c === 'home/alice/.local/share/Trash/files')).toHaveLength(2);
  });
});
