/**
 * Sigma wildcard values are matched piece by piece (`wildcardTest`): the same answers as the one
 * regular expression they were (`^A.*B$`, anchored as the modifier says), without its retries of
 * every star from every start (cubic in the field: a 16 KiB command line took 100 s).
 */
import { describe, expect, test } from '@jest/globals';
import { compileRule, foldedTest, wildcardTest, type Anchoring } from '../../../src/artifacts/evtx/sigma.js';
import { foldCase } from '../../../src/util/case-fold.js';
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

  test('case-insensitive values on folded fields (plain string search where there is no wildcard): the answers of the `i` expression', () => {
    let seed = 11;
    const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
    // Letters that fold in every way the `i` flag knows (long s, Kelvin sign, micro sign, Greek mu, sharp s, dotted and dotless i), Windows path pieces, escapes.
    const letters = ['a', 'A', 's', 'S', '\u017f', 'k', 'K', '\u212a', '\u00b5', '\u03bc', '\u039c', '\u00df', '\u0130', 'i', 'I', '\u0131', '\u00e9', '\u00c9', '\ud83d', 'exe', 'EXE', '.', ' '];
    const valuePieces = [...letters, '\\', '\\cmd.', '*', '?', '\\*', '\\?', '\\\\'];
    const fieldPieces = [...letters, '\\', '\\CMD.', '*', '?'];
    const anchorings: Anchoring[] = ['contains', 'startswith', 'endswith', 'exact'];
    let matched = 0;
    let tried = 0;
    for (let t = 0; t < 2500; t++) {
      const value = Array.from({ length: 1 + rand(5) }, () => valuePieces[rand(valuePieces.length)]!).join('');
      for (const anchoring of anchorings) {
        const test = foldedTest(foldCase(value), anchoring);
        const reference = byRegex(value, anchoring, 'is');
        for (let f = 0; f < 6; f++) {
          const field = Array.from({ length: rand(8) }, () => fieldPieces[rand(fieldPieces.length)]!).join('');
          const want = reference(field);
          expect({ value, anchoring, field, got: test(foldCase(field)) }).toEqual({ value, anchoring, field, got: want });
          if (want) matched++;
          tried++;
        }
      }
    }
    // Both answers occur (about 2 % match: the pieces are many).
    expect(matched).toBeGreaterThan(tried / 100);
    expect(foldCase('C:\\Windows\\ſystem32')).toBe('C:\\WINDOWS\\ſYSTEM32');
  });

  test('a rule\'s list of values (any of them, or |all): the answers of one `i` expression per value', () => {
    let seed = 29;
    const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
    const pieces = ['a', 'A', 'b', '\u017f', 'S', '\\', 'exe', '.', '*', '?', '\\*'];
    const modifiers: Array<[string, Anchoring]> = [['contains', 'contains'], ['startswith', 'startswith'], ['endswith', 'endswith'], ['', 'exact']];
    let matched = 0;
    let tried = 0;
    for (let t = 0; t < 600; t++) {
      const values = Array.from({ length: 1 + rand(4) }, () => Array.from({ length: 1 + rand(3) }, () => pieces[rand(pieces.length)]!).join(''));
      for (const [modifier, anchoring] of modifiers) {
        for (const all of [false, true]) {
          const key = ['CommandLine', modifier, all ? 'all' : ''].filter((m) => m !== '').join('|');
          const rule = compileRule({ title: 't', logsource: { category: 'process_creation', product: 'windows' }, detection: { s: { [key]: values }, condition: 's' } }, 'x.yml');
          const references = values.map((v) => byRegex(v, anchoring, 'is'));
          for (let f = 0; f < 5; f++) {
            const field = Array.from({ length: rand(7) }, () => pieces[rand(pieces.length)]!).join('');
            const want = all ? references.every((r) => r(field)) : references.some((r) => r(field));
            expect({ values, key, field, got: rule.matches((name) => (name === 'CommandLine' ? field : undefined)) }).toEqual({ values, key, field, got: want });
            if (want) matched++;
            tried++;
          }
        }
      }
    }
    expect(matched).toBeGreaterThan(tried / 100);
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
