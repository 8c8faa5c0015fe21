import { describe, expect, test } from '@jest/globals';
import { sortFindings } from '../../src/pipeline/score.js';
import { levelRank, LEVELS, NO_TIMES, type Finding } from '../../src/model/finding.js';
import { compareCodeUnits, compareText, sortByKey, sortExactly } from '../../src/util/compare.js';

/** The comparator sortFindings had before its keys were computed once per finding. */
function earliestOld(f: Finding): string {
  return [f.times.born, f.times.modified, f.deletedAt ?? null].filter((t): t is string => !!t).sort()[0] ?? '';
}
function sortOld(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => levelRank(b.level) - levelRank(a.level) || b.score - a.score || earliestOld(a).localeCompare(earliestOld(b)) || a.path.localeCompare(b.path) || a.id.localeCompare(b.id),
  );
}

/** A small deterministic generator (so a failure can be reproduced). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function findingsOf(n: number, seed: number): Finding[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const times = [null, '', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00.5Z', '2024-12-31T23:59:59Z', '2025-03-14T10:00:00Z'];
  const paths = ['Users/a/x.zip', 'Users/A/x.zip', 'users/b/Y.rar', 'Users/a/x.ZIP', 'Temp/é.7z', 'Temp/e.7z', 'Temp/f.7z', ''];
  return Array.from({ length: n }, (_, i) => ({
    id: pick(['f-1', 'f-01', 'F-1', `f-${i}`, `g-${i % 5}`]),
    root: '/r',
    path: pick(paths),
    kind: 'file',
    level: pick(LEVELS),
    score: pick([0, 5, 40, 40, 90]),
    reasons: [],
    hotspot: null,
    size: null,
    format: null,
    entropy: null,
    times: { ...NO_TIMES, born: pick(times), modified: pick(times) },
    ...(r() < 0.3 ? { deletedAt: pick(times) ?? undefined } : {}),
    attack: [],
  }) as Finding);
}

describe('sortFindings', () => {
  test.each([1, 2, 3, 4, 5])('orders findings exactly as the per-comparison comparator did (seed %i)', (seed) => {
    const findings = findingsOf(3000, seed);
    const expected = sortOld([...findings]);
    const got = sortFindings([...findings]);
    // The same objects in the same order (ties keep their input order: both sorts are stable).
    expect(got.every((f, i) => f === expected[i])).toBe(true);
  });

  test('lower-case paths and hex ids (code units agree with the collation): the same order', () => {
    const findings = findingsOf(3000, 11).map((f, i) => ({ ...f, path: f.path.toLowerCase().replace('é', 'e'), id: ((i * 2654435761) >>> 0).toString(16).padStart(16, '0') }));
    const expected = sortOld([...findings]);
    const got = sortFindings([...findings]);
    expect(got.every((f, i) => f === expected[i])).toBe(true);
  });

  test('sorts in place and returns the array', () => {
    const findings = findingsOf(10, 9);
    expect(sortFindings(findings)).toBe(findings);
  });
});

describe('compareText', () => {
  test('is localeCompare, with 0 for the same string', () => {
    const words = ['a', 'A', 'b', 'B', 'é', 'e', 'f', '', 'a-b', 'ab', 'a_b', 'a b', '10', '9', 'Z'];
    for (const a of words) for (const b of words) expect(Math.sign(compareText(a, b))).toBe(Math.sign(a.localeCompare(b)));
  });

  test('sortByKey computes each key once and keeps ties in input order', () => {
    const items = ['b1', 'a1', 'b2', 'a2', 'c1'];
    let calls = 0;
    const sorted = sortByKey(items, (s) => (calls++, s[0]!), compareText);
    expect(sorted).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    expect(calls).toBe(items.length);
  });
});

describe('sortExactly', () => {
  const byText = (a: { t: string }, b: { t: string }): number => a.t.localeCompare(b.t);
  const byUnits = (a: { t: string }, b: { t: string }): number => compareCodeUnits(a.t, b.t);
  const items = (words: string[]): Array<{ t: string; i: number }> => words.map((t, i) => ({ t, i }));

  test('hex ids: the collation order, with one collation comparison per adjacent pair', () => {
    const r = rng(7);
    const ids = Array.from({ length: 2000 }, () => Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0') + (r() < 0.1 ? '' : 'ab'));
    ids.push(ids[3]!, ids[10]!); // duplicates keep input order
    const list = items(ids);
    let calls = 0;
    const got = sortExactly(list.slice(), byUnits, (a, b) => (calls++, byText(a, b)));
    expect(got).toEqual(list.slice().sort(byText));
    expect(calls).toBe(list.length - 1);
  });

  test('text where code units and the collation disagree: sorted again by the collation', () => {
    const words = ['b', 'B', 'a', 'A', 'é', 'e', 'f', 'a', 'Z', '_x', '-x', 'x'];
    for (let n = 0; n < 50; n++) {
      const r = rng(n);
      const list = items(Array.from({ length: 30 }, () => words[Math.floor(r() * words.length)]!));
      expect(sortExactly(list.slice(), byUnits, byText)).toEqual(list.slice().sort(byText));
    }
  });

  test('strings the collation calls equal but code units do not: input order kept, as the collation sort keeps it', () => {
    // U+00E9 and e + U+0301 are canonically equivalent: localeCompare says 0.
    const list = items(['\u00e9', 'e\u0301', 'a', '\u00e9', 'e\u0301']);
    expect('\u00e9'.localeCompare('e\u0301')).toBe(0);
    expect(sortExactly(list.slice(), byUnits, byText)).toEqual(list.slice().sort(byText));
  });
});
