/**
 * --timezone: the one place where a time is shown in a zone (table, HTML, Markdown). JSON and the
 * other machine formats stay ISO-8601 UTC. Seconds precision: the fraction stays in JSON.
 */
import { parseTime } from '../timeline/evidence.js';

export const UTC = 'UTC';

/** Whether Intl knows this IANA zone name (e.g. Europe/Berlin, America/New_York, UTC). */
export function isTimeZone(zone: string): boolean {
  if (zone === '' || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock parts of an instant in a zone, and its UTC offset ("+02:00"). */
export function zonedParts(ms: number, zone: string): { date: string; time: string; offset: string } {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '');
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}:${parts.second}`, offset };
}

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
