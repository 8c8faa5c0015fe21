/**
 * What a Windows root's registry says of the machine (src/artifacts/registry/system-info.ts reads it
 * from the SYSTEM and SOFTWARE hives at Windows\System32\config): the report's `meta.roots[].system`.
 */

/** A TimeZoneInformation rule (the kernel's TIME_FIELDS): month, weekday (0 = Sunday), week of the month (1-4, 5 = the last), hour, minute. */
export interface ZoneRule {
  month: number;
  dayOfWeek: number;
  week: number;
  hour: number;
  minute: number;
}

export interface TimeZoneFacts {
  /** TimeZoneKeyName (Vista and later), else StandardName. */
  name: string | null;
  standardName: string | null;
  daylightName: string | null;
  /** Minutes; UTC = local + bias (+ the standard or daylight bias). */
  bias: number;
  standardBias: number;
  daylightBias: number;
  /** When daylight time starts and ends each year; null: no daylight time. */
  daylightStart: ZoneRule | null;
  standardStart: ZoneRule | null;
  /** The bias in effect when the hive was last written. */
  activeBias: number | null;
  /** "Adjust for daylight saving time automatically" was turned off. */
  daylightDisabled: boolean;
  /**
   * The zone's rules of the years they changed in, from SOFTWARE's Time Zones\<zone>\Dynamic DST (schema
   * 1.8), by year: a year before the first uses the first's, after the last the last's, as Windows
   * applies them. Absent when that key is not there (or daylight time is turned off).
   */
  years?: ZoneYear[];
}

/** One year's rules (a REG_TZI_FORMAT value of Dynamic DST). */
export interface ZoneYear {
  year: number;
  bias: number;
  standardBias: number;
  daylightBias: number;
  daylightStart: ZoneRule | null;
  standardStart: ZoneRule | null;
}

export interface SystemFacts {
  computerName?: string;
  hostname?: string;
  domain?: string;
  timeZone?: TimeZoneFacts;
  lastShutdown?: string;
  productName?: string;
  edition?: string;
  displayVersion?: string;
  build?: string;
  installed?: string;
  registeredOwner?: string;
  /** A Linux root's IANA zone (etc/timezone, or the zone etc/localtime links to) and where it was read. */
  ianaTimeZone?: { name: string; source: string };
  /** The hives the facts were read from (relPaths). */
  sources?: string[];
  /**
   * SOFTWARE's Dynamic DST of every zone, by lower-cased zone key name: held until the SYSTEM hive's
   * zone picks its own (pipeline/system-facts.ts settleZoneYears), never reported.
   */
  zoneYears?: Record<string, ZoneYear[]>;
}

/** A finding's `details.timezone` when its local time (as written, no zone) has no known zone: Trash's DeletionDate, a transcript's times. */
export const UNKNOWN_LOCAL_ZONE = 'local (unknown)';
