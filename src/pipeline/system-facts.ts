/**
 * A root's machine facts (model/system.ts) gathered from its own SYSTEM and SOFTWARE hives as the
 * walk inspects them, and what they settle after the walk: the local times the machine wrote without
 * a zone (PowerShell transcripts, history/transcript.ts) get the machine's time zone.
 */
import { UNKNOWN_LOCAL_ZONE, type SystemFacts } from '../model/system.js';
import type { Candidate } from '../rules/types.js';
import { localToUtcByZone, zoneText } from '../artifacts/registry/system-info.js';
import { commandEvent } from '../artifacts/history/index.js';

/**
 * The machine's own hives: a SYSTEM or SOFTWARE saved elsewhere (`reg save` into Temp, RegBack, a copy
 * an attacker staged) says what that copy says, not what the machine is.
 */
const OWN_HIVE = /(^|\/)windows\/system32\/config\/(system|software)$/i;

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

const FACT_ORDER: readonly (keyof SystemFacts)[] = ['computerName', 'hostname', 'domain', 'timeZone', 'lastShutdown', 'productName', 'edition', 'displayVersion', 'build', 'installed', 'registeredOwner'];

/**
 * Candidates whose time the evidence wrote as local time of an unknown zone (details.localTime,
 * timezone 'local (unknown)'), given the time zone of the machine's SYSTEM hive: their time in UTC,
 * the zone named, and the command's timeline event.
 */
export function giveLocalTimesTheZone(candidates: readonly Candidate[], system: SystemFacts | null): number {
  const zone = system?.timeZone;
  if (!zone) return 0;
  let given = 0;
  for (const c of candidates) {
    const d = c.details;
    if (!d || typeof d.localTime !== 'string' || d.time !== null || d.timezone !== UNKNOWN_LOCAL_ZONE) continue;
    const time = localToUtcByZone(d.localTime, zone);
    if (!time) continue;
    d.time = time;
    d.timezone = `${zoneText(zone)}: the machine's time zone (SYSTEM hive)`;
    if (typeof d.command === 'string') (c.events ??= []).push(commandEvent(time, c.user ?? null, d.command));
    given++;
  }
  return given;
}
