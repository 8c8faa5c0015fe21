import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { maxOf, minOf, pushAll } from '../../src/util/arrays.js';
import { scoreCandidates } from '../../src/pipeline/score.js';
import type { Candidate } from '../../src/rules/types.js';

/** More elements than V8 accepts as call arguments (it dies at about 120,000). */
const HUGE = 300_000;

describe('array helpers for evidence-sized lists (issue 17)', () => {
  test('pushAll appends 300,000 items in order where push(...items) overflows the stack', () => {
    const items = Array.from({ length: HUGE }, (_, i) => i);
    expect(() => [0].push(...items)).toThrow(RangeError);
    const into = [-1];
    expect(pushAll(into, items)).toBe(into);
    expect(into.length).toBe(HUGE + 1);
    expect(into[HUGE]).toBe(HUGE - 1);
  });
  test('maxOf and minOf agree with Math.max/min, including empty lists and NaN, and take 300,000 values', () => {
    for (const list of [[], [3], [1, 5, -2], [1, NaN, 2], [Infinity, -Infinity]]) {
      expect(maxOf(list)).toBe(Math.max(...list));
      expect(minOf(list)).toBe(Math.min(...list));
    }
    const values = Array.from({ length: HUGE }, (_, i) => (i * 7919) % HUGE);
    expect(maxOf(values)).toBe(HUGE - 1);
    expect(minOf(values)).toBe(0);
  });
  test('scoring a candidate with 200,000 timeline events gives every row', () => {
    const events = Array.from({ length: 200_000 }, (_, i) => ({ time: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(), type: 'deleted', description: `item ${i}` }));
    const c: Candidate = { kind: 'file', path: 'Windows/Temp/x.rar', hits: [{ rule: 'archive-file', message: 'rar' }], size: 1, events };
    const { findings, timeline } = scoreCandidates([c], { root: '/r', rootLabel: 'r', hotspotOf: () => null });
    expect(findings).toHaveLength(1);
    expect(timeline.filter((r) => r.type === 'deleted')).toHaveLength(200_000);
  });
});

/** Spreads into call arguments allowed because their length is a small constant, by callee. */
const BOUNDED_CALLEES = new Set([
  'path.join', // path segments: bounded by PATH_MAX
  'histogramOf', // at most three entropy samples
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

describe('no spread or apply of unbounded arrays into calls in src/ (issue 17)', () => {
  test('every call-argument spread and .apply in src/ is on the bounded list', () => {
    const offending: string[] = [];
    const root = path.resolve('src');
    for (const file of sourceFiles(root)) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): void => {
        const where = (): string => `${path.relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
        if (ts.isSpreadElement(n) && (ts.isCallExpression(n.parent) || ts.isNewExpression(n.parent)) && !BOUNDED_CALLEES.has(n.parent.expression.getText())) offending.push(`${where()} ${n.parent.getText().slice(0, 80)}`);
        if (ts.isPropertyAccessExpression(n) && n.name.text === 'apply' && ts.isCallExpression(n.parent)) offending.push(`${where()} ${n.parent.getText().slice(0, 80)}`);
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(offending).toEqual([]);
  });
});
