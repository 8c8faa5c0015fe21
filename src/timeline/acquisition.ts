/**
 * Acquisition times: a disk image that was generated, copied or mounted gives its files change
 * (and sometimes birth) times of that moment, not of the attacker's. Such a row is marked
 * `acquisition: true` (docs/output.md) and left out of the headline timeline, so the analyst
 * reads evidence times, not the day the image was made.
 *
 * A row is an acquisition time when it is a file-time row without a modification time (change,
 * birth and access times only: copies keep the modification time, the copy itself sets the
 * others), and it either falls in or after the scan's own minute, or post-dates every evidence
 * row (events and modification times) by more than ACQUISITION_GAP_MS.
 */
import type { TimelineRow } from '../model/report.js';
import { maxOf } from '../util/arrays.js';

/** "Post-dates every other event by far": a week after the latest evidence time. */
export const ACQUISITION_GAP_MS = 7 * 24 * 3600 * 1000;

/** MACB types without m ("..c.", "...b", ".acb"); "...." never occurs. */
const WITHOUT_MODIFICATION = /^\.[a.][c.][b.]$/;

function timeMs(t: string): number {
  return Date.parse(t.endsWith('Z') || /[+-]\d\d:\d\d$/.test(t) ? t : `${t}Z`);
}

/** Sets `acquisition: true` on the rows that hold acquisition times (in place; returns the rows). */
export function markAcquisitionTimes(rows: TimelineRow[], scanStartedAt: string | null): TimelineRow[] {
  const start = scanStartedAt ? timeMs(scanStartedAt) : NaN;
  const scanMinute = Number.isNaN(start) ? Infinity : Math.floor(start / 60_000) * 60_000;
  const candidate = (r: TimelineRow): boolean => WITHOUT_MODIFICATION.test(r.type) && !Number.isNaN(timeMs(r.time));
  const others = rows.filter((r) => !candidate(r)).map((r) => timeMs(r.time)).filter((t) => !Number.isNaN(t) && t < scanMinute);
  const latestEvidence = others.length ? maxOf(others) : -Infinity;
  for (const r of rows) {
    if (!candidate(r)) continue;
    const t = timeMs(r.time);
    if (t >= scanMinute || (others.length > 0 && t > latestEvidence + ACQUISITION_GAP_MS)) r.acquisition = true;
  }
  return rows;
}
