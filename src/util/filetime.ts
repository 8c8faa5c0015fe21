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

const MS_PER_DAY = 86_400_000;
/** 1970-01-01 to 9999-12-31 (toISOString's four-digit years); other times go through Date. */
const FAST_MAX_MS = 253_402_300_800_000;
/** 'YYYY-MM-DDT' of recent day numbers: files of one tree share few days (bounded, cleared when full). */
const dayPrefixes = new Map<number, string>();
const MAX_DAY_PREFIXES = 4096;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** 'YYYY-MM-DDT', hh, ':', mm, ':', ss, '.', mmm, '0000Z': filled in and joined by isoFromMs (synchronous, so one array serves). */
const ISO_PARTS: string[] = ['', '', ':', '', ':', '', '.', '', '0000Z'];

/**
 * Epoch milliseconds in the one output format (throws on an invalid time, like toISOString).
 * The same string as `isoFromDate(new Date(ms))`, built from a remembered date part and the time
 * of day for the years 1970-9999 (a Date and its toISOString per file time were a visible part of
 * a findings-heavy scan's CPU: docs/performance.md "CPU of a findings-heavy scan").
 */
export function isoFromMs(ms: number): string {
  const t = Math.trunc(ms); // what new Date(ms) keeps (TimeClip)
  if (!(t >= 0 && t < FAST_MAX_MS)) return isoFromDate(new Date(ms));
  const day = Math.floor(t / MS_PER_DAY);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= MAX_DAY_PREFIXES) dayPrefixes.clear();
    prefix = new Date(day * MS_PER_DAY).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let rest = t - day * MS_PER_DAY;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  // Joined, not concatenated: a join gives one flat string (about 56 bytes), a template of nine
  // parts a chain of cons strings (about 260), and findings and timeline rows hold these by the 100,000.
  ISO_PARTS[0] = prefix;
  ISO_PARTS[1] = TWO_DIGITS[hour]!;
  ISO_PARTS[3] = TWO_DIGITS[min]!;
  ISO_PARTS[5] = TWO_DIGITS[sec]!;
  ISO_PARTS[7] = THREE_DIGITS[milli]!;
  return ISO_PARTS.join('');
}

/** Windows FILETIME (100-ns ticks since 1601-01-01 UTC) with the full 7-digit fraction; null for 0 and outside years 1601..9999 (damaged or tampered data). */
export function filetimeToIso(ticks: bigint): string | null {
  if (ticks <= 0n || ticks > 2650467743999999999n) return null;
  const unix100ns = ticks - EPOCH_DIFF_TICKS;
  const ms = unix100ns >= 0n ? unix100ns / 10000n : -((-unix100ns + 9999n) / 10000n);
  const frac = ((unix100ns % 10000000n) + 10000000n) % 10000000n;
  const n = Number(ms);
  // What new Date(n) would reject (TimeClip); the range check above keeps n well inside it.
  if (!(Math.abs(n) <= 8.64e15)) return null;
  const base = isoFromMs(n).slice(0, 19);
  return `${base}.${frac.toString().padStart(7, '0')}Z`;
}

/** Unix seconds (possibly fractional) to ISO-8601 UTC, or null when out of range. */
export function unixSecondsToIso(seconds: number): string | null {
  if (!Number.isFinite(seconds)) return null;
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) return null;
  return isoFromMs(seconds * 1000);
}

/** Whether a wall-clock date and time exist (no 30 February, no 24:00): what Date.UTC would roll over. */
export function isRealDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day && hour <= 23 && minute <= 59 && second <= 59;
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
  const ms = Date.UTC(year, month - 1, day, hour, min, sec);
  return Number.isNaN(ms) ? null : isoFromMs(ms);
}
