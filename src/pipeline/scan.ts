/**
 * The scan pipeline, the one place the stages are wired:
 *   evidence root -> hotspots -> walk -> inspect (fingerprint + artifact parsers + file rules)
 *   -> directory rules -> correlate -> score (rules engine) -> timeline -> report.
 * Stages pass plain data; nothing here prints.
 */
import { lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DirEntryInfo } from '../model/evidence.js';
import { findInsideRoot, openRoot, type EvidenceRoot } from '../evidence/root.js';
import { openEvidenceFile, readHead, type AtimeAudit } from '../evidence/reader.js';
import { hotspotsFor, loadArtifactLocations, loadBuiltinHotspots, type Hotspot } from '../hotspots/catalog.js';
import { expandArtifactFiles, expandHotspots, HotspotIndex } from '../hotspots/expand.js';
import { LEVELS, levelRank, type Finding, type Level } from '../model/finding.js';
import type { RootMeta, ScanError, ScanReport, TimelineRow } from '../model/report.js';
import { correlate } from '../correlate/links.js';
import { burstHits, hiddenDirHits, type DirFileFact } from '../rules/directory-rules.js';
import type { Candidate } from '../rules/types.js';
import { sortTimeline } from '../timeline/timeline.js';
import { LIMITS } from '../util/limits.js';
import { packageVersion } from '../util/package-root.js';
import { recordIssue, statFile, walkDirectories, type FsPath, type WalkFile, type WalkIssue, type WalkStats } from '../walk/walker.js';
import { inspectFile, statTimes } from './inspect.js';
import { rootLister } from '../evidence/listing.js';
import { LIVE_ROOT, scanLiveRegistry } from './live.js';
import { scoreCandidates, sortFindings, verdictFor, type ScoredFindings } from './score.js';

import { applyBaseline } from './baseline.js';
import { hashFindings, type HashOptions } from './hash.js';
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

async function inspectWalkedFile(state: RootState, file: WalkFile, siblings: DirEntryInfo[], audit: AtimeAudit, opts: ScanOptions): Promise<DirFileFact | null> {
  const hotspot = state.hotspots.lookup(file.rel);
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
    if (inspection.fileCandidate.hits.length > 0 || inspection.fileCandidate.names || inspection.fileCandidate.events) state.candidates.push(inspection.fileCandidate);
    pushAll(state.candidates, inspection.innerCandidates);
    return { name: file.name, mtimeMs: file.stat.mtimeMs, birthMs: file.stat.birthtimeMs > 0 ? file.stat.birthtimeMs : null, classification: inspection.fingerprint.classification };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    recordIssue(state.issues, { path: file.rel, op: 'read', code: e.code ?? 'ERROR', message: e.message });
    return null;
  } finally {
    opened.close();
  }
}

function directoryCandidate(state: RootState, rel: string, facts: DirFileFact[]): Candidate | null {
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
    times = statTimes(lstatSync(path.join(state.root.abs, rel)));
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
  const hotspotDirs = expandHotspots(root.abs, hotspots);
  state.hotspots = new HotspotIndex(hotspotDirs);
  const starts = startDirectories(opts.scope, hotspotDirs.map((h) => h.relDir));
  const rootDev = statSync(root.abs).dev;
  const progress = (): void => opts.onProgress?.({ root: root.given, files: state.filesScanned, bytes: state.bytesRead, findings: state.candidates.length, phase: 'walk' });

  for (const start of starts) {
    const startAbs: FsPath = start === '' ? root.abs : path.join(root.abs, start);
    for (const listing of walkDirectories(startAbs, start, { rootDev, crossMounts: opts.crossMounts ?? false, issues: state.issues, stats: state.stats })) {
      const facts: DirFileFact[] = [];
      for (const file of listing.files) {
        const fact = await inspectWalkedFile(state, file, listing.entries, audit, opts);
        if (fact) facts.push(fact);
        if ((state.filesScanned & 255) === 0) progress();
        if (yieldDue()) await yieldToEventLoop();
      }
      const dirCandidate = directoryCandidate(state, listing.rel, facts);
      if (dirCandidate) state.candidates.push(dirCandidate);
    }
  }

  // Artifacts read in every scan wherever they live (hives, histories, trash info).
  const osLocations = loadArtifactLocations().filter((l) => l.os === 'any' || root.os === 'unknown' || l.os === root.os);
  for (const rel of expandArtifactFiles(root.abs, osLocations)) {
    if (isUnder(rel, starts)) continue;
    const abs = path.join(root.abs, rel);
    const stat = statFile(abs, rel, state.issues);
    if (!stat) continue;
    const parentRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const siblings = state.listDirectory(parentRel) ?? [];
    await inspectWalkedFile(state, { abs, rel, name: rel.slice(rel.lastIndexOf('/') + 1), stat }, siblings, audit, opts);
    state.stats.files++;
  }
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
      listDirectory: rootLister(root.abs),
    };
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
  const rootAbs = new Map(roots.map((r) => [r.given, r.abs]));
  const hashes = opts.hash && opts.hash.mode !== 'none' ? hashFindings(shown, rootAbs, opts.hash, audit) : undefined;
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
