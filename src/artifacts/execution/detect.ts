/**
 * "Archivers and staging tools ran": one judgement for a program run, whatever recorded it
 * (Prefetch, Amcache, AppCompatCache). The hits name the catalog rules of
 * src/rules/data/execution.json; the run times become `executed` timeline rows.
 */
import type { Hit, NamedPath, TimelineEvent } from '../../rules/types.js';
import { isArchiveName, isEncryptedName } from '../history/paths.js';
import { basenameWin, classifyPlace } from '../registry/locations.js';
import { programPlace, toolByExecutable, type Tool } from './tools.js';

export type ExecutionSource = 'Prefetch' | 'Amcache' | 'AppCompatCache';

export interface ProgramRun {
  source: ExecutionSource;
  /** Full Windows path when the artifact records it (C:\PerfLogs\rar.exe), else the executable name. */
  program: string;
  /** True when `program` is a full path (its folder can be judged). */
  pathKnown: boolean;
  /** Run times, newest first (Prefetch: up to 8; Amcache/AppCompatCache: the one time they keep). */
  runTimes: string[];
  runCount: number | null;
  /** The archiver a renamed copy really is (from the libraries it loaded or its version resource), or null. */
  renamedFrom: string | null;
  /** Files the run touched (Prefetch), as C:\ paths. */
  touched: string[];
}

const IN_PROGRAM_FILES = /^[a-z]:\\program files( \(x86\))?\\/i;

/** Files named per run at most (names feed correlation and followed paths). */
const MAX_NAMES_PER_RUN = 200;

function runsText(run: ProgramRun): string {
  const count = run.runCount !== null ? ` ${run.runCount} time${run.runCount === 1 ? '' : 's'}` : '';
  const times = run.runTimes;
  if (times.length === 0) return count;
  if (times.length === 1) return `${count} (last ${shortTime(times[0]!)})`;
  return `${count} between ${shortTime(times[times.length - 1]!)} and ${shortTime(times[0]!)}`;
}

/** '2025-03-15T02:10:41.1234567Z' -> '2025-03-15 02:10:41 UTC'. */
function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** True when a touched file is something staged: an archive or encrypted container in a staging place. */
function isStagedFile(path: string): boolean {
  return classifyPlace(path).kind === 'staging' && (isArchiveName(path) || isEncryptedName(path));
}

/** The hits for one program run; empty when the program is none of the tools and no renamed copy. */
export function executionHits(run: ProgramRun): Hit[] {
  const known = toolByExecutable(run.program);
  // Copy tools are UserAssist/BAM's concern (registry-archiver-executed); no execution rule names them.
  const tool: Tool | null = known?.kind === 'copy-tool' ? null : known;
  const exe = basenameWin(run.program);
  const hits: Hit[] = [];
  // A program under Program Files that loads an archiver's library embeds it (or is its installer): no disguise.
  const renamed = run.renamedFrom && !(run.pathKnown && IN_PROGRAM_FILES.test(run.program)) ? run.renamedFrom : null;
  const archiver = tool?.kind === 'archiver' ? tool.name : renamed;
  if (!archiver && !tool) return hits;
  // Only Prefetch proves a run; Amcache and ShimCache record a program Windows saw (run or present).
  const ran = `${run.source}: ${exe} ${run.source === 'Prefetch' ? 'ran' : 'is recorded'}${runsText(run)}`;
  if (tool?.kind === 'staging-tool') hits.push({ rule: 'execution-staging-tool-ran', message: `${ran} (${tool.name})`, score: tool.score });
  else if (tool) hits.push({ rule: 'execution-archiver-ran', message: `${ran} (${tool.name})` });
  else hits.push({ rule: 'execution-renamed-archiver', message: `${ran}: a renamed ${archiver} (${run.source === 'Prefetch' ? 'it loaded the archiver\'s library' : 'its version resource says so'})` });
  if (run.pathKnown) {
    const { usual, place } = programPlace(run.program);
    if (place.kind === 'staging') hits.push({ rule: 'execution-from-staging-folder', message: `${exe} ran from ${place.label} (${run.program})` });
    else if (!usual) hits.push({ rule: 'execution-from-unusual-folder', message: `${exe} ran from outside Program Files and System32 (${run.program})` });
  }
  const staged = run.touched.filter(isStagedFile);
  if (staged.length > 0) {
    const more = staged.length > 1 ? ` and ${staged.length - 1} more` : '';
    hits.push({ rule: 'execution-touched-staged-file', message: `${exe} touched ${staged[0]}${more} in a staging location (${run.source})` });
  }
  return hits;
}

/** The names a run gives correlation: the program itself, and the files it touched outside Windows' own folders. */
export function executionNames(run: ProgramRun): NamedPath[] {
  const names: NamedPath[] = [];
  if (run.pathKnown) names.push({ path: run.program, role: 'executes' });
  for (const p of run.touched) {
    if (names.length >= MAX_NAMES_PER_RUN) break;
    if (classifyPlace(p).kind === 'staging' && !/\.(dll|exe|mui|nls|manifest|sdb)$/i.test(p)) names.push({ path: p, role: 'reads' });
  }
  return names;
}

export function executionEvents(run: ProgramRun): TimelineEvent[] {
  const exe = basenameWin(run.program);
  const n = run.runTimes.length;
  return run.runTimes.map((time, i) => ({
    time,
    type: 'executed',
    description: n > 1 ? `${run.source}: ${exe} ran (run ${n - i} of the ${n} recorded)` : `${run.source}: ${exe} ran`,
  }));
}
