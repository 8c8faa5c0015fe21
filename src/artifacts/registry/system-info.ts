/**
 * What a Windows root's SYSTEM and SOFTWARE hives say of the machine, the first lines of any case
 * file (RegRipper's compname, timezone, shutdown and winver plugins; RECmd's BasicSystemInfo batch):
 *
 *   SYSTEM   Select\Current                                        the control set in use (ControlSet00N)
 *            <cs>\Control\ComputerName\ComputerName  ComputerName  NetBIOS name
 *            <cs>\Services\Tcpip\Parameters          Hostname, Domain
 *            <cs>\Control\TimeZoneInformation         TimeZoneKeyName, StandardName, DaylightName, Bias,
 *                                                     StandardBias, DaylightBias (signed minutes, UTC = local + bias),
 *                                                     StandardStart, DaylightStart (TIME_FIELDS rules),
 *                                                     ActiveTimeBias, DynamicDaylightTimeDisabled
 *            <cs>\Control\Windows                     ShutdownTime (FILETIME)
 *   SOFTWARE Microsoft\Windows NT\CurrentVersion     ProductName, EditionID, DisplayVersion / ReleaseId,
 *                                                     CurrentBuild(Number), UBR, InstallDate (Unix seconds), RegisteredOwner
 *            ...\CurrentVersion\Time Zones\<zone>\Dynamic DST  FirstEntry, LastEntry, <year> (REG_TZI_FORMAT: Bias,
 *                                                     StandardBias, DaylightBias, StandardDate, DaylightDate as SYSTEMTIME)
 *
 * The time zone also gives local times written by Windows (PowerShell transcripts) their UTC: `localToUtcByZone`.
 */
import { filetimeToIso, isoFromMs, unixSecondsToIso } from '../../util/filetime.js';
import type { SystemFacts, TimeZoneFacts, ZoneRule, ZoneYear } from '../../model/system.js';
import { offsetText } from '../../util/zone.js';
import { dwordValue, valueBytes, valueNamed, type HiveView, type KeyNode } from './view.js';

/** Keys this module reads below a control set (hive-pass.ts keeps them, their values only). */
export const SYSTEM_INFO_CONTROL_SET_KEYS = ['Control\\ComputerName\\ComputerName', 'Services\\Tcpip\\Parameters', 'Control\\TimeZoneInformation', 'Control\\Windows'] as const;
export const SELECT_KEY = 'Select';
export const CURRENT_VERSION_KEY = 'Microsoft\\Windows NT\\CurrentVersion';
const TIME_ZONES_KEY = `${CURRENT_VERSION_KEY}\\Time Zones`;
/** The Dynamic DST keys (lower-cased path), kept by the hive pass with their values only. */
export const DYNAMIC_DST_KEY = /^microsoft\\windows nt\\currentversion\\time zones\\[^\\]+\\dynamic dst$/;
/** Zones and years read (Windows 11 has about 140 zones, each with a few to twenty years of rules). */
const MAX_ZONES = 512;
const MAX_YEARS = 200;

/** A text value cut to a name's length (attacker-controlled like all evidence). */
const MAX_TEXT = 256;

function text(node: KeyNode | undefined, name: string): string | undefined {
  const v = valueNamed(node, name);
  if (!v || typeof v.data !== 'string') return undefined;
  const t = v.data.replace(/\0.*$/s, '').trim();
  return t === '' ? undefined : t.slice(0, MAX_TEXT);
}

/** A REG_DWORD read as the signed 32-bit number Windows stores for biases. */
function signed(n: number | null): number | undefined {
  return n === null ? undefined : n | 0;
}

function rule(node: KeyNode | undefined, name: string): ZoneRule | null {
  const v = valueNamed(node, name);
  if (!v) return null;
  const b = valueBytes(v);
  if (b.length < 16) return null;
  // The kernel's TIME_FIELDS (RtlSetTimeZoneInformation writes the key): Year, Month, Day (the week), Hour, Minute, Second,
  // Milliseconds, Weekday; not the SYSTEMTIME of the Time Zones\<zone>\TZI values (weekday third).
  const r = { month: b.readUInt16LE(2), week: b.readUInt16LE(4), hour: b.readUInt16LE(6), minute: b.readUInt16LE(8), dayOfWeek: b.readUInt16LE(14) };
  // wMonth 0: no daylight time. A rule out of range is no rule (a wYear-specific rule is read as recurring).
  return inRange(r) ? r : null;
}

/** A recurring rule Windows could apply: a month, a weekday, a week of 1-5 (5 = the last), a time of day. */
function inRange(r: ZoneRule): boolean {
  return r.month >= 1 && r.month <= 12 && r.dayOfWeek <= 6 && r.week >= 1 && r.week <= 5 && r.hour <= 23 && r.minute <= 59;
}

/** A SYSTEMTIME rule of a REG_TZI_FORMAT (wYear, wMonth, wDayOfWeek, wDay = the week, wHour, wMinute): weekday third, unlike TIME_FIELDS. */
function tziRule(b: Buffer, at: number): ZoneRule | null | undefined {
  if (b.readUInt16LE(at + 2) === 0) return null; // wMonth 0: no daylight time that year
  // A rule with a year is an absolute date, not a recurring one: not read (the year falls back to its neighbours').
  if (b.readUInt16LE(at) !== 0) return undefined;
  const r = { month: b.readUInt16LE(at + 2), dayOfWeek: b.readUInt16LE(at + 4), week: b.readUInt16LE(at + 6), hour: b.readUInt16LE(at + 8), minute: b.readUInt16LE(at + 10) };
  return inRange(r) ? r : undefined;
}

/** One zone's Dynamic DST: each year from FirstEntry to LastEntry whose value reads, by year. */
function zoneYears(node: KeyNode): ZoneYear[] {
  const first = dwordValue(node, 'FirstEntry');
  const last = dwordValue(node, 'LastEntry');
  if (first === null || last === null || first < 1601 || last < first || last - first >= MAX_YEARS) return [];
  const years: ZoneYear[] = [];
  for (let year = first; year <= last; year++) {
    const v = valueNamed(node, String(year));
    const b = v ? valueBytes(v) : Buffer.alloc(0);
    if (b.length < 44) continue;
    const standardStart = tziRule(b, 12);
    const daylightStart = tziRule(b, 28);
    if (standardStart === undefined || daylightStart === undefined) continue;
    // Both or neither: a year with one rule has no daylight time to bound.
    const both = standardStart !== null && daylightStart !== null;
    years.push({ year, bias: b.readInt32LE(0), standardBias: b.readInt32LE(4), daylightBias: b.readInt32LE(8), daylightStart: both ? daylightStart : null, standardStart: both ? standardStart : null });
  }
  return years;
}

/** The control set in use: Select\Current, else ControlSet001, else CurrentControlSet (a live system). */
function currentControlSet(view: HiveView): string | null {
  const n = dwordValue(view.get(SELECT_KEY), 'Current');
  if (n !== null && n >= 1 && n <= 999) {
    const name = `ControlSet${String(n).padStart(3, '0')}`;
    if (view.get(`${name}\\Control`) || view.subkeys(name).length > 0) return name;
  }
  for (const name of ['ControlSet001', 'CurrentControlSet']) if (view.subkeys(name).length > 0) return name;
  return null;
}

/** What a SYSTEM hive says (empty when the hive is not one). */
export function systemHiveFacts(view: HiveView): SystemFacts {
  const cs = currentControlSet(view);
  if (!cs) return {};
  const out: SystemFacts = {};
  const computerName = text(view.get(`${cs}\\Control\\ComputerName\\ComputerName`), 'ComputerName');
  if (computerName) out.computerName = computerName;
  const tcpip = view.get(`${cs}\\Services\\Tcpip\\Parameters`);
  const hostname = text(tcpip, 'Hostname');
  if (hostname) out.hostname = hostname;
  const domain = text(tcpip, 'Domain');
  if (domain) out.domain = domain;
  const tz = view.get(`${cs}\\Control\\TimeZoneInformation`);
  const bias = signed(dwordValue(tz, 'Bias'));
  if (tz && bias !== undefined) {
    out.timeZone = {
      name: text(tz, 'TimeZoneKeyName') ?? text(tz, 'StandardName') ?? null,
      standardName: text(tz, 'StandardName') ?? null,
      daylightName: text(tz, 'DaylightName') ?? null,
      bias,
      standardBias: signed(dwordValue(tz, 'StandardBias')) ?? 0,
      daylightBias: signed(dwordValue(tz, 'DaylightBias')) ?? 0,
      daylightStart: rule(tz, 'DaylightStart'),
      standardStart: rule(tz, 'StandardStart'),
      activeBias: signed(dwordValue(tz, 'ActiveTimeBias')) ?? null,
      daylightDisabled: dwordValue(tz, 'DynamicDaylightTimeDisabled') === 1,
    };
  }
  const windows = view.get(`${cs}\\Control\\Windows`);
  const shutdown = valueNamed(windows, 'ShutdownTime');
  if (shutdown) {
    const b = valueBytes(shutdown);
    const iso = b.length >= 8 ? filetimeToIso(b.readBigUInt64LE(0)) : null;
    if (iso) out.lastShutdown = iso;
  }
  return out;
}

/** What a SOFTWARE hive says of Windows itself (empty when the hive is not one). */
export function softwareHiveFacts(view: HiveView): SystemFacts {
  const cv = view.get(CURRENT_VERSION_KEY);
  if (!cv) return {};
  const out: SystemFacts = {};
  const product = text(cv, 'ProductName');
  if (product) out.productName = product;
  const edition = text(cv, 'EditionID');
  if (edition) out.edition = edition;
  const display = text(cv, 'DisplayVersion') ?? text(cv, 'ReleaseId') ?? text(cv, 'CSDVersion');
  if (display) out.displayVersion = display;
  const build = text(cv, 'CurrentBuildNumber') ?? text(cv, 'CurrentBuild');
  const ubr = dwordValue(cv, 'UBR');
  if (build) out.build = ubr !== null ? `${build}.${ubr}` : build;
  const installed = dwordValue(cv, 'InstallDate');
  if (installed) {
    const iso = unixSecondsToIso(installed);
    if (iso) out.installed = iso;
  }
  const owner = text(cv, 'RegisteredOwner');
  if (owner) out.registeredOwner = owner;
  const byZone: Record<string, ZoneYear[]> = {};
  let zones = 0;
  for (const zone of view.subkeys(TIME_ZONES_KEY)) {
    if (zones >= MAX_ZONES) break;
    const dynamic = view.get(`${zone.key}\\Dynamic DST`);
    const years = dynamic ? zoneYears(dynamic) : [];
    if (years.length === 0) continue;
    byZone[zone.key.slice(zone.key.lastIndexOf('\\') + 1).toLowerCase()] = years;
    zones++;
  }
  if (zones > 0) out.zoneYears = byZone;
  return out;
}

/** The local wall-clock instant (as UTC fields) a rule names in `year`: the week-th weekday of the month, the last for week 5. */
function ruleInstant(r: ZoneRule, year: number): number {
  const first = new Date(Date.UTC(year, r.month - 1, 1)).getUTCDay();
  let day = 1 + ((r.dayOfWeek - first + 7) % 7) + (r.week - 1) * 7;
  const daysInMonth = new Date(Date.UTC(year, r.month, 0)).getUTCDate();
  while (day > daysInMonth) day -= 7;
  return Date.UTC(year, r.month - 1, day, r.hour, r.minute);
}

/** The rules in force in `year`: Dynamic DST's for that year (the first's before it, the last's after it), else the zone's own. */
function rulesOf(zone: TimeZoneFacts, year: number): Omit<ZoneYear, 'year'> {
  const years = zone.years;
  if (!years?.length) return zone;
  let pick = years[0]!;
  for (const y of years) if (y.year <= year) pick = y;
  return pick;
}

/**
 * A local time written by the machine ('2025-02-20T03:42:00', no zone) as ISO-8601 UTC, by the
 * zone's rules of that year (Dynamic DST's, else the TimeZoneInformation key's): UTC = local + bias +
 * the daylight bias between DaylightStart and StandardStart (the southern hemisphere's wrap across
 * the new year too), else + the standard bias. Without Dynamic DST, Windows applies the current rule
 * to every year, and so does this: a time in a year whose rules differed can be off by an hour.
 */
export function localToUtcByZone(localIso: string, zone: TimeZoneFacts): string | null {
  const local = Date.parse(`${localIso}Z`);
  if (!Number.isFinite(local)) return null;
  const year = new Date(local).getUTCFullYear();
  const r = zone.daylightDisabled ? zone : rulesOf(zone, year);
  let bias = r.bias + r.standardBias;
  if (!zone.daylightDisabled && r.daylightStart && r.standardStart) {
    const toDaylight = ruleInstant(r.daylightStart, year);
    const toStandard = ruleInstant(r.standardStart, year);
    const daylight = toDaylight < toStandard ? local >= toDaylight && local < toStandard : local >= toDaylight || local < toStandard;
    if (daylight) bias = r.bias + r.daylightBias;
  }
  return isoFromMs(local + bias * 60_000);
}

/** "W. Europe Standard Time (UTC+01:00, daylight time by its rules)"; "..., the rules of 2021-2023 (Dynamic DST))" when the years were read. */
export function zoneText(zone: TimeZoneFacts): string {
  const dst = zone.daylightStart && zone.standardStart && !zone.daylightDisabled ? ', daylight time by its rules' : '';
  const years = zone.years?.length ? `, the rules of ${zone.years[0]!.year}-${zone.years[zone.years.length - 1]!.year} (Dynamic DST)` : '';
  // UTC = local + bias: the offset east of UTC is the bias negated.
  return `${zone.name ?? 'unnamed zone'} (${offsetText(-(zone.bias + zone.standardBias))}${dst}${years})`;
}
