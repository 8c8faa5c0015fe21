import { describe, expect, test } from '@jest/globals';
import { CHUNK_CHARS, coalesceChunks, ELEMENTS_PER_BATCH, jsonChunks, jsonlChunks } from '../../src/report/json.js';
import type { ScanReport } from '../../src/model/report.js';

describe('streamed JSON', () => {
  const report = {
    meta: { tool: 'stagehunt', roots: [{ path: '/x', os: 'windows' }], options: { hotspots: [] } },
    summary: { findings: 2, byLevel: { info: 0 } },
    findings: [
      { id: 'a', reasons: [{ rule: 'r', score: 1, message: 'line\nbreak "quoted" \u001b[31m' }], times: { modified: null }, details: { nested: { deep: [1, [2, 3]] } } },
      { id: 'b', reasons: [], times: {} },
    ],
    timeline: [],
    errors: [{ path: 'p', op: 'skip' }],
    episodes: undefined,
  } as unknown as ScanReport;

  test('is byte for byte JSON.stringify(report, null, 2)', () => {
    const chunks = [...jsonChunks(report)];
    expect(chunks.join('')).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });

  test('jsonl is one finding per line', () => {
    const lines = [...jsonlChunks(report)].join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['a', 'b']);
  });

  /** A report whose arrays hold `n` elements with text that JSON escapes and nests. */
  function reportOf(n: number): ScanReport {
    const findings = Array.from({ length: n }, (_, i) => ({
      id: `f${i}`,
      reasons: [{ rule: 'r', score: i, message: `line\nbreak "q" \u001b[31m ${'x'.repeat(i % 7)} \ud83d\ude00` }],
      times: { modified: i % 2 ? null : '2025-01-01T00:00:00Z' },
      details: i % 3 ? { nested: { deep: [i, [i + 1, { k: [] }]], empty: {} } } : {},
    }));
    return { meta: { tool: 'stagehunt', hashes: findings.map((f) => ({ path: f.id })) }, summary: { findings: n }, findings, timeline: findings.map((f) => ({ findingId: f.id })), errors: [] } as unknown as ScanReport;
  }

  test.each([1, ELEMENTS_PER_BATCH - 1, ELEMENTS_PER_BATCH, ELEMENTS_PER_BATCH + 1, 3 * ELEMENTS_PER_BATCH + 5, 2000])('%i elements: the same bytes as JSON.stringify, in bounded chunks', (n) => {
    const r = reportOf(n);
    const chunks = [...jsonChunks(r)];
    expect(chunks.join('')).toBe(`${JSON.stringify(r, null, 2)}\n`);
    // Every chunk but the last is at least CHUNK_CHARS long; a large report is not one string.
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(CHUNK_CHARS);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
    if (n === 2000) expect(chunks.length).toBeGreaterThan(2);
    const lines = [...jsonlChunks(r)];
    expect(lines.join('')).toBe(r.findings.map((f) => `${JSON.stringify(f)}\n`).join(''));
    for (const c of lines.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(CHUNK_CHARS);
  });

  test('meta is written key by key: what JSON.stringify leaves out or writes specially stays so', () => {
    const r = reportOf(3 * ELEMENTS_PER_BATCH);
    const meta = { ...(r.meta as unknown as Record<string, unknown>), gone: undefined, fn: () => 1, empty: {}, none: [], when: new Date(0), nested: { list: [1, { a: [2] }] }, small: [{ x: 1 }] };
    const odd = { ...r, meta, summary: {} } as unknown as ScanReport;
    expect([...jsonChunks(odd)].join('')).toBe(`${JSON.stringify(odd, null, 2)}\n`);
  });

  test('a list that is iterated (not an array) is written as the array of its items', () => {
    const r = reportOf(2 * ELEMENTS_PER_BATCH + 3);
    const rows = r.timeline as unknown as unknown[];
    const lazy = { length: rows.length, *[Symbol.iterator]() { yield* rows; } };
    const asList = { ...r, timeline: lazy } as unknown as ScanReport;
    expect([...jsonChunks(asList)].join('')).toBe(`${JSON.stringify(r, null, 2)}\n`);
  });

  test('coalesceChunks joins small chunks, keeps order, yields no empty chunk', () => {
    expect([...coalesceChunks(['ab', '', 'cd', 'e'], 3)]).toEqual(['abcd', 'e']);
    expect([...coalesceChunks(['abcdef', 'g'], 3)]).toEqual(['abcdef', 'g']);
    expect([...coalesceChunks([], 3)]).toEqual([]);
    expect([...coalesceChunks(['', ''], 3)]).toEqual([]);
  });
});
