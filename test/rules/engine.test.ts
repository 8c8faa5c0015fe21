import { describe, expect, test } from '@jest/globals';
import { levelForScore, scoreHits, findingId, MAX_MESSAGES_PER_REASON, UnknownRuleError, WEAK_ONLY_CAP } from '../../src/rules/engine.js';
import type { RuleCatalog } from '../../src/rules/catalog.js';
import type { RuleDef } from '../../src/rules/types.js';

function catalog(rules: Array<Partial<RuleDef> & { id: string; score: number; strong: boolean }>): RuleCatalog {
  return new Map(rules.map((r) => [r.id, { title: r.id, description: r.id, attack: ['T1074.001'], references: ['x'], file: 't.json', ...r }]));
}

const cat = catalog([
  { id: 'strong-a', score: 50, strong: true, attack: ['T1560.001'] },
  { id: 'weak-a', score: 30, strong: false },
  { id: 'weak-b', score: 30, strong: false, attack: ['T1036'] },
  { id: 'benign', score: -20, strong: false },
]);

describe('scoring model', () => {
  test('levels by score', () => {
    expect([0, 19, 20, 39, 40, 59, 60, 79, 80, 100].map(levelForScore)).toEqual(['info', 'info', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
  });
  test('weak reasons alone cannot reach high', () => {
    const r = scoreHits([{ rule: 'weak-a', message: 'a' }, { rule: 'weak-b', message: 'b' }, { rule: 'weak-b', message: 'c', score: 40 }], cat);
    expect(r.strong).toBe(false);
    expect(r.score).toBe(WEAK_ONLY_CAP);
    expect(r.level).toBe('medium');
  });
  test('a strong reason lets the sum through, capped at 100', () => {
    const r = scoreHits([{ rule: 'strong-a', message: 'x' }, { rule: 'weak-a', message: 'y' }, { rule: 'weak-b', message: 'z' }], cat);
    expect(r.score).toBe(100);
    expect(r.level).toBe('critical');
    expect(r.reasons.map((x) => x.rule)).toEqual(['strong-a', 'weak-a', 'weak-b']);
    expect(r.attack[0]).toBe('T1074.001');
    expect(r.attack).toEqual(expect.arrayContaining(['T1560.001', 'T1036']));
  });
  test('negative rules lower the score and never go below 0', () => {
    expect(scoreHits([{ rule: 'strong-a', message: 'x' }, { rule: 'benign', message: 'y' }], cat).score).toBe(30);
    expect(scoreHits([{ rule: 'benign', message: 'y' }], cat).score).toBe(0);
  });
  test('one rule hit thousands of times keeps its first messages and counts the rest', () => {
    // A history naming one archive in 3,000 commands: one reason of 170,000 characters before.
    const hits = Array.from({ length: 3000 }, (_, i) => ({ rule: 'weak-a', message: `written per bob's bash history at line ${i + 1} (home/bob/.bash_history)`, score: i === 2999 ? 35 : undefined }));
    const r = scoreHits(hits, cat);
    expect(r.reasons).toHaveLength(1);
    const kept = hits.slice(0, MAX_MESSAGES_PER_REASON).map((h) => h.message);
    expect(r.reasons[0]).toEqual({ rule: 'weak-a', score: 35, message: `${kept.join('; ')}; and ${3000 - MAX_MESSAGES_PER_REASON} more` });
  });
  test('the same rule twice counts once with both messages', () => {
    const r = scoreHits([{ rule: 'weak-a', message: 'one' }, { rule: 'weak-a', message: 'two' }], cat);
    expect(r.score).toBe(30);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]!.message).toBe('one; two');
  });
  test('a hit naming an unknown rule is a bug, not silence', () => {
    expect(() => scoreHits([{ rule: 'nope', message: '' }], cat)).toThrow(UnknownRuleError);
  });
  test('finding ids are stable and depend on the locators', () => {
    const a = findingId('img', { kind: 'file', path: 'a/b' });
    expect(findingId('img', { kind: 'file', path: 'a/b' })).toBe(a);
    expect(findingId('img', { kind: 'file', path: 'a/c' })).not.toBe(a);
    expect(findingId('img', { kind: 'registry', path: 'a/b', key: 'k', value: 'v' })).not.toBe(findingId('img', { kind: 'registry', path: 'a/b', key: 'k', value: 'w' }));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });
});
