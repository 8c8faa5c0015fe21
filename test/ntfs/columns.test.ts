// The NTFS indexes kept in typed-array columns (names.ts, children.ts): the same answers as the
// Map-of-objects versions they replaced, at the edges the volume tests rarely reach (tables that
// grow past their first capacity, references beyond the MFT or beyond 2^32, reused entries).
import { describe, expect, test } from '@jest/globals';
import { NameTable, ORPHAN_ROOT } from '../../src/evidence/image/ntfs/names.js';
import { ChildIndex } from '../../src/evidence/image/ntfs/children.js';

describe('NameTable', () => {
  test('paths through entries far apart (the columns grow) and broken chains', () => {
    const t = new NameTable();
    t.set(100_000, { sequence: 3, inUse: true, name: 'Users', parentEntry: 5, parentSequence: 5 });
    t.set(7, { sequence: 1, inUse: true, name: 'alice', parentEntry: 100_000, parentSequence: 3 });
    t.set(250_000, { sequence: 2, inUse: true, name: 'x.7z', parentEntry: 7, parentSequence: 1 });
    // a parent reference beyond 2^32 can name no row: the path is orphaned there
    t.set(300_000, { sequence: 1, inUse: true, name: 'lost.txt', parentEntry: 2 ** 40 + 7, parentSequence: 1 });
    // the parent entry was reused (sequence moved on)
    t.set(300_001, { sequence: 1, inUse: false, name: 'old.txt', parentEntry: 7, parentSequence: 9 });
    expect(t.size).toBe(5);
    expect(t.has(250_000)).toBe(true);
    expect(t.has(250_001)).toBe(false);
    expect(t.resolve(250_000)).toEqual({ path: '/Users/alice/x.7z', orphan: false });
    expect(t.resolve(300_000)).toEqual({ path: `${ORPHAN_ROOT}/lost.txt`, orphan: true });
    expect(t.resolve(300_001)).toEqual({ path: `${ORPHAN_ROOT}/old.txt`, orphan: true });
    expect(t.resolve(5)).toEqual({ path: '/', orphan: false });
  });

  test('a deleted parent one sequence ahead still holds; a loop ends as an orphan', () => {
    const t = new NameTable();
    t.set(40, { sequence: 6, inUse: false, name: 'gone', parentEntry: 5, parentSequence: 5 });
    t.set(41, { sequence: 1, inUse: false, name: 'a.zip', parentEntry: 40, parentSequence: 5 });
    expect(t.resolve(41)).toEqual({ path: '/gone/a.zip', orphan: false });
    t.set(50, { sequence: 1, inUse: true, name: 'p', parentEntry: 51, parentSequence: 1 });
    t.set(51, { sequence: 1, inUse: true, name: 'q', parentEntry: 50, parentSequence: 1 });
    expect(t.resolve(50).orphan).toBe(true);
  });
});

describe('ChildIndex', () => {
  test('groups names by parent in pass order, takes each owner record\'s sequence, kind and listed size', () => {
    const c = new ChildIndex(3000);
    c.add(2500, 'late.txt', { entry: 5, sequence: 5 }, false); // seen before its own record
    for (let e = 16; e < 2100; e++) {
      c.setRecord(e, 1, e === 16, e === 17 ? 1234 : 0);
      c.add(e, `f${e}`, { entry: e === 16 ? 5 : 16, sequence: e === 16 ? 5 : 1 }, false);
    }
    c.setRecord(2500, 4, false); // size unknown to the listing pass
    c.add(9_000_000_000, 'outside-owner', { entry: 16, sequence: 1 }, true); // owner beyond the MFT: kind from its name
    c.add(20, 'under-outside-parent', { entry: 2 ** 35, sequence: 2 }, false);
    c.finish();
    const root = c.childrenOf(5);
    expect(root.map((x) => [x.name, x.ref.entry, x.ref.sequence, x.isDirectory, x.size])).toEqual([
      ['late.txt', 2500, 4, false, Number.NaN],
      ['f16', 16, 1, true, 0],
    ]);
    const dir = c.childrenOf(16);
    expect(dir).toHaveLength(2100 - 17 + 1);
    expect(dir[0]).toEqual({ name: 'f17', ref: { entry: 17, sequence: 1 }, isDirectory: false, size: 1234, parentSequence: 1 });
    expect(dir[dir.length - 1]).toEqual({ name: 'outside-owner', ref: { entry: 9_000_000_000, sequence: 0 }, isDirectory: true, size: Number.NaN, parentSequence: 1 });
    expect(c.childrenOf(2 ** 35).map((x) => x.name)).toEqual(['under-outside-parent']);
    expect(c.childrenOf(17)).toEqual([]);
  });
});
