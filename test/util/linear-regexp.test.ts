/**
 * Linear-time regular expressions for expressions written elsewhere (a user's Sigma `|re`): the
 * same verdicts as V8's backtracking engine, without its blow-up on hostile text; the `i` flag
 * rewritten as classes (`caseFolded`), held to V8's own `i` on generated expressions.
 */
import { describe, expect, test } from '@jest/globals';
import { caseFolded, linearRegExp } from '../../src/util/linear-regexp.js';
import { cpuClock } from '../helpers/cpu.js';
import { prng } from '../helpers/random.js';

/** Letters whose cases fold in the ways the `i` flag without `u` knows: ASCII, long s, micro sign, Greek mu, sharp s, dotted and dotless i, Kelvin sign, accented e. */
const ALPHABET = ['a', 'A', 'b', 'k', 'K', 's', 'S', '\u017f', '\u00b5', '\u03bc', '\u039c', '\u00df', '\u0130', 'i', 'I', '\u0131', '\u00e9', '\u00c9', '\u212a', 'z', 'Z', '0', '_', '-', ' ', '['];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

const escapeLiteral = (ch: string): string => (/[[\]\\^$.|?*+(){}-]/.test(ch) ? `\\${ch}` : ch);

/** A random expression the linear engine takes: literals, escapes, classes (ranges, negation), groups, alternation, quantifiers. */
const names = { next: 0 };

function generated(rnd: () => number, depth = 0): string {
  const parts: string[] = [];
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    let atom: string;
    if (r < 0.35) atom = escapeLiteral(pick(rnd, ALPHABET));
    else if (r < 0.45) atom = pick(rnd, ['\\x41', '\\x61', '\\u00e9', '\\u00c9', '\\u017f', '\\u212a', '\\d', '\\w', '\\s', '.']);
    else if (r < 0.75) {
      const members: string[] = [];
      const m = 1 + Math.floor(rnd() * 3);
      for (let j = 0; j < m; j++) {
        const kind = rnd();
        if (kind < 0.4) members.push(pick(rnd, ['a-z', 'A-Z', 'c-k', 'J-S', 'a-c', 'x-z', '0-9', 'à-ÿ', 'À-Ö', '\\x41-\\x5a', '\\d-z']));
        else if (kind < 0.5) members.push(pick(rnd, ['\\w', '\\d', '\\s', '\\u017f', '\\-']));
        else members.push(escapeLiteral(pick(rnd, ALPHABET)));
      }
      // A raw `-` first or last is a literal: the folding must not make a range of it.
      const dash = rnd();
      atom = `[${rnd() < 0.3 ? '^' : ''}${dash < 0.1 ? '-' : ''}${members.join('')}${dash > 0.9 ? '-' : ''}]`;
    } else if (depth < 2) atom = `(${rnd() < 0.4 ? '?:' : rnd() < 0.3 ? `?<g${(names.next += 1)}>` : ''}${generated(rnd, depth + 1)}${rnd() < 0.4 ? `|${generated(rnd, depth + 1)}` : ''})`;
    else atom = escapeLiteral(pick(rnd, ALPHABET));
    const q = rnd();
    // Counted repetitions of every shape, up to 40: V8's linear engine takes 16, the rest is written out.
    const count = (): string => pick(rnd, depth === 0 ? ['{2}', '{0,1}', '{1,3}', '{3,}', '{0,40}', '{17,20}', '{2,5}?', '{25}', '{1,18}'] : ['{2}', '{0,1}', '{1,3}', '{2,5}?']);
    parts.push(atom + (q < 0.12 ? '?' : q < 0.24 ? '*' : q < 0.32 ? '+' : q < 0.34 ? '*?' : q < 0.5 ? count() : ''));
  }
  return (rnd() < 0.2 ? '^' : '') + parts.join('') + (rnd() < 0.2 ? '$' : '');
}

function text(rnd: () => number): string {
  let s = '';
  const n = Math.floor(rnd() * 10);
  for (let i = 0; i < n; i++) s += pick(rnd, ALPHABET);
  return s;
}

describe('linearRegExp', () => {
  test('an expression that backtracks without bound runs in linear time: (a+)+$ over 100,000 letters', () => {
    const re = linearRegExp('(a+)+$', '');
    expect(re).toBeInstanceOf(RegExp);
    const cpu = cpuClock();
    expect((re as RegExp).test(`${'a'.repeat(100_000)}b`)).toBe(false);
    expect((re as RegExp).test(`b${'a'.repeat(100_000)}`)).toBe(true);
    // Case-insensitive too (V8's linear engine has no `i`: the expression is folded).
    const folded = linearRegExp('(a+)+$', 'i') as RegExp;
    expect(folded.test(`${'aA'.repeat(50_000)}b`)).toBe(false);
    expect(folded.test(`${'aA'.repeat(50_000)}`)).toBe(true);
    // The backtracking engine takes seconds on 26 letters; this stays far below one second of CPU for all four.
    expect(cpu()).toBeLessThan(5_000);
  });

  test('what needs backtracking is refused with the reason; what is not JavaScript throws', () => {
    for (const source of ['(a)\\1', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b', 'a{70000}', '(?:ab{1,300}){1,300}']) expect(linearRegExp(source, '')).toMatch(/needs backtracking/);
    expect(linearRegExp('\\p{L}', 'i')).toMatch(/cannot be made linear-time/);
    expect(() => linearRegExp('(', '')).toThrow(SyntaxError);
  });

  test('flags m and s keep their meaning', () => {
    expect((linearRegExp('^b$', 'm') as RegExp).test('a\nb\nc')).toBe(true);
    expect((linearRegExp('^b$', '') as RegExp).test('a\nb\nc')).toBe(false);
    expect((linearRegExp('a.c', 's') as RegExp).test('a\nc')).toBe(true);
    expect((linearRegExp('a.c', '') as RegExp).test('a\nc')).toBe(false);
  });

  test('the folded expression matches what V8 matches under `i`: 1,200 generated expressions, 40 texts each', () => {
    const rnd = prng(74001);
    let compared = 0;
    for (let round = 0; round < 1200; round++) {
      const source = generated(rnd);
      let native: RegExp;
      try {
        native = new RegExp(source, 'i');
      } catch {
        continue; // a generated range out of order
      }
      const linear = linearRegExp(source, 'i');
      if (typeof linear === 'string') throw new Error(`${source}: ${linear} (folded: ${caseFolded(source)})`);
      for (let k = 0; k < 40; k++) {
        const t = text(rnd);
        if (native.test(t) !== linear.test(t)) throw new Error(`/${source}/i on ${JSON.stringify(t)}: V8 ${native.test(t)}, folded /${linear.source}/ ${linear.test(t)}`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(40_000);
  });

  test('caseFolded leaves a named group\'s name and escapes that are not one unit as written', () => {
    expect(caseFolded('(?<Name>k)\\d\\w')).toBe('(?<Name>[\\u004b\\u006b])\\d\\w');
    expect(caseFolded('[\\d]')).toBe('[\\d]');
    expect(caseFolded('\\p{Lu}')).toBeNull();
    expect(caseFolded('[ab')).toBeNull();
  });
});
