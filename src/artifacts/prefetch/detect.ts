/**
 * Prefetch to execution candidates: an archiver or staging tool ran (name, or a renamed copy that
 * loaded an archiver's library), where from, which staged files it touched, and when (every
 * recorded run time is a timeline row). The finding points at the .pf file itself.
 */
import type { ArtifactResult, DetectContext } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { executionEvents, executionHits, executionNames, type ProgramRun } from '../execution/detect.js';
import { archiverOfLibrary, isShellHost, toolByExecutable } from '../execution/tools.js';
import { basenameWin } from '../registry/locations.js';
import type { PrefetchRecord, PrefetchVolume } from './parse.js';

/** `\VOLUME{...}` (Windows 10+) or `\DEVICE\HARDDISKVOLUME1` prefixes, to drive letters. */
function volumePrefixes(volumes: readonly PrefetchVolume[]): Map<string, string> {
  const out = new Map<string, string>();
  // The volume holding \WINDOWS is the system drive; with one volume, it is that one.
  const system = volumes.find((v) => v.directories.some((d) => d.toUpperCase() === `${v.name.toUpperCase()}\\WINDOWS`)) ?? (volumes.length === 1 ? volumes[0] : undefined);
  if (system) out.set(system.name.toUpperCase(), 'C:');
  return out;
}

/** A Prefetch path as a C:\ path when its volume is the system drive; else unchanged. */
export function drivePath(path: string, prefixes: Map<string, string>): string {
  const m = /^(\\VOLUME\{[^}]*\}|\\DEVICE\\HARDDISKVOLUME\d+)(\\.*)?$/i.exec(path);
  if (!m) return path;
  const drive = prefixes.get(m[1]!.toUpperCase());
  return drive ? `${drive}${m[2] ?? '\\'}` : path;
}

/** The run a Prefetch record stands for, with the program's own path when the file list names it. */
export function prefetchRun(r: PrefetchRecord): ProgramRun {
  const prefixes = volumePrefixes(r.volumes);
  const touched = r.filesLoaded.map((f) => drivePath(f, prefixes));
  const exe = r.executableName.toUpperCase();
  // The executable's full path: a file-list entry ending in its name (a 29-character name is a prefix).
  const own = touched.find((p) => (exe.length >= 29 ? basenameWin(p).toUpperCase().startsWith(exe) : basenameWin(p).toUpperCase() === exe) && /^[a-z]:\\/i.test(p));
  let renamedFrom: string | null = null;
  if (!toolByExecutable(r.executableName) && !isShellHost(r.executableName)) {
    for (const p of touched) {
      renamedFrom = archiverOfLibrary(p);
      if (renamedFrom) break;
    }
  }
  return {
    source: 'Prefetch',
    program: own ?? r.executableName,
    pathKnown: own !== undefined,
    runTimes: [r.lastRun, ...r.previousRuns].filter((t): t is string => t !== null),
    runCount: r.runCount,
    renamedFrom,
    touched,
  };
}

export function detectPrefetch(result: ArtifactResult<PrefetchRecord, unknown>, ctx: DetectContext): Candidate[] {
  const r = result.records[0];
  if (!r) return [];
  const run = prefetchRun(r);
  const hits = executionHits(run);
  if (hits.length === 0) return [];
  const candidate: Candidate = {
    kind: 'execution',
    path: ctx.relPath,
    hits,
    size: ctx.size,
    format: 'prefetch',
    times: ctx.times,
    names: executionNames(run),
    events: executionEvents(run),
    details: {
      source: 'Prefetch',
      program: run.program,
      executable: r.executableName,
      runCount: r.runCount,
      lastRun: r.lastRun,
      runTimes: run.runTimes,
      ...(run.renamedFrom ? { renamedFrom: run.renamedFrom } : {}),
    },
  };
  return [candidate];
}
