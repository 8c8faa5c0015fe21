/**
 * TextSet (Aho-Corasick): every text a string includes, each reported once, the same as a string
 * search per text, on generated texts with ASCII and other units (the sparse moves), overlaps,
 * texts inside texts and repeats.
 */
import { describe, expect, test } from '@jest/globals';
import { TextSet } from '../../src/util/aho-corasick.js';
import { prng } from '../helpers/random.js';

const UNITS = ['a', 'b', 'A', '\\', '.', ' ', '\u00e9', '\u017f', '\u2013', '\ud83d', '\ude00', 'ab', 'ba', '\u2013a'];

function randomText(rnd: () => number, max: number): string {
  let t = '';
  const n = 1 + Math.floor(rnd() * max);
  for (let i = 0; i < n; i++) t += UNITS[Math.floor(rnd() * UNITS.length)]!;
  return t;
}

describe('TextSet', () => {
  test('finds what a search per text finds, once each, in 1,000 generated sets', () => {
    const rnd = prng(17);
    let found = 0;
    let missed = 0;
    for (let round = 0; round < 1000; round++) {
      const texts = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => randomText(rnd, 4));
      const set = new TextSet(texts);
      for (let s = 0; s < 8; s++) {
        const subject = s === 0 ? '' : randomText(rnd, 30);
        const got: number[] = [];
        set.find(subject, got);
        // A text given twice is found under its first index.
        const want = texts.map((t, i) => (subject.includes(t) && texts.indexOf(t) === i ? i : -1)).filter((i) => i >= 0);
        expect({ texts, subject, got: [...got].sort((x, y) => x - y) }).toEqual({ texts, subject, got: want });
        found += want.length;
        missed += texts.length - want.length;
      }
    }
    expect(found).toBeGreaterThan(1000);
    expect(missed).toBeGreaterThan(1000);
  });

  test('one state per distinct prefix; calls do not share what they found', () => {
    const texts = ['\\cmd.exe', '\\cmd', 'md.e', 'exe', '\u2013enc', 'enc'];
    const set = new TextSet(texts);
    const prefixes = new Set(texts.flatMap((t) => Array.from({ length: t.length }, (_, i) => t.slice(0, i + 1))));
    expect(set.states).toBe(prefixes.size + 1);
    const find = (s: string): number[] => {
      const got: number[] = [];
      set.find(s, got);
      return got.sort((x, y) => x - y);
    };
    expect(find('c:\\windows\\cmd.exe \u2013enc')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(find('c:\\windows\\cmd.exe')).toEqual([0, 1, 2, 3]);
    expect(find('\u2013en')).toEqual([]);
    expect(find('xenc')).toEqual([5]);
    expect(() => new TextSet(['a', ''])).toThrow(/empty text/);
  });

  test('a 1 MiB subject of repeats reports each text once', () => {
    const texts = Array.from({ length: 24 }, (_, i) => 'a'.repeat(i + 1));
    const set = new TextSet(texts);
    const got: number[] = [];
    set.find('a'.repeat(1 << 20), got);
    expect(got.sort((x, y) => x - y)).toEqual(texts.map((_, i) => i));
  });
});
