/**
 * A root's machine facts (model/system.ts): gathered from a Windows root's own SYSTEM and SOFTWARE
 * hives as the walk inspects them, or read from a Linux root's etc (evidence/unix-facts.ts); and what
 * they settle after the walk: the local times the evidence wrote without a zone (PowerShell
 * transcripts, the Trash's deletion times) get the machine's time zone.
 */
import { UNKNOWN_LOCAL_ZONE, type SystemFacts } from '../model/system.js';
import type { Candidate } from '../rules/types.js';
import { localToUtcByZone, zoneText } from '../artifacts/registry/system-info.js';
import { commandEvent } from '../artifacts/history/index.js';
import { localToUtcInZone } from '../util/zone.js';
import { isoFromMs } from '../util/filetime.js';

/**
 * The machine's own hives: a SYSTEM or SOFTWARE saved elsewhere (`reg save` into Temp, RegBack, a copy
 * an attacker staged) says what that copy says, not what the machine is.
 */
const OWN_HIVE = /(^|\/)windows\/system32\/config\/(system|software)$/i;

const FACT_ORDER: readonly (keyof SystemFacts)[] = ['computerName', 'hostname', 'domain', 'timeZone', 'ianaTimeZone', 'lastShutdown', 'productName', 'edition', 'displayVersion', 'build', 'installed', 'registeredOwner', 'zoneYears'];

/** The facts so far with a hive's added, when the hive is the root's own. */
export function withSystemFacts(current: SystemFacts | null, relPath: string, facts: SystemFacts): SystemFacts | null {
  if (!OWN_HIVE.test(relPath)) return current;
  const merged: SystemFacts = { ...current, ...facts };
  const sources = [...new Set([...(current?.sources ?? []), relPath])].sort().slice(0, 8);
  // One order of keys whichever hive the walk met first: the report is the same for any walk.
  const ordered: SystemFacts = {};
  for (const key of FACT_ORDER) if (merged[key] !== undefined) Object.assign(ordered, { [key]: merged[key] });
  return { ...ordered, sources };
}

/**
 * The facts as reported, once the walk has met both hives: the SYSTEM hive's zone gets its years of
 * Dynamic DST from the SOFTWARE hive (kept by zone until then), and the rest of those are dropped.
 */
export function settleZoneYears(system: SystemFacts | null): SystemFacts | null {
  if (!system?.zoneYears) return system;
  const { zoneYears, ...facts } = system;
  const zone = facts.timeZone;
  const years = zone?.name && !zone.daylightDisabled ? zoneYears[zone.name.toLowerCase()] : undefined;
  if (zone && years) facts.timeZone = { ...zone, years };
  return facts;
}

/** The machine's local time as UTC, and the zone named as a finding says it; null without a zone. */
function machineClock(system: SystemFacts | null): { toUtc: (local: string) => string | null; zone: string } | null {
  const windows = system?.timeZone;
  if (windows) return { toUtc: (local) => localToUtcByZone(local, windows), zone: `${zoneText(windows)}: the machine's time zone (SYSTEM hive)` };
  const iana = system?.ianaTimeZone;
  if (iana) {
    return {
      toUtc: (local) => {
        const ms = localToUtcInZone(local, iana.name);
        return ms === null ? null : isoFromMs(ms);
      },
      zone: `${iana.name}: the machine's time zone (${iana.source})`,
    };
  }
  return null;
}

/** A local time as written: an ISO date and time without a zone ('2024-05-06T05:06:07'). */
const LOCAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/;

/**
 * Candidates whose time the evidence wrote as local time of an unknown zone (`timezone: 'local
 * (unknown)'`: a transcript's `details.localTime`, a .trashinfo's `deletedAt`), given the machine's
 * zone: their time in UTC, the zone named, the local time kept, and their timeline event. Returns how many.
 */
export function giveLocalTimesTheZone(candidates: readonly Candidate[], system: SystemFacts | null): number {
  const clock = machineClock(system);
  if (!clock) return 0;
  let given = 0;
  for (const c of candidates) {
    const d = c.details;
    if (!d || d.timezone !== UNKNOWN_LOCAL_ZONE) continue;
    if (typeof d.localTime === 'string' && d.time === null) {
      const time = clock.toUtc(d.localTime);
      if (!time) continue;
      d.time = time;
      d.timezone = clock.zone;
      if (typeof d.command === 'string') (c.events ??= []).push(commandEvent(time, c.user ?? null, d.command));
      given++;
    } else if (c.kind === 'trash' && typeof c.deletedAt === 'string' && LOCAL_TIME.test(c.deletedAt)) {
      const time = clock.toUtc(c.deletedAt);
      if (!time) continue;
      d.localDeletedAt = c.deletedAt;
      d.timezone = clock.zone;
      c.deletedAt = time;
      (c.events ??= []).push({ time, type: 'deleted', description: `${c.originalPath ?? c.path} deleted to the Trash` });
      given++;
    }
  }
  return given;
}
