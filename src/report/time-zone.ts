/**
 * --timezone: the one place where a time is shown in a zone (table, HTML, Markdown). JSON and the
 * other machine formats stay ISO-8601 UTC. Seconds precision: the fraction stays in JSON.
 */
import type { ScanReport } from '../model/report.js';
import { buildEpisodes } from '../timeline/episodes.js';
import { parseTime } from '../timeline/evidence.js';
import type { WallClock } from '../timeline/narrative.js';
import { zonedParts } from '../util/zone.js';

export const UTC = 'UTC';

/**
 * "2025-03-15 04:05:42Z" in UTC (no zone given), "2025-03-15 06:05:42 +02:00" in a zone, '' for
 * no time; text that is not an ISO time (e.g. a local time of unknown zone) is shown as written.
 */
export function showTime(iso: string | null | undefined, zone?: string): string {
  if (!iso) return '';
  const ms = parseTime(iso);
  if (ms === null || !iso.endsWith('Z')) return iso;
  if (!zone || zone === UTC) return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const p = zonedParts(ms, zone);
  return `${p.date} ${p.time} ${p.offset}`;
}

/** The label a column header or heading gives the times it shows: "UTC" or the zone name. */
export function zoneLabel(zone?: string): string {
  return zone && zone !== UTC ? zone : UTC;
}

/** The narrative's clock in a zone: days and hh:mm as the zone's wall clock shows them. */
export function wallClock(zone: string): WallClock {
  return { label: zone, dayOf: (ms) => zonedParts(ms, zone).date, hhmmOf: (ms) => zonedParts(ms, zone).time.slice(0, 5) };
}

/**
 * The report with its episodes' narratives and step texts told in the zone (the human writers
 * call this first; JSON keeps the UTC text). The episodes are retold from the same findings, so
 * only the times in the text change; the report itself is not modified.
 */
export function withZonedEpisodes(report: ScanReport, zone?: string): ScanReport {
  if (!zone || zone === UTC) return report;
  const retold = buildEpisodes(report.findings, wallClock(zone));
  if (!report.episodes) return { ...report, episodes: retold };
  const byId = new Map(retold.map((e) => [e.id, e]));
  const episodes = report.episodes.map((e) => {
    const z = byId.get(e.id);
    return z ? { ...e, narrative: z.narrative, steps: z.steps } : e;
  });
  return { ...report, episodes };
}

/** "2025-03-15 04:00 to 05:06 UTC" in the zone (the day is repeated only when the span crosses one). */
export function spanText(start: string | null, end: string | null, zone?: string): string {
  if (!start) return 'no time recorded';
  const minute = (iso: string): string => {
    const ms = parseTime(iso);
    if (!zone || zone === UTC || ms === null) return iso.replace('T', ' ').slice(0, 16);
    const p = zonedParts(ms, zone);
    return `${p.date} ${p.time.slice(0, 5)}`;
  };
  const a = minute(start);
  const b = minute(end ?? start);
  const label = zoneLabel(zone);
  if (a === b) return `${a} ${label}`;
  return `${a} to ${b.slice(0, 10) === a.slice(0, 10) ? b.slice(11) : b} ${label}`;
}
