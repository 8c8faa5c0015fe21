/**
 * --from / --to (issue 16): findings and timeline limited to a time window. A timeline row is kept
 * when its time lies in the window; a finding is kept when one of its evidence rows (acquisition
 * times do not count: src/timeline/acquisition.ts) lies in it, or when it has no time at all (a
 * history line without a timestamp cannot be placed outside the window, so it is not hidden).
 */
import type { Finding } from '../model/finding.js';
import type { TimelineRow } from '../model/report.js';
import { rowTimeMs } from '../timeline/acquisition.js';

/** Inclusive bounds in ms since the epoch; null = open. */
export interface TimeWindow {
  from: number | null;
  to: number | null;
}

/**
 * A --from/--to value: an ISO-8601 date or date-time (UTC unless it names a zone). A bare date as
 * --to means the end of that day. Returns null for anything else.
 */
export function parseWindowBound(text: string, end: boolean): number | null {
  const t = text.trim();
  const dateOnly = /^\d{4}-\d\d-\d\d$/.test(t);
  if (!dateOnly && !/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/.test(t)) return null;
  const iso = dateOnly ? `${t}T00:00:00Z` : /(Z|[+-]\d\d:?\d\d)$/.test(t) ? t.replace(' ', 'T') : `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2025-02-30 over to March: refuse a day that does not exist.
  const [y, m, d] = t.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return null;
  return dateOnly && end ? ms + 24 * 3600 * 1000 - 1 : ms;
}

function inWindow(ms: number, w: TimeWindow): boolean {
  return (w.from === null || ms >= w.from) && (w.to === null || ms <= w.to);
}

/** Whether a row's time lies in the window (a time that does not parse never does, unless the window is open on both ends). */
export function rowInWindow(time: string, w: TimeWindow): boolean {
  return inWindow(rowTimeMs(time), w);
}

/**
 * The findings inside the window: one of their evidence rows (not an acquisition time) lies in
 * it, or none of their rows has a time. `rows` is every row of these findings (a scan's lazy
 * timeline or a saved scan's list).
 */
export function findingsInWindow(findings: readonly Finding[], rows: Iterable<TimelineRow>, w: TimeWindow): Finding[] {
  const timed = new Set<string>();
  const inside = new Set<string>();
  for (const r of rows) {
    if (r.acquisition) continue;
    const ms = rowTimeMs(r.time);
    if (Number.isNaN(ms)) continue;
    timed.add(r.findingId);
    if (inWindow(ms, w)) inside.add(r.findingId);
  }
  return findings.filter((f) => inside.has(f.id) || !timed.has(f.id));
}

/** The findings and rows inside the window (a saved scan: `report --from/--to`). */
export function applyWindow(findings: readonly Finding[], timeline: readonly TimelineRow[], w: TimeWindow): { findings: Finding[]; timeline: TimelineRow[] } {
  const kept = findingsInWindow(findings, timeline, w);
  const keptIds = new Set(kept.map((f) => f.id));
  return { findings: kept, timeline: timeline.filter((r) => keptIds.has(r.findingId) && rowInWindow(r.time, w)) };
}
