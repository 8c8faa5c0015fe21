/**
 * Time formatting, in one place. Every time stagehunt writes is ISO-8601 UTC with a 7-digit
 * fraction: FILETIME keeps its 100-ns ticks, millisecond sources (file systems, Unix and DOS
 * times) end in '0000', so one precision appears everywhere and the strings sort as times.
 */

const EPOCH_DIFF_TICKS = 116444736000000000n; // 11644473600 s between 1601 and 1970, in 100 ns

/** A Date (millisecond precision) in the one output format: '2024-03-15T04:26:00.1230000Z'. */
export function isoFromDate(d: Date): string {
  return `${d.toISOString().slice(0, -1)}0000Z`;
}

/** Epoch milliseconds in the one output format (throws on an invalid time, like toISOString). */
export function isoFromMs(ms: number): string {
  return isoFromDate(new Date(ms));
}

/** Windows FILETIME (100-ns ticks since 1601-01-01 UTC) with the full 7-digit fraction; null for 0 and outside years 1601..9999 (damaged or tampered data). */
export function filetimeToIso(ticks: bigint): string | null {
  if (ticks <= 0n || ticks > 2650467743999999999n) return null;
  const unix100ns = ticks - EPOCH_DIFF_TICKS;
  const ms = unix100ns >= 0n ? unix100ns / 10000n : -((-unix100ns + 9999n) / 10000n);
  const frac = ((unix100ns % 10000000n) + 10000000n) % 10000000n;
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return null;
  const base = d.toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(7, '0')}Z`;
}

/** Unix seconds (possibly fractional) to ISO-8601 UTC, or null when out of range. */
export function unixSecondsToIso(seconds: number): string | null {
  if (!Number.isFinite(seconds)) return null;
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) return null;
  return isoFromDate(d);
}

/** MS-DOS date/time (as in ZIP headers; local time, taken as UTC since the zone is unknown). */
export function dosDateTimeToIso(date: number, time: number): string | null {
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  const year = ((date >> 9) & 0x7f) + 1980;
  const sec = (time & 0x1f) * 2;
  const min = (time >> 5) & 0x3f;
  const hour = (time >> 11) & 0x1f;
  if (day < 1 || month < 1 || month > 12 || hour > 23 || min > 59 || sec > 59) return null;
  const d = new Date(Date.UTC(year, month - 1, day, hour, min, sec));
  return Number.isNaN(d.getTime()) ? null : isoFromDate(d);
}
