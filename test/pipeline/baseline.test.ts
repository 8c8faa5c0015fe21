import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../../src/model/finding.js';
import { applyBaseline, BaselineError, parseBaseline } from '../../src/pipeline/baseline.js';

const f = (id: string): Finding => ({ id, root: 'r', path: id, kind: 'file', level: 'high', score: 60, reasons: [], hotspot: null, size: null, format: null, entropy: null, times: { modified: null, accessed: null, changed: null, born: null }, attack: [] });

describe('baseline', () => {
  it('reads a saved JSON report, JSONL, or a list of ids', () => {
    expect([...parseBaseline(JSON.stringify({ meta: {}, findings: [{ id: 'a' }, { id: 'b' }] }))]).toEqual(['a', 'b']);
    expect([...parseBaseline('{"id":"a"}\n{"id":"c"}\n')]).toEqual(['a', 'c']);
    expect([...parseBaseline('["x","y"]')]).toEqual(['x', 'y']);
    expect(parseBaseline('').size).toBe(0);
  });

  it('rejects anything else with a one-line reason', () => {
    expect(() => parseBaseline('not json at all')).toThrow(BaselineError);
    expect(() => parseBaseline('{"findings":[{"noid":1}]}')).toThrow(/finding id/);
    expect(() => parseBaseline('{"summary":{}}')).toThrow(/no "findings"/);
  });

  it('marks known findings and lists new and resolved ones', () => {
    const list = [f('a'), f('b'), f('n')];
    const s = applyBaseline(list, new Set(['a', 'b', 'gone2', 'gone1']), 'prev.json');
    expect(list.map((x) => x.known)).toEqual([true, true, false]);
    expect(s).toEqual({ file: 'prev.json', new: 1, newByLevel: { info: 0, low: 0, medium: 0, high: 1, critical: 0 }, known: 2, resolved: ['gone1', 'gone2'] });
  });
});

describe('a baseline saved with a --min-level', () => {
  it('a finding below the level shown is neither new nor resolved', () => {
    const s = applyBaseline([f('a')], new Set(['a', 'hidden']), 'prev.json', new Set(['a', 'hidden', 'below']));
    expect(s).toMatchObject({ new: 0, known: 1, resolved: [] });
  });
});
