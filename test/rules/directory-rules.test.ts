import { describe, expect, test } from '@jest/globals';
import { burstHits, findBurst, hiddenDirHits, type DirFileFact } from '../../src/rules/directory-rules.js';
import type { Hotspot } from '../../src/hotspots/catalog.js';
import { cpuClock } from '../helpers/cpu.js';

const T0 = Date.parse('2025-03-15T04:00:00Z');
const doc = (name: string, minutes: number, classification = 'document'): DirFileFact => ({ name, mtimeMs: T0 + minutes * 60_000, birthMs: null, classification });

describe('staging burst', () => {
  test('25 documents copied over 21 minutes are one burst', () => {
    const files = Array.from({ length: 25 }, (_, i) => doc(`f${i}.${['docx', 'xlsx', 'pdf', 'txt', 'jpg'][i % 5]}`, (i * 21) / 24));
    const w = findBurst(files, 'modified');
    expect(w).not.toBeNull();
    expect(w!.count).toBe(25);
    expect(w!.end - w!.start).toBe(21 * 60_000);
    expect(burstHits(files).hits[0]!.rule).toBe('staging-burst');
  });
  test('spread over days, or one type only, or executables is not a burst', () => {
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.docx`, i * 60 * 24)), 'modified')).toBeNull();
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.log`, i / 10, 'text')), 'modified')).toBeNull();
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.${['dll', 'exe', 'sys'][i % 3]}`, i / 10, 'executable')), 'modified')).toBeNull();
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.${['json', 'xml', 'ini'][i % 3]}`, i / 10, 'text')), 'modified')).toBeNull();
  });
  test('too few files is not a burst', () => {
    expect(findBurst(Array.from({ length: 7 }, (_, i) => doc(`f${i}.${['docx', 'pdf', 'txt'][i % 3]}`, i)), 'modified')).toBeNull();
  });
});

describe('hidden directories in temp locations', () => {
  const tmp = { id: 'lin-tmp' } as Hotspot;
  test('a dot-directory in /tmp is flagged; the X11 sockets dir and other hotspots are not', () => {
    expect(hiddenDirHits('tmp/.cache-x', '.cache-x', tmp)[0]!.rule).toBe('hidden-dir-in-temp');
    expect(hiddenDirHits('tmp/.X11-unix', '.X11-unix', tmp)).toEqual([]);
    expect(hiddenDirHits('var/log/.x', '.x', { id: 'lin-var-log-archives' } as Hotspot)).toEqual([]);
    expect(hiddenDirHits('tmp/visible', 'visible', tmp)).toEqual([]);
  });
});

/** The former rule, re-counting every window (quadratic): the oracle the linear one must match. */
function referenceBurst(files: DirFileFact[], basis: 'modified' | 'born') {
  const COLLECTABLE = new Set(['docx', 'pdf', 'txt', 'jpg', 'xlsx', 'zip']);
  const ext = (n: string): string => (n.lastIndexOf('.') > 0 ? n.slice(n.lastIndexOf('.') + 1).toLowerCase() : '');
  const items = files
    .map((f) => ({ t: basis === 'modified' ? f.mtimeMs : f.birthMs, ext: ext(f.name), cls: f.classification }))
    .filter((x): x is { t: number; ext: string; cls: string } => x.t !== null && x.t > 0 && x.cls !== 'executable')
    .sort((a, b) => a.t - b.t);
  if (items.length < 8) return null;
  const qualifies = (w: typeof items): { types: string[] } | null => {
    const types = [...new Set(w.map((x) => x.ext || x.cls))].sort();
    const share = w.filter((x) => COLLECTABLE.has(x.ext)).length / w.length;
    return w.length >= 8 && types.length >= 3 && share >= 0.5 ? { types } : null;
  };
  let seed: { lo: number; hi: number } | null = null;
  let lo = 0;
  for (let hi = 0; hi < items.length; hi++) {
    while (items[hi]!.t - items[lo]!.t > 600_000) lo++;
    if (hi - lo + 1 >= 8 && (!seed || hi - lo > seed.hi - seed.lo) && qualifies(items.slice(lo, hi + 1))) seed = { lo, hi };
  }
  if (!seed) return null;
  let { lo: start, hi: end } = seed;
  while (start > 0 && items[start]!.t - items[start - 1]!.t <= 600_000 && items[end]!.t - items[start - 1]!.t <= 6 * 3600_000) start--;
  while (end < items.length - 1 && items[end + 1]!.t - items[end]!.t <= 600_000 && items[end + 1]!.t - items[start]!.t <= 6 * 3600_000) end++;
  const cluster = items.slice(start, end + 1);
  return { count: cluster.length, start: cluster[0]!.t, end: cluster[cluster.length - 1]!.t, basis, types: qualifies(cluster)?.types ?? qualifies(items.slice(seed.lo, seed.hi + 1))!.types };
}

describe('staging burst at scale (issue 18 item 9)', () => {
  test('the sliding window gives the same burst as re-counting every window, on 400 generated directories', () => {
    let seed = 1234567;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const exts = ['docx', 'pdf', 'txt', 'jpg', 'xlsx', 'zip', 'log', 'ini', 'dll', ''];
    let bursts = 0;
    for (let dir = 0; dir < 400; dir++) {
      const n = Math.floor(rand() * 60);
      const spreadMin = [5, 30, 120, 2000][dir % 4]!;
      const files = Array.from({ length: n }, (_, i): DirFileFact => {
        const e = exts[Math.floor(rand() * exts.length)]!;
        return {
          name: e ? `f${i}.${e}` : `f${i}`,
          mtimeMs: rand() < 0.03 ? 0 : T0 + Math.floor(rand() * spreadMin * 60_000),
          birthMs: rand() < 0.5 ? null : T0 + Math.floor(rand() * spreadMin * 60_000),
          classification: e === 'dll' ? 'executable' : e === '' ? ['text', 'binary', 'unknown'][i % 3]! : 'document',
        };
      });
      for (const basis of ['modified', 'born'] as const) {
        const expected = referenceBurst(files, basis);
        expect(findBurst(files, basis)).toEqual(expected);
        if (expected) bursts++;
      }
    }
    expect(bursts).toBeGreaterThan(50); // the comparison covered real bursts, not only nulls
  });

  // A linearity guard, not a speed test: quadratic work on 100,000 files takes minutes. The bound leaves room
  // for a second Jest worker on the same two cores (its process CPU time was 1.1 s there; under 1 s alone).
  test('100,000 files with one mtime in one directory take seconds, not minutes', () => {
    const files = Array.from({ length: 100_000 }, (_, i) => doc(`f${i}.${['docx', 'pdf', 'txt', 'jpg'][i % 4]}`, 0));
    const started = cpuClock();
    const w = findBurst(files, 'modified');
    expect(started()).toBeLessThan(3000);
    expect(w).toMatchObject({ count: 100_000, types: ['docx', 'jpg', 'pdf', 'txt'] });
  });
});
