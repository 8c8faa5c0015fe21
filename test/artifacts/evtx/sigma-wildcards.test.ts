/**
 * Sigma wildcard values are matched piece by piece (`wildcardTest`): the same answers as the one
 * regular expression they were (`^A.*B$`, anchored as the modifier says), without its retries of
 * every star from every start (cubic in the field: a 16 KiB command line took 100 s).
 */
import { describe, expect, test } from '@jest/globals';
import { wildcardTest, type Anchoring } from '../../../src/artifacts/evtx/sigma.js';
import { cpuClock } from '../../helpers/cpu.js';

/** The expression a value was compiled to before (the reference). */
function byRegex(value: string, anchoring: Anchoring, flags: string): (x: string) => boolean {
  let body = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && (value[i + 1] === '*' || value[i + 1] === '?' || value[i + 1] === '\\')) body += `\\${value[++i]}`;
    else if (c === '*') body += '.*';
    else if (c === '?') body += '.';
    else body += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const source = anchoring === 'contains' ? body : anchoring === 'startswith' ? `^${body}` : anchoring === 'endswith' ? `${body}$` : `^${body}$`;
  const re = new RegExp(source, flags);
  return (x) => re.test(x);
}

describe('Sigma wildcard values', () => {
  test('the same answers as the regular expression, on generated values and fields', () => {
    let seed = 3;
    const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
    const valuePieces = ['a', 'B', 'ab', '*', '*', '?', '\\', '\\*', '\\?', '\\\\', '.', '(', 'é', 'É', '\n', '7z', '\ud83d\ude00'];
    const fieldPieces = ['a', 'A', 'b', 'B', 'ab', '\\', '*', '?', '.', '(', 'é', 'É', '\n', '7z', '7Z', 'x', '\ud83d\ude00', '\ud83d'];
    const anchorings: Anchoring[] = ['contains', 'startswith', 'endswith', 'exact'];
    let matched = 0;
    let tried = 0;
    for (let t = 0; t < 1500; t++) {
      const value = Array.from({ length: 1 + rand(6) }, () => valuePieces[rand(valuePieces.length)]!).join('');
      for (const anchoring of anchorings) {
        for (const flags of ['is', 's']) {
          const test = wildcardTest(value, anchoring, flags);
          const reference = byRegex(value, anchoring, flags);
          for (let f = 0; f < 6; f++) {
            const field = Array.from({ length: rand(9) }, () => fieldPieces[rand(fieldPieces.length)]!).join('');
            const want = reference(field);
            expect({ value, anchoring, flags, field, got: test(field) }).toEqual({ value, anchoring, flags, field, got: want });
            if (want) matched++;
            tried++;
          }
        }
      }
    }
    // Both answers were common.
    expect(matched).toBeGreaterThan(tried / 20);
    expect(matched).toBeLessThan(tried - tried / 20);
    expect(wildcardTest('x', 'exact', 'is')(undefined)).toBe(false);
  });

  test('a 1 MiB field against values with stars in every place: linear (16 KiB took the expression 100 s)', () => {
    // Forward slashes: in a Sigma value a backslash before '*' escapes it.
    const field = '/AppData/x'.repeat(100_000);
    const clock = cpuClock();
    for (const anchoring of ['contains', 'startswith', 'endswith', 'exact'] as const) {
      expect(wildcardTest('*/AppData/*.zip', anchoring, 'is')(field)).toBe(false);
      expect(wildcardTest('/appdata/*/AppData/*X', anchoring, 'is')(field)).toBe(true);
      expect(wildcardTest('*a?p*d*t*a*/*z', anchoring, 'is')(field)).toBe(false);
    }
    expect(clock()).toBeLessThan(3000);
  });
});
