/**
 * IANA time zones through Node's ICU (Intl): whether a name is one, an instant's wall clock in it,
 * and a wall-clock time of it back to UTC. Used to show times (--timezone, report/time-zone.ts) and to
 * give local times the evidence wrote without a zone the machine's zone (pipeline/system-facts.ts).
 */

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

/** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
function offsetAt(ms: number, zone: string): number {
  const p = zonedParts(ms, zone);
  return Date.parse(`${p.date}T${p.time}Z`) - Math.floor(ms / 1000) * 1000;
}

/**
 * A wall-clock time of the zone ('2024-05-06T05:06:07', no zone) as epoch milliseconds UTC, or null:
 * the offset guessed at the wall time read as UTC, then at the instant that gives (two rounds settle
 * every time but those in the hour a change skips or repeats, read at one of its offsets).
 */
export function localToUtcInZone(localIso: string, zone: string): number | null {
  const wall = Date.parse(`${localIso}Z`);
  if (!Number.isFinite(wall)) return null;
  const first = wall - offsetAt(wall, zone);
  return wall - offsetAt(first, zone);
}

/** Minutes east of UTC as "UTC+01:00", "UTC-05:00", "UTC+05:45". */
export function offsetText(minutesEast: number): string {
  const a = Math.abs(minutesEast);
  return `UTC${minutesEast < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
