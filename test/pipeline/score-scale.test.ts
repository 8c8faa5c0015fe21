import { describe, expect, test } from '@jest/globals';
import { findingsTimeline } from '../../src/timeline/timeline.js';
import { scoreCandidates } from '../../src/pipeline/score.js';
import type { Candidate } from '../../src/rules/types.js';

describe('scoring at evidence scale (issue 17)', () => {
  test('a candidate with 200,000 timeline events gives every row (spreading them into push overflowed the stack)', () => {
    const events = Array.from({ length: 200_000 }, (_, i) => ({ time: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(), type: 'deleted', description: `item ${i}` }));
    const c: Candidate = { kind: 'file', path: 'Windows/Temp/x.rar', hits: [{ rule: 'archive-file', message: 'rar' }], size: 1, events };
    const { findings, events: eventsOf } = scoreCandidates([c], { root: '/r', rootLabel: 'r', hotspotOf: () => null });
    expect(findings).toHaveLength(1);
    expect([...findingsTimeline(findings, eventsOf)].filter((r) => r.type === 'deleted')).toHaveLength(200_000);
  });
});
