/** DirFacts: one directory's file facts in typed arrays, read back exactly, and the burst rules read them as they read an array of facts. */
import { describe, expect, test } from '@jest/globals';
import { burstHits, DirFacts, findBurst, findMediaBurst, type DirFileFact } from '../../src/rules/directory-rules.js';

function facts(n: number): DirFileFact[] {
  const out: DirFileFact[] = [];
  let x = 0x2468ace;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  const base = Date.UTC(2025, 2, 14, 9);
  const kinds = ['document', 'archive', 'executable', 'image', 'text'];
  const exts = ['docx', 'pdf', 'xlsx', 'zip', 'png', 'exe', 'txt', ''];
  for (let i = 0; i < n; i++) {
    const mtimeMs = base + Math.floor(next() * 3_600_000) + (i % 7 === 0 ? 0.5 : 0);
    const r = next();
    const birthMs = r < 0.3 ? null : r < 0.6 ? mtimeMs + 60_000 : mtimeMs - 1000;
    out.push({ name: `f${i}.${exts[i % exts.length]}`, mtimeMs, birthMs, classification: kinds[i % kinds.length]! });
  }
  return out;
}

describe('DirFacts', () => {
  test('keeps every fact exactly, in the order added, past its first growth', () => {
    const list = facts(1000);
    const held = new DirFacts();
    for (const f of list) held.add(f);
    expect(held.length).toBe(1000);
    for (let i = 0; i < list.length; i++) {
      expect({ name: held.name(i), mtimeMs: held.mtimeMs(i), birthMs: held.birthMs(i), classification: held.classification(i) }).toEqual(list[i]);
    }
  });

  test('the burst rules give the same answer for the facts held and for the array', () => {
    for (const n of [0, 7, 40, 300, 3000]) {
      const list = facts(n);
      const held = DirFacts.of(list);
      expect(findBurst(held, 'modified')).toEqual(findBurst(list, 'modified'));
      expect(findBurst(held, 'born')).toEqual(findBurst(list, 'born'));
      expect(findMediaBurst(held)).toEqual(findMediaBurst(list));
      expect(burstHits(held)).toEqual(burstHits(list));
    }
    // Not vacuous: 3000 files over an hour hold a burst.
    expect(burstHits(DirFacts.of(facts(3000))).hits.map((h) => h.rule)).toEqual(['staging-burst']);
  });

  test('an implausible birth (after the modification) is not a born burst', () => {
    const t = Date.UTC(2025, 0, 1);
    // Every birth one hour after its modification (a copy): no born burst, and the modified times are spread over days.
    const list: DirFileFact[] = Array.from({ length: 20 }, (_, i) => ({ name: `d${i}.${['docx', 'pdf', 'xlsx', 'pptx', 'csv'][i % 5]}`, mtimeMs: t + i * 86_400_000, birthMs: t + 30 * 86_400_000 + i, classification: 'document' }));
    expect(findBurst(list, 'born')).not.toBeNull();
    expect(burstHits(DirFacts.of(list)).window).toBeNull();
  });
});
