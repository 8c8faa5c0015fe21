/**
 * The scan pipeline, the one place the stages are wired:
 *   evidence root -> hotspots -> walk -> inspect (fingerprint + artifact parsers + file rules)
 *   -> directory rules -> correlate -> score (rules engine) -> timeline -> report.
 * Stages pass plain data; nothing here prints.
 */
import { lstatSync, statSync } from 'node:fs';
import type { DirEntryInfo } from '../model/evidence.js';
import { checkComponents, findInsideRoot, openRoot, type EvidenceRoot } from '../evidence/root.js';
import { openEvidenceFile, readHead, type AtimeAudit } from '../evidence/reader.js';
import { hotspotsFor, loadArtifactLocations, loadBuiltinHotspots, type Hotspot } from '../hotspots/catalog.js';
import { expandRoot, HotspotIndex, type SkippedComponent } from '../hotspots/expand.js';
import { LEVELS, levelRank, type Finding, type Level } from '../model/finding.js';
import type { RootMeta, ScanError, ScanReport, TimelineRow } from '../model/report.js';
import { correlate } from '../correlate/links.js';
import { burstHits, hiddenDirHits, type DirFileFact } from '../rules/directory-rules.js';
import type { Candidate } from '../rules/types.js';
import { sortTimeline } from '../timeline/timeline.js';
import { LIMITS } from '../util/limits.js';
import { packageVersion } from '../util/package-root.js';
import { hardLinkNote, recordIssue, statFile, walkDirectories, type FsPath, type WalkFile, type WalkIssue, type WalkStats } from '../walk/walker.js';
import { inspectFile, statTimes } from './inspect.js';
import { rootLister } from '../evidence/listing.js';
import { LIVE_ROOT, scanLiveRegistry } from './live.js';
import { scoreCandidates, sortFindings, verdictFor, type ScoredFindings } from './score.js';

import { applyBaseline } from './baseline.js';
import { hashFindings, type FileIdentity, type HashOptions } from './hash.js';
import { buildEpisodes } from '../timeline/episodes.js';
import { pushAll } from '../util/arrays.js';
import { isoFromMs, isoFromDate } from '../util/filetime.js';

export type Scope = 'hotspots' | 'all';

export interface ScanOptions {
  roots: string[];
  os: 'auto' | 'windows' | 'linux' | 'macos';
  scope: Scope;
  extraHotspots?: Hotspot[];
  minLevel?: Level;
  crossMounts?: boolean;
  codepage?: string;
  /** The command line, recorded in meta for chain of custody. */
  command?: string;
  /** Options as given, recorded in meta. */
  recordedOptions?: Record<string, unknown>;
  onProgress?(p: ScanProgress): void;
  /** Injected clock for reproducible tests. */
  now?(): Date;
  /** --hash: which files behind findings to hash, how, and the size cap (default: none). */
  hash?: HashOptions;
  /** --baseline: finding ids of an earlier scan, and the file they came from. */
  baseline?: { file: string; ids: Set<string> };
  /** Also read the live Windows registry (regedit-rs) and run the registry detectors on it. */
  live?: boolean;
}

export interface ScanProgress {
  root: string;
  files: number;
  bytes: number;
  findings: number;
  /** Files the walk has seen so far (the total is unknown until the walk ends). */
  phase: 'walk' | 'correlate' | 'done';
}

interface RootState {
  root: EvidenceRoot;
  hotspots: HotspotIndex;
  candidates: Candidate[];
  issues: WalkIssue[];
  stats: WalkStats;
  filesScanned: number;
  bytesRead: number;
  sidNames: Map<string, string>;
  /** Lists a directory inside this root (for parsers that pair files). */
  listDirectory(rel: string): DirEntryInfo[] | null;
  /** Which file (device + inode) each inspected path with a candidate was: hashing reopens exactly that one. */
  identities: Map<string, FileIdentity>;
}

/** Start directories for the walk: the whole root, or the hotspot dirs without those nested in another. */
function startDirectories(scope: Scope, hotspotDirs: string[]): string[] {
  if (scope === 'all') return [''];
  const sorted = [...new Set(hotspotDirs)].sort();
  const out: string[] = [];
  for (const d of sorted) {
    const lower = d.toLowerCase();
    if (!out.some((o) => lower === o.toLowerCase() || lower.startsWith(`${o.toLowerCase()}/`))) out.push(d);
  }
  return out;
}

function isUnder(rel: string, dirs: string[]): boolean {
  const lower = rel.toLowerCase();
  return dirs.some((d) => d === '' || lower.startsWith(`${d.toLowerCase()}/`));
}

/**
 * Links and mount points on the way to a hotspot, reported like the walker's own (once per path:
 * with --scope all the walker may have met the same link).
 */
function recordSkippedComponents(state: RootState, skipped: SkippedComponent[]): void {
  const known = new Set(state.issues.filter((i) => i.op === 'skip').map((i) => `${i.code}\u0000${i.path}`));
  for (const s of skipped) {
    if (known.has(`${s.code}\u0000${s.rel}`)) continue;
    if (s.code === 'ESYMLINK') state.stats.symlinksSkipped++;
    else state.stats.otherDeviceSkipped++;
    recordIssue(state.issues, { path: s.rel, op: 'skip', code: s.code, message: s.message });
  }
}

async function inspectWalkedFile(state: RootState, file: WalkFile, siblings: DirEntryInfo[], audit: AtimeAudit, opts: ScanOptions): Promise<DirFileFact | null> {
  const hotspot = state.hotspots.lookup(file.rel);
  if (hotspot && file.stat.nlink > 1) recordIssue(state.issues, { path: file.rel, op: 'note', code: 'ENLINK', message: hardLinkNote(file.stat.nlink) });
  let opened;
  try {
    opened = openEvidenceFile(file.abs, file.rel, audit);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    recordIssue(state.issues, { path: file.rel, op: 'open', code: e.code ?? 'ERROR', message: e.message });
    return null;
  }
  try {
    const head = readHead(opened.fd, LIMITS.headBytes, opened.size);
    state.bytesRead += head.length;
    state.filesScanned++;
    const times = statTimes(file.stat);
    const inspection = await inspectFile({
      src: opened.source,
      head,
      rel: file.rel,
      name: file.name,
      size: opened.size,
      times,
      hotspot,
      os: state.root.os,
      siblings,
      listDirectory: state.listDirectory,
      codepage: opts.codepage,
    });
    for (const w of inspection.warnings) recordIssue(state.issues, { path: file.rel, op: 'parse', code: 'WARN', message: w });
    for (const run of inspection.runs) {
      const sidNames = run.result?.summary?.sidNames;
      if (sidNames && typeof sidNames === 'object') for (const [sid, name] of Object.entries(sidNames)) if (typeof name === 'string') state.sidNames.set(sid.toUpperCase(), name);
    }
    const fileKept = inspection.fileCandidate.hits.length > 0 || !!inspection.fileCandidate.names || !!inspection.fileCandidate.events;
    if (fileKept) state.candidates.push(inspection.fileCandidate);
    pushAll(state.candidates, inspection.innerCandidates);
    if (fileKept || inspection.innerCandidates.length > 0) state.identities.set(file.rel, { dev: opened.dev, ino: opened.ino });
    return { name: file.name, mtimeMs: file.stat.mtimeMs, birthMs: file.stat.birthtimeMs > 0 ? file.stat.birthtimeMs : null, classification: inspection.fingerprint.classification };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    recordIssue(state.issues, { path: file.rel, op: 'read', code: e.code ?? 'ERROR', message: e.message });
    return null;
  } finally {
    opened.close();
  }
}

function directoryCandidate(state: RootState, rel: string, abs: FsPath, facts: DirFileFact[]): Candidate | null {
  if (rel === '') return null;
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const hotspot = state.hotspots.lookup(rel);
  const burst = burstHits(facts);
  const hits = [...burst.hits, ...hiddenDirHits(rel, name, hotspot)];
  if (hits.length === 0) return null;
  const events = burst.window
    ? [{ time: isoFromMs(burst.window.start), type: 'burst-start', description: `${burst.window.count} files start arriving in ${rel}` },
       { time: isoFromMs(burst.window.end), type: 'burst-end', description: `last of ${burst.window.count} files arrives in ${rel}` }]
    : undefined;
  let times;
  try {
    times = statTimes(lstatSync(abs));
  } catch {
    times = undefined;
  }
  return { kind: 'directory', path: rel, hits, size: null, times, events, details: burst.window ? { files: facts.length, burst: { ...burst.window, start: isoFromMs(burst.window.start), end: isoFromMs(burst.window.end) } } : undefined };
}

/**
 * Lets signal handlers (Ctrl-C, SIGTERM: no partial output) and progress timers run. A scan of
 * plain files never leaves the microtask queue otherwise, so a signal would wait for the end.
 */
const YIELD_EVERY_MS = 50;
let lastYield = 0;
function yieldDue(): boolean {
  const now = Date.now();
  if (now - lastYield < YIELD_EVERY_MS) return false;
  lastYield = now;
  return true;
}
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function scanRoot(state: RootState, opts: ScanOptions, audit: AtimeAudit): Promise<void> {
  const { root } = state;
  const builtins = loadBuiltinHotspots();
  const hotspots = hotspotsFor([...builtins, ...(opts.extraHotspots ?? [])], root.os);
  const rootDev = statSync(root.abs).dev;
  // Artifacts read in every scan wherever they live (hives, histories, trash info).
  const osLocations = loadArtifactLocations().filter((l) => l.os === 'any' || root.os === 'unknown' || l.os === root.os);
  // Every component of every start path is checked here: no link, no other file system.
  const expansion = expandRoot(root.abs, hotspots, osLocations, { rootDev, crossMounts: opts.crossMounts ?? false });
  const hotspotDirs = expansion.hotspotDirs;
  state.hotspots = new HotspotIndex(hotspotDirs);
  const starts = startDirectories(opts.scope, hotspotDirs.map((h) => h.relDir));
  const startAbs = new Map<string, FsPath>(hotspotDirs.map((h) => [h.relDir, h.abs]));
  const progress = (): void => opts.onProgress?.({ root: root.given, files: state.filesScanned, bytes: state.bytesRead, findings: state.candidates.length, phase: 'walk' });

  for (const start of starts) {
    const abs: FsPath = start === '' ? root.abs : startAbs.get(start)!;
    // Checked again just before the walk: earlier starts may have taken minutes to walk.
    const changed = start === '' ? null : checkComponents(root.abs, start, { rootDev, crossMounts: opts.crossMounts ?? false, last: 'directory' });
    if (changed) {
      recordIssue(state.issues, { path: changed.rel, op: 'skip', code: changed.code, message: `${changed.message} (changed since the hotspots were expanded)` });
      continue;
    }
    for (const listing of walkDirectories(abs, start, { rootDev, crossMounts: opts.crossMounts ?? false, issues: state.issues, stats: state.stats })) {
      const facts: DirFileFact[] = [];
      for (const file of listing.files) {
        const fact = await inspectWalkedFile(state, file, listing.entries, audit, opts);
        if (fact) facts.push(fact);
        if ((state.filesScanned & 255) === 0) progress();
        if (yieldDue()) await yieldToEventLoop();
      }
      const dirCandidate = directoryCandidate(state, listing.rel, listing.abs, facts);
      if (dirCandidate) state.candidates.push(dirCandidate);
    }
  }

  for (const { rel, abs } of expansion.artifactFiles) {
    if (isUnder(rel, starts)) continue;
    const stat = statFile(abs, rel, state.issues);
    if (!stat) continue;
    const parentRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const siblings = state.listDirectory(parentRel) ?? [];
    await inspectWalkedFile(state, { abs, rel, name: rel.slice(rel.lastIndexOf('/') + 1), stat }, siblings, audit, opts);
    state.stats.files++;
  }
  recordSkippedComponents(state, expansion.skipped);
  progress();
}

/** Correlates a root's candidates, then scores them into findings and timeline rows. */
function finalize(state: RootState): ScoredFindings {
  const { root } = state;
  const windows = root.os === 'windows' || root.os === 'unknown';
  correlate(state.candidates, { windows, exists: (rel) => findInsideRoot(root.abs, rel, windows) !== null });
  return scoreCandidates(state.candidates, { root: root.given, rootLabel: root.label, hotspotOf: (p) => state.hotspots.lookup(p), sidNames: state.sidNames });
}

export async function scan(opts: ScanOptions): Promise<ScanReport> {
  const now = opts.now ?? (() => new Date());
  const startedAt = isoFromDate(now());
  const audit: AtimeAudit = { preserved: 0, mayChange: 0 };
  const roots = opts.roots.map((r) => openRoot(r, opts.os));
  const allFindings: Finding[] = [];
  const allTimeline: TimelineRow[] = [];
  const errors: ScanError[] = [];
  const rootMeta: RootMeta[] = [];
  // Hashing reopens the exact file each finding was inspected from (by device and inode).
  const inspectedFiles = new Map<string, { rootAbs: string; identities: Map<string, FileIdentity> }>();
  const fileLocator = (rootGiven: string, rel: string): { rootAbs: string; identity: FileIdentity } | null => {
    const r = inspectedFiles.get(rootGiven);
    const identity = r?.identities.get(rel);
    return r && identity ? { rootAbs: r.rootAbs, identity } : null;
  };
  for (const root of roots) {
    const state: RootState = {
      root,
      hotspots: new HotspotIndex([]),
      candidates: [],
      issues: [],
      stats: { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 },
      filesScanned: 0,
      bytesRead: 0,
      sidNames: new Map(),
      listDirectory: rootLister(root.abs, statSync(root.abs).dev, opts.crossMounts ?? false),
      identities: new Map(),
    };
    inspectedFiles.set(root.given, { rootAbs: root.abs, identities: state.identities });
    await scanRoot(state, opts, audit);
    opts.onProgress?.({ root: root.given, files: state.filesScanned, bytes: state.bytesRead, findings: state.candidates.length, phase: 'correlate' });
    const { findings, timeline } = finalize(state);
    pushAll(allFindings, findings);
    pushAll(allTimeline, timeline);
    pushAll(errors, state.issues.map((i) => ({ root: root.given, ...i })));
    rootMeta.push({
      path: root.given,
      os: root.os,
      label: root.label,
      hotspotDirectories: state.hotspots.size,
      filesScanned: state.filesScanned,
      bytesRead: state.bytesRead,
      directories: state.stats.directories,
      symlinksSkipped: state.stats.symlinksSkipped,
      specialFilesSkipped: state.stats.specialSkipped,
      otherDeviceSkipped: state.stats.otherDeviceSkipped,
    });
  }
  if (opts.live) {
    const live = await scanLiveRegistry();
    pushAll(allFindings, live.findings);
    pushAll(allTimeline, live.timeline);
    pushAll(errors, live.warnings.map((message) => ({ root: LIVE_ROOT, path: '', op: 'parse', code: 'WARN', message })));
  }
  sortFindings(allFindings);
  const baseline = opts.baseline ? applyBaseline(allFindings, opts.baseline.ids, opts.baseline.file) : undefined;
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const f of allFindings) byLevel[f.level]++;
  const minRank = levelRank(opts.minLevel ?? 'info');
  const shown = allFindings.filter((f) => levelRank(f.level) >= minRank);
  const shownIds = new Set(shown.map((f) => f.id));
  const highest = [...LEVELS].reverse().find((l) => byLevel[l] > 0) ?? null;
  const hashes = opts.hash && opts.hash.mode !== 'none' ? hashFindings(shown, fileLocator, opts.hash, audit) : undefined;
  const episodes = buildEpisodes(shown);
  errors.sort((a, b) => a.root.localeCompare(b.root) || a.path.localeCompare(b.path) || a.op.localeCompare(b.op) || a.message.localeCompare(b.message));
  return {
    meta: {
      tool: 'stagehunt',
      version: packageVersion(),
      command: opts.command ?? '',
      options: opts.recordedOptions ?? {},
      roots: rootMeta,
      startedAt,
      finishedAt: isoFromDate(now()),
      atime: {
        preservedWithNoatime: audit.preserved,
        openedWithoutNoatime: audit.mayChange,
        note:
          audit.mayChange > 0
            ? `${audit.mayChange} files were opened without O_NOATIME (not owner, no CAP_FOWNER): their access times may have changed unless the image is mounted read-only or noatime. Directory listings can update directory atimes on relatime mounts.`
            : 'Files were opened with O_NOATIME; directory listings can still update directory atimes on relatime mounts (mount evidence read-only).',
      },
      node: process.version,
      ...(hashes ? { hashes } : {}),
    },
    summary: { verdict: verdictFor(byLevel), findings: allFindings.length, shown: shown.length, byLevel, highestLevel: highest, errors: errors.length, ...(baseline ? { baseline } : {}) },
    findings: shown,
    timeline: sortTimeline(allTimeline.filter((r) => shownIds.has(r.findingId))),
    errors,
    episodes,
  };
}
