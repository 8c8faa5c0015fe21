import { describe, expect, test } from '@jest/globals';
import { jsonChunks, jsonlChunks } from '../../src/report/json.js';
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

  test('is byte for byte JSON.stringify(report, null, 2), written one element at a time', () => {
    const chunks = [...jsonChunks(report)];
    expect(chunks.join('')).toBe(`${JSON.stringify(report, null, 2)}\n`);
    // One chunk per finding: nothing builds the whole findings array as one string.
    expect(chunks.filter((c) => c.includes('"id"')).length).toBe(2);
  });

  test('jsonl is one finding per chunk and line', () => {
    const lines = [...jsonlChunks(report)];
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['a', 'b']);
  });
});
