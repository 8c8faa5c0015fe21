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

/** "Post-dates every other event by far": a week after the latest evidence time. */
export const ACQUISITION_GAP_MS = 7 * 24 * 3600 * 1000;

/** MACB types without m ("..c.", "...b", ".acb"); "...." never occurs. */
const WITHOUT_MODIFICATION = /^\.[a.][c.][b.]$/;

/** A row's time in ms since the epoch (UTC unless the text names a zone); NaN when it is not a time. */
export function rowTimeMs(t: string): number {
  return Date.parse(t.endsWith('Z') || /[+-]\d\d:\d\d$/.test(t) ? t : `${t}Z`);
}

/**
 * The rule over one scan's rows: every row is observed once (its type and time), then each row
 * can be asked whether it is an acquisition time. Shared by the scan's lazy timeline
 * (timeline.ts `FindingsTimeline`) and by saved scans' row lists (`markAcquisitionTimes`).
 */
export class AcquisitionRule {
  private readonly scanMinute: number;
  private latestEvidence = -Infinity;
  private anyEvidence = false;

  constructor(scanStartedAt: string | null) {
    const start = scanStartedAt ? rowTimeMs(scanStartedAt) : NaN;
    this.scanMinute = Number.isNaN(start) ? Infinity : Math.floor(start / 60_000) * 60_000;
  }

  private static candidate(type: string, ms: number): boolean {
    return WITHOUT_MODIFICATION.test(type) && !Number.isNaN(ms);
  }

  /** Counts a row's time as evidence when it is not itself a candidate (and lies before the scan's minute). */
  observe(type: string, ms: number): void {
    if (AcquisitionRule.candidate(type, ms) || Number.isNaN(ms) || !(ms < this.scanMinute)) return;
    this.anyEvidence = true;
    if (ms > this.latestEvidence) this.latestEvidence = ms;
  }

  /** Whether a row (observed with the others) holds an acquisition time. */
  isAcquisition(type: string, ms: number): boolean {
    if (!AcquisitionRule.candidate(type, ms)) return false;
    return ms >= this.scanMinute || (this.anyEvidence && ms > this.latestEvidence + ACQUISITION_GAP_MS);
  }
}

/** Sets `acquisition: true` on the rows that hold acquisition times (in place; returns the rows). */
export function markAcquisitionTimes(rows: TimelineRow[], scanStartedAt: string | null): TimelineRow[] {
  const rule = new AcquisitionRule(scanStartedAt);
  for (const r of rows) rule.observe(r.type, rowTimeMs(r.time));
  for (const r of rows) if (rule.isAcquisition(r.type, rowTimeMs(r.time))) r.acquisition = true;
  return rows;
}
