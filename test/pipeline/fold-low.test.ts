/**
 * Folding low findings (issue 17): beyond the cap, low/info findings whose top reason is the same
 * rule in the same directory become one `summary` finding; medium and above, other rules and other
 * directories are never folded; the first ones kept are the first in report order.
 */
import { findingsTimeline } from '../../src/timeline/timeline.js';
import { describe, expect, test } from '@jest/globals';
import { foldLowFindings, scoreCandidates } from '../../src/pipeline/score.js';
import type { Finding, Level } from '../../src/model/finding.js';
import { NO_TIMES } from '../../src/model/finding.js';
import type { Candidate } from '../../src/rules/types.js';

let n = 0;
function finding(path: string, rule: string, level: Level, score: number, modified: string | null = null): Finding {
  n++;
  return { id: `id${String(n).padStart(5, '0')}`, root: '/r', path, kind: 'file', level, score, reasons: [{ rule, score, message: 'm' }], hotspot: null, size: 1, format: null, entropy: null, times: { ...NO_TIMES, modified }, attack: ['T1074.001'] };
}

describe('foldLowFindings', () => {
  test('keeps the first N per rule and directory, folds the rest into one summary', () => {
    const many = Array.from({ length: 8 }, (_, i) => finding(`a/b/f${i}.bin`, 'fingerprint-high-entropy-unknown', 'low', 25, `2024-01-0${i + 1}T00:00:00.0000000Z`));
    const otherRule = Array.from({ length: 8 }, (_, i) => finding(`a/b/g${i}.bin`, 'archive-file', 'info', 5));
    const otherDir = Array.from({ length: 3 }, (_, i) => finding(`a/c/f${i}.bin`, 'fingerprint-high-entropy-unknown', 'low', 25));
    const medium = Array.from({ length: 8 }, (_, i) => finding(`a/b/m${i}.bin`, 'fingerprint-high-entropy-unknown', 'medium', 45));
    // Report order inside a group: score first, then the earliest time.
    many[7]!.score = 30;
    const all = [...many, ...otherRule, ...otherDir, ...medium];
    const out = foldLowFindings(all, 3, 'r');
    const summaries = out.filter((f) => f.kind === 'summary');
    expect(summaries.map((s) => [s.path, s.reasons[0]!.rule, s.level, s.score, (s.details!.summarised as { folded: number }).folded])).toEqual([
      ['a/b', 'fingerprint-high-entropy-unknown', 'low', 25, 5],
      ['a/b', 'archive-file', 'info', 5, 5],
    ]);
    const kept = out.filter((f) => f.kind !== 'summary' && f.reasons[0]!.rule === 'fingerprint-high-entropy-unknown' && f.level === 'low' && f.path.startsWith('a/b/'));
    expect(kept.map((f) => f.path)).toEqual(['a/b/f0.bin', 'a/b/f1.bin', 'a/b/f7.bin']);
    expect(out.filter((f) => f.level === 'medium')).toHaveLength(8);
    expect(out.filter((f) => f.path.startsWith('a/c/'))).toHaveLength(3);
    expect(out).toHaveLength(all.length - 10 + 2);
    expect(summaries[0]!.details!.summarised).toEqual({ rule: 'fingerprint-high-entropy-unknown', folded: 5, kept: 3, byLevel: { low: 5 }, kinds: { file: 5 } });
    expect(summaries[0]!.id).not.toBe(summaries[1]!.id);
    expect(summaries[0]!.id).toBe(foldLowFindings([...many], 3, 'r').find((f) => f.kind === 'summary')!.id);
  });

  test('at or below the cap nothing changes', () => {
    const few = Array.from({ length: 3 }, (_, i) => finding(`x/f${i}`, 'archive-file', 'low', 20));
    expect(foldLowFindings(few, 3, 'r')).toBe(few);
  });

  test('scoreCandidates folds when asked, and folded findings get no timeline rows', () => {
    const cands: Candidate[] = Array.from({ length: 6 }, (_, i) => ({ kind: 'file', path: `d/f${i}.tmp`, hits: [{ rule: 'archive-file', message: 'm' }], times: { ...NO_TIMES, modified: `2024-01-0${i + 1}T00:00:00.0000000Z` } }));
    const ctx = { root: '/r', rootLabel: 'r', hotspotOf: () => null };
    const all = scoreCandidates(cands.map((c) => ({ ...c, hits: [...c.hits] })), ctx);
    const folded = scoreCandidates(cands.map((c) => ({ ...c, hits: [...c.hits] })), { ...ctx, foldLowAfter: 2 });
    expect(all.findings).toHaveLength(6);
    expect(all.findings.every((f) => f.level === 'low' || f.level === 'info')).toBe(true);
    expect(folded.findings.map((f) => f.kind)).toEqual(['file', 'file', 'summary']);
    const keptIds = new Set(folded.findings.map((f) => f.id));
    const rows = [...findingsTimeline(folded.findings, folded.events)];
    expect(rows.length).toBe(2);
    expect(rows.every((r) => keptIds.has(r.findingId))).toBe(true);
  });
});
