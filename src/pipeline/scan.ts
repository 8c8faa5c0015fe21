/**
 * The scan pipeline, the one place the stages are wired:
 *   evidence root -> hotspots -> walk -> inspect (fingerprint + artifact parsers + file rules)
 *   -> directory rules -> correlate -> score (rules engine) -> timeline -> report.
 * Stages pass plain data; nothing here prints.
 */
import { collectGarbageIfLarge, WORTH_COLLECTING_BEFORE_REPORT_BYTES } from '../util/collect-garbage.js';
import { flatString } from '../util/flat-string.js';
import type { SigmaRule } from '../artifacts/evtx/sigma.js';
import { CorrelationHits } from '../artifacts/evtx/sigma-correlation.js';
import { hasEvtxMagic } from '../artifacts/evtx/layout.js';
import { relDirOf, type DirEntryInfo, type ListedEntry, type OsKind } from '../model/evidence.js';
import { isImageFile, openRoot } from '../evidence/root.js';
import type { PathProblem } from '../evidence/components.js';
import { DirectoryFs } from '../evidence/directory-fs.js';
import { readSourceHead, type AtimeAudit } from '../evidence/reader.js';
import { compactListing, fsTimeMs, readEntry, type CompactListing, type EvidenceFs, type FsEntry, type OpenedSource } from '../evidence/fs.js';
import { detectFsOs } from '../evidence/os-layout.js';
import { hotspotsFor, loadArtifactLocations, loadBuiltinHotspots, type Hotspot } from '../hotspots/catalog.js';
import { expandRoot, HotspotIndex, type SkippedComponent } from '../hotspots/expand.js';
import { LEVELS, levelRank, type FileTimes, type Finding, type Level } from '../model/finding.js';
import type { RootMeta, ScanError, ScanReport, ShadowCopyMeta } from '../model/report.js';
import { correlate } from '../correlate/links.js';
import { applyAllowlist, sha256Of, type Allowlist } from '../rules/allowlist.js';
import { loadRuleCatalog } from '../rules/catalog.js';
import type { SuppressedFinding } from '../model/report.js';
import { shadowCopyIdLabel } from '../model/shadow-copy.js';
import { SCHEMA_VERSION, type CaseInfo } from '../model/report.js'; // reports: schema version, case header
import { normalizeNamedPath } from '../correlate/paths.js';
import { userName } from '../timeline/evidence.js';
import { burstHits, DirFacts, hiddenDirHits, type DirFileFact } from '../rules/directory-rules.js';
import type { Candidate } from '../rules/types.js';
import { FindingsTimeline } from '../timeline/timeline.js';
import { LIMITS } from '../util/limits.js';
import { packageVersion } from '../util/package-root.js';
import { hardLinkNote, recordIssue, walkDirectories, type DirListing, type WalkFile, type WalkIssue, type WalkStats } from '../walk/walker.js';
import { entryTimes, inspectFileMaybeSync, keepsFileCandidate, settledTimes, type Inspection, type MaybePromise } from './inspect.js';
import { fsLister, fsOpener } from '../evidence/listing.js';
import { LIVE_ROOT, scanLiveRegistry } from './live.js';
import { scoreCandidates, sortFindings, verdictFor, type ScoredFindings } from './score.js';

import { applyBaseline } from './baseline.js';
import { distinctLabels, hostIdLabel, labelWithHost } from './hosts.js';
import { findingsInWindow, rowInWindow, type TimeWindow } from './window.js';
import { hashFindings, type FileLocator, type HashOptions } from './hash.js';
import type { HashSettings } from '../evidence/hash-source.js';
import { dropStandbys } from '../evidence/ahead-worker.js';
import { readAheadAfterFiles } from '../evidence/read-ahead.js';
import { buildEpisodes } from '../timeline/episodes.js';
import { imageEntryTimes, openImageRoots, type ImageRoots } from './scan-image.js';
import { LiveEvidence, markCopyFindings, type LiveFileLife } from './shadow-copies.js';
import { pushAll } from '../util/arrays.js';
import { EventLoopTurns, TURN_EVERY_MS, yieldToEventLoop } from '../util/event-loop.js';
import { IsolatedParseError, Isolator, needsIsolation, type IsolatedResult, type IsolationLimits } from './isolate.js';
import { cachedLister } from './listing-cache.js';
import { InspectPool, OrderedBatches, type PoolFile } from './pool.js';
import { InOrder } from './in-order.js';
import { inspectPoolBatch } from './pool-inspect.js';
import { isoFromMs, isoFromDate } from '../util/filetime.js';
import { CollectedNtfsFiles, collectedNtfsTraces, imageNtfsTraces, ntfsHotspots, parsersLeftToTraces, type TraceStageResult } from './ntfs-traces.js';
import { carveFreeSpace } from './carve.js';
import { compareCodeUnits, compareText, sortExactly } from '../util/compare.js';
import { ownedCopy } from '../util/slab-bytes.js';
import { memberWarning, type YaraMatched, type YaraScanner } from '../rules/yara/scanner.js';
import type { SystemFacts } from '../model/system.js';
import { giveLocalTimesTheZone, settleZoneYears, withSystemFacts } from './system-facts.js';
import { unixSystemFacts } from '../evidence/unix-facts.js';
import { lendEventLogTemplates, noteEventLog, type LendingLog, type RootEventLogs } from './evtx-lending.js';
import type { EvtxLogNote } from '../artifacts/evtx/record.js';

export type Scope = 'hotspots' | 'all';

export interface ScanOptions {
  roots: string[];
  os: 'auto' | 'windows' | 'linux' | 'macos';
  scope: Scope;
  extraHotspots?: Hotspot[];
  minLevel?: Level;
  /** Low/info findings kept per rule and directory before the rest are folded into a summary finding (pipeline/score.ts); absent: keep all. */
  foldLowAfter?: number;
  crossMounts?: boolean;
  codepage?: string;
  /** Apply a dirty hive's transaction logs (src/artifacts/regf/logs.ts); false: hives as found. Default true. */
  hiveLogs?: boolean;
  /** Scan the shadow copies of a disk image's NTFS volumes as roots of their own (pipeline/shadow-copies.ts). Default true. */
  shadowCopies?: boolean;
  /** --carve: look for archives in the free space of each file system of a disk image (artifacts/carve/carve.ts). Default false. */
  carve?: boolean;
  /** Sigma rules for event logs (the CLI loads stagehunt's own plus --sigma directories). */
  sigma?: readonly SigmaRule[];
  /** --evtx-templates: logs outside the roots that lend templates to the logs of their channel (pipeline/evtx-lending.ts). */
  evtxTemplates?: readonly LendingLog[];
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
  /**
   * Isolated parsing of heavy artifacts (src/pipeline/isolate.ts): on by default where the compiled
   * worker exists; tests lower the limits, `false` inspects everything in-process.
   */
  isolation?: Partial<IsolationLimits> | false;
  /** --exclude / --allowlist: suppressions applied after correlation, before scoring. */
  allowlist?: Allowlist;
  /** --case / --examiner, recorded in meta for the report header. */
  caseInfo?: CaseInfo;
  /** Console (issue 16): --host NAME / ROOT=NAME labels by root as given; part of the finding ids of that root. */
  hosts?: ReadonlyMap<string, string>;
  /** Console (issue 16): --from / --to, findings and timeline limited to this window (ms since the epoch, inclusive). */
  window?: TimeWindow;
  /** --jobs: threads inspecting walked files of directory roots, this one and jobs - 1 workers (src/pipeline/pool.ts); 1 or absent: this one alone. */
  jobs?: number;
  /** The walk's work ahead on another thread: a directory root's files opened and their heads read (src/evidence/read-ahead.ts), an EWF image's chunks inflated (src/evidence/image/container/block-fetch.ts); false: all on this one. Default true. */
  readAhead?: boolean;
  /** Heap of each pool worker in MB (default LIMITS.poolHeapMb; tests lower it). */
  poolHeapMb?: number;
  /** --yara: the user's YARA rules, compiled, applied to every file the walk inspects (docs/yara.md); the caller closes it. */
  yara?: YaraScanner;
}

/**
 * An image volume's part in shadow copies: a live volume whose copies follow (its findings are
 * remembered), or a copy (what it is, the live volume it is a past state of, and whether a file of
 * it is still there: null when the live file system cannot tell).
 */
type ShadowRole = { copiesFollow: true } | { copy: Omit<ShadowCopyMeta, 'findingsAsLive'>; lifeOf: LiveFileLife | null };

export interface ScanProgress {
  root: string;
  files: number;
  bytes: number;
  findings: number;
  /** Files the walk has seen so far (the total is unknown until the walk ends). */
  phase: 'walk' | 'carve' | 'correlate' | 'done';
  /** In the 'carve' phase (--carve): bytes of the volume's free space read, of its total. */
  carve?: { read: number; total: number };
}

/**
 * What differs between a mounted directory and a file system inside a disk image; everything else
 * is the one per-root pipeline (scanRoot, finalize).
 */
interface RootKind {
  /** An entry's times as findings show them (a directory: lstat's milliseconds; an image: the file system's own 100 ns digits). */
  times(entry: FsEntry): FileTimes;
  /** A start directory checked again just before its walk (a mounted directory can change during a long scan); null when it may be walked. */
  recheckStart(relDir: string): PathProblem | null;
  /** What the isolated worker needs to list this root's directories; null: files are inspected on this thread (an image's have no descriptor to pass). */
  isolation: { rootAbs: string; rootDev: number } | null;
  /** The NTFS traces of the root: a collection's `$MFT` / `$J` files, or an NTFS volume's own. */
  ntfsTraces(state: RootState, opts: ScanOptions): Promise<TraceStageResult>;
  /** --carve: archives in the root's free space (an image's file system), given what the trace stage found; absent: nothing to carve. */
  carve?(state: RootState, opts: ScanOptions, traced: readonly Candidate[]): Promise<TraceStageResult>;
  /** Findings carry the id of the entry behind them (an image file system: inode, MFT reference; a directory's inode numbers differ between two copies). */
  fileIds: boolean;
  /** The file system's own warnings (damaged structures) are reported as the root's errors (a directory's are the walker's listing errors already). */
  reportFsWarnings: boolean;
  /** Parsers a walked file is not given because the NTFS trace stage reads it already; undefined for most files. */
  skipParsers(fs: EvidenceFs, relPath: string): ReadonlySet<string> | undefined;
  /** The files `skipParsers` names, where they are known before the walk (a directory root's collected NTFS files): the `--jobs` workers defer them. */
  leftToTraces?(): string[];
}

interface RootState {
  /** The root as findings name it: the directory as given, or an image's file system (`case.E01#p2`). */
  given: string;
  /** The root's label (meta.roots, a finding's `root`). */
  label: string;
  /**
   * The label in its stable finding ids: the label, but for a shadow copy its store's identifier
   * instead of its number (a copy made or deleted later renumbers the others; their ids, and so
   * a --baseline, must not move).
   */
  idLabel: string;
  /** The --host key: the directory or image as given on the command line. */
  hostKey: string;
  /** A shadow copy of an image's volume, scanned as a root of its own. */
  shadowCopy: boolean;
  os: OsKind;
  kind: RootKind;
  /** The root read through the one evidence interface: expansion, walk, reads. */
  fs: EvidenceFs;
  hotspots: HotspotIndex;
  candidates: Candidate[];
  issues: WalkIssue[];
  stats: WalkStats;
  filesScanned: number;
  bytesRead: number;
  sidNames: Map<string, string>;
  /** What the root says of the machine: its own SYSTEM and SOFTWARE hives, or a Linux root's etc (pipeline/system-facts.ts). */
  system: SystemFacts | null;
  /** Lists a directory inside this root (for parsers that pair files). */
  listDirectory(relDir: string): ListedEntry[] | null;
  /** Opens a file of this root by its path (for parsers that read a file's siblings: a hive's logs). */
  openFile(relPath: string): OpenedSource | null;
  /** The entry each inspected path with a candidate was read from: hashing reopens exactly that one. */
  inspectedEntries: Map<string, FsEntry>;
  /** Whether inspectedEntries is filled: not for a directory root that nothing reopens (no hashing, no allowlist: each entry is about 0.6 KB). */
  keepEntries: boolean;
  /** Runs heavy parsers in a worker (null when the compiled worker is not available). */
  isolator: Isolator | null;
  /** --jobs: inspects walked files in worker threads (null: on this thread; image roots: always). */
  pool: InspectPool | null;
  /** What was inspected already (walked, artifact locations or followed names). */
  inspected: InspectedFiles;
  /** The matches of the rules Sigma correlations read, from every event log of the root (null: no correlation loaded). */
  sigmaHits: CorrelationHits | null;
  /** The root's event logs by channel, for those whose slack templates are overwritten to borrow their siblings' (pipeline/evtx-lending.ts). */
  eventLogs: RootEventLogs;
}

/**
 * The files already inspected, by lower-cased path, without keeping a path per walked file (that
 * set grew with every file of the root): a directory the walk listed in full stands for all its
 * regular files; only files inspected otherwise (artifact locations, followed names, files of a
 * listing the walk read in part) are kept one by one.
 */
class InspectedFiles {
  private readonly walkedDirs = new Set<string>();
  private readonly files = new Set<string>();

  addListing(listing: DirListing): void {
    if (!listing.partial) this.walkedDirs.add(listing.relDir.toLowerCase());
    else for (const f of listing.files) this.files.add(f.relPath.toLowerCase());
  }

  addFile(relPath: string): void {
    this.files.add(relPath.toLowerCase());
  }

  /** `lowerRel`: a lower-cased relPath. */
  has(lowerRel: string): boolean {
    return this.files.has(lowerRel) || this.walkedDirs.has(relDirOf(lowerRel));
  }
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

function isUnder(relPath: string, dirs: string[]): boolean {
  const lower = relPath.toLowerCase();
  return dirs.some((d) => d === '' || lower.startsWith(`${d.toLowerCase()}/`));
}

/**
 * Links and mount points on the way to a hotspot, reported like the walker's own (once per path:
 * with --scope all the walker may have met the same link).
 */
function recordSkippedComponents(state: RootState, skipped: SkippedComponent[]): void {
  const known = new Set(state.issues.filter((i) => i.op === 'skip').map((i) => `${i.code}\u0000${i.path}`));
  for (const s of skipped) {
    if (known.has(`${s.code}\u0000${s.relPath}`)) continue;
    if (s.code === 'ESYMLINK') state.stats.symlinksSkipped++;
    else state.stats.otherDeviceSkipped++;
    recordIssue(state.issues, { path: s.relPath, op: 'skip', code: s.code, message: s.message });
  }
}

/** What the scan keeps of an inspection made on this thread (the shape the isolated worker returns). */
function keptHere(inspection: Inspection): IsolatedResult {
  return { warnings: inspection.warnings, sidNames: inspection.sidNames, ...(inspection.system ? { system: inspection.system } : {}), ...(inspection.evtxLog ? { evtxLog: inspection.evtxLog } : {}), fileCandidate: inspection.fileCandidate, innerCandidates: inspection.innerCandidates, classification: inspection.fingerprint.classification };
}

/** Before a walked file is inspected: its hotspot, the notes to record for it, and the file opened (null: why not is in `issues`). */
function openWalkedFile(state: RootState, file: WalkFile): { hotspot: Hotspot | null; issues: readonly WalkIssue[]; opened: OpenedSource | null } {
  const { entry, relPath } = file;
  const hotspot = state.hotspots.lookupFile(relPath);
  try {
    const opened = state.fs.open(entry);
    // After the open: a walked file's numbers (its links among them) come from the open's fstat (evidence/fs.ts ListOptions).
    const issues: readonly WalkIssue[] = hotspot && (entry.links ?? 1) > 1 ? [{ path: relPath, op: 'note', code: 'ENLINK', message: hardLinkNote(entry.links!) }] : NO_ISSUES;
    return { hotspot, issues, opened };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { hotspot, issues: [{ path: relPath, op: 'open', code: e.code ?? 'ERROR', message: e.message }], opened: null };
  }
}

/** Most walked files have no notes: they share this list. */
const NO_ISSUES: readonly WalkIssue[] = Object.freeze([]);

/** `keep`, recording `issues` first (none: `keep` itself, no closure made). */
function withIssues(state: RootState, issues: readonly WalkIssue[], keep: Keep): Keep {
  if (issues.length === 0) return keep;
  return () => {
    for (const issue of issues) recordIssue(state.issues, issue);
    return keep();
  };
}

const keepNothing: Keep = () => null;

/**
 * What an inspection gives, kept (recorded in the scan's state: issues, candidates, SID names)
 * when called, so that a walk can keep results in walk order while some are still out.
 */
type Keep = () => DirFileFact | null;

/** A file in the isolated worker: its Keep once the worker answers (never rejects). */
class OffThread {
  constructor(readonly keep: Promise<Keep>) {}
}

type Inspected = Keep | Promise<Keep> | OffThread;

/** An inspection kept as soon as it is in (for files inspected outside the walk's order). */
function keptNow(got: Inspected): MaybePromise<DirFileFact | null> {
  if (got instanceof OffThread) return got.keep.then((keep) => keep());
  return got instanceof Promise ? got.then((keep) => keep()) : got();
}

/**
 * Inspects one walked file; heavy artifacts go to the isolated worker (src/pipeline/isolate.ts).
 * `siblingsKey` names the directory listing `siblings` comes from (the worker keeps the last one).
 * The common file is settled without a promise (inspect.ts inspectFileMaybeSync); a file in the
 * isolated worker is an OffThread, which the walk keeps in order while it goes on (in-order.ts).
 */
function inspectWalkedFile(state: RootState, file: WalkFile, siblings: DirEntryInfo[], siblingsKey: string, opts: ScanOptions): Inspected {
  const { hotspot, issues, opened } = openWalkedFile(state, file);
  if (!opened) return withIssues(state, issues, keepNothing);
  let got: Inspected;
  try {
    got = inspectOpenedFile(state, file, opened, hotspot, siblings, siblingsKey, opts, false);
  } catch (err) {
    opened.close();
    throw err;
  }
  if (got instanceof OffThread || got instanceof Promise) return closedWhenSettled(state, issues, opened, got);
  opened.close();
  return withIssues(state, issues, got);
}

/**
 * A walked file whose inspection settles later: closed then (a file handed over to hash,
 * handOverKept, is not closed by it), its notes recorded with its Keep. Apart from
 * inspectWalkedFile, so that its common call makes no closures and no context.
 */
function closedWhenSettled(state: RootState, issues: readonly WalkIssue[], opened: OpenedSource, got: OffThread | Promise<Keep>): Inspected {
  const close = (): void => opened.close();
  const withNotes = (keep: Keep): Keep => withIssues(state, issues, keep);
  if (got instanceof OffThread) return new OffThread(got.keep.finally(close).then(withNotes));
  return got.finally(close).then(withNotes);
}

/** Inspects an opened walked file here or in the isolated worker (always there when `isolate`: the pool lost it); a promise only when the file needed one. */
function inspectOpenedFile(state: RootState, file: WalkFile, opened: OpenedSource, hotspot: Hotspot | null, siblings: DirEntryInfo[], siblingsKey: string, opts: ScanOptions, isolate: boolean, yaraSaid?: YaraMatched | null): Inspected {
  // The Keeps are made by the functions below: no closure names `opened` but handingOver's (one
  // that did held every file's source, with its head and last read, as long as any closure of its
  // call lived: the findings-heavy tree's peak RSS 15 MB higher), and a file settled here makes
  // one closure, not three and a context.
  const { relPath } = file;
  try {
    const head = readSourceHead(opened, LIMITS.headBytes);
    state.bytesRead += head.length;
    state.filesScanned++;
    // --yara: the file goes to the rules' workers (rules/yara/scanner.ts), which read it when one is
    // free; their hits join the file's own candidate when they answer (the file stays open until then).
    const yara: YaraMatched | Promise<YaraMatched | null> | null = yaraSaid !== undefined ? yaraSaid : opts.yara ? yaraOutcome(state, opts.yara, opened, file) : null;
    const times = state.kind.times(file.entry);
    // Sigma rules carry compiled matchers, which cannot cross to the worker: event logs stay here when rules are loaded.
    const sigmaHere = !!opts.sigma?.length && hasEvtxMagic(head);
    const isolation = state.kind.isolation;
    if (state.isolator && isolation && opened.fd !== undefined && !sigmaHere && (isolate || needsIsolation(file.name, opened.size, head))) {
      const plainTimes = { modified: times.modified, accessed: times.accessed, changed: times.changed, born: times.born };
      return new OffThread(
        state.isolator
          .inspect(
            { fd: opened.fd, size: opened.size, relPath, name: file.name, head: ownedCopy(head), times: plainTimes, hotspot, os: state.os, rootAbs: isolation.rootAbs, rootDev: isolation.rootDev, crossMounts: opts.crossMounts ?? false, siblingsKey, codepage: opts.codepage, openSiblings: opts.hiveLogs !== false, ...skippedParsers(state.kind.skipParsers(state.fs, relPath)) },
            siblings,
          )
          .then(withYara(yara))
          .then(handingOver(state, opened, file), failedKeeper(state, relPath)),
      );
    }
    const inspection = inspectFileMaybeSync({
      src: opened,
      head,
      relPath,
      name: file.name,
      size: opened.size,
      times,
      hotspot,
      os: state.os,
      siblings,
      listDirectory: state.listDirectory,
      openFile: opts.hiveLogs === false ? undefined : state.openFile,
      codepage: opts.codepage,
      sigma: opts.sigma,
      sigmaHits: state.sigmaHits ?? undefined,
      skipParsers: state.kind.skipParsers(state.fs, relPath),
    });
    if (inspection instanceof Promise) {
      const settled = inspection.then(keptHere).then(withYara(yara)).then(handingOver(state, opened, file), failedKeeper(state, relPath));
      // The rules answer later: the walk goes on meanwhile and keeps the file in walk order, so that every YARA worker has files (an archive's members take one worker a while).
      return yara instanceof Promise ? new OffThread(settled) : settled;
    }
    // Settled here, but the rules answer later: kept in walk order when they have (as a file in the isolated worker is).
    if (yara instanceof Promise) return new OffThread(Promise.resolve(keptHere(inspection)).then(withYara(yara)).then(handingOver(state, opened, file), failedKeeper(state, relPath)));
    const result = keptHere(inspection);
    if (yara) addYaraHits(result.fileCandidate, yara);
    handOverKept(state, opened, result);
    return keepOf(state, file, result);
  } catch (err) {
    return failedKeep(state, relPath, err);
  }
}

/** The rules' outcome on an opened file, when they answer; a timeout or a failed read is recorded as the file's error. Null when the rules had nothing to say. */
function yaraOutcome(state: RootState, yara: YaraScanner, opened: OpenedSource, file: WalkFile): Promise<YaraMatched | null> | null {
  const asked = yara.scan(opened, file.relPath, file.name, state.os);
  if (!asked) return null;
  return asked.then((outcome) => {
    if (outcome.k === 'timed-out') recordIssue(state.issues, { path: file.relPath, op: 'parse', code: 'ETIMEDOUT', message: outcome.message });
    else if (outcome.k === 'error') recordIssue(state.issues, { path: file.relPath, op: 'parse', code: 'EYARA', message: outcome.message });
    else if (outcome.k === 'matched' && outcome.cut) recordIssue(state.issues, { path: file.relPath, op: 'parse', code: 'WARN', message: 'YARA: more rules matched than are reported (the first 100 are)' });
    const members = outcome.k === 'matched' || outcome.k === 'clean' ? outcome.members && memberWarning(outcome.members) : null;
    if (members) recordIssue(state.issues, { path: file.relPath, op: 'parse', code: 'WARN', message: members });
    return outcome.k === 'matched' ? outcome : outcome.k === 'timed-out' ? (outcome.matched ?? null) : null;
  });
}

/** An inspection's result with the rules' hits added once they answer (as it is without rules). */
function withYara(yara: YaraMatched | Promise<YaraMatched | null> | null): (result: IsolatedResult) => IsolatedResult | Promise<IsolatedResult> {
  const added = (result: IsolatedResult, matched: YaraMatched | null): IsolatedResult => {
    if (matched) addYaraHits(result.fileCandidate, matched);
    return result;
  };
  if (!(yara instanceof Promise)) return (result) => added(result, yara);
  return (result) => yara.then((matched) => added(result, matched));
}

/** Adds the YARA rules' hits (and `details.yara`) to a file's own candidate, which the scan then keeps. */
function addYaraHits(fc: Candidate, yara: YaraMatched): void {
  fc.hits = [...fc.hits, ...yara.hits];
  fc.details = { ...(fc.details ?? {}), yara: yara.details };
}

/** What the scan keeps of an inspection's result, when the walk's order comes to it. */
function keepOf(state: RootState, file: WalkFile, inspection: IsolatedResult): Keep {
  return () => {
    const fc = inspection.fileCandidate;
    const kept = keepsFileCandidate(fc) ? fc : null;
    return keepInspection(state, file, { warnings: inspection.warnings, sidNames: inspection.sidNames, system: inspection.system, evtxLog: inspection.evtxLog, kept, inner: inspection.innerCandidates, classification: inspection.classification });
  };
}

/** failedKeep as a promise's rejection handler (made outside inspectOpenedFile, which then has no closure and no context of its own). */
function failedKeeper(state: RootState, relPath: string): (err: unknown) => Keep {
  return (err) => failedKeep(state, relPath, err);
}

/** An inspection that failed: its error recorded when the walk's order comes to it. */
function failedKeep(state: RootState, relPath: string, err: unknown): Keep {
  return () => {
    recordInspectionError(state, relPath, err);
    return null;
  };
}

/**
 * With --hash, a file whose inspection has candidates goes, still open, to the read-ahead worker,
 * which hashes it during the walk (evidence/read-ahead.ts); the walk's close of it then does
 * nothing. Any other file behind a finding is reopened after the walk (pipeline/hash.ts).
 */
function handOverKept(state: RootState, opened: OpenedSource, result: IsolatedResult): void {
  if (state.keepEntries && (result.innerCandidates.length > 0 || keepsFileCandidate(result.fileCandidate))) opened.hashAhead?.();
}

/** The Keep of an inspection that settles later, handing its file over first (handOverKept); a closure of its own, which alone holds `opened`. */
function handingOver(state: RootState, opened: OpenedSource, file: WalkFile): (result: IsolatedResult) => Keep {
  return (result) => {
    handOverKept(state, opened, result);
    return keepOf(state, file, result);
  };
}

/** What the scan keeps of an inspected file, wherever it was inspected; returns the file's fact for the directory rules. */
function keepInspection(state: RootState, file: WalkFile, got: { warnings: readonly string[]; sidNames: Readonly<Record<string, string>>; system?: SystemFacts; evtxLog?: EvtxLogNote; kept: Candidate | null; inner: readonly Candidate[]; classification: string }): DirFileFact {
  const { entry, relPath } = file;
  for (const w of got.warnings) recordIssue(state.issues, { path: relPath, op: 'parse', code: 'WARN', message: w });
  // for-in, not Object.entries: almost every file has none, and an entries array per file was garbage.
  for (const sid in got.sidNames) state.sidNames.set(sid.toUpperCase(), got.sidNames[sid]!);
  if (got.system) state.system = withSystemFacts(state.system, relPath, got.system);
  if (got.evtxLog) noteEventLog(state.eventLogs, relPath, got.evtxLog);
  if (got.kept) state.candidates.push(settled(got.kept));
  for (const c of got.inner) state.candidates.push(settled(c));
  if ((got.kept || got.inner.length > 0) && state.keepEntries) state.inspectedEntries.set(relPath, state.fs.forReopen?.(entry) ?? entry);
  const born = fsTimeMs(entry.times.crtime);
  return { name: file.name, mtimeMs: fsTimeMs(entry.times.mtime), birthMs: born > 0 ? born : null, classification: got.classification };
}

/**
 * A candidate as the scan holds it until scoring: plain times (inspect.ts settledTimes), its
 * reasons' messages and its events' texts as flat strings (util/flat-string.ts: a concatenated
 * string is held as the tree of its parts, about twice the bytes).
 */
function settled(c: Candidate): Candidate {
  if (c.times) c.times = settledTimes(c.times);
  // In place: the same values (a hit or event shared by two candidates stays shared).
  for (const h of c.hits) h.message = flatString(h.message);
  if (c.events) {
    for (const e of c.events) {
      e.time = flatString(e.time);
      e.description = flatString(e.description);
    }
  }
  return c;
}

function recordInspectionError(state: RootState, relPath: string, err: unknown): void {
  if (err instanceof IsolatedParseError) {
    // Out of memory or time in the worker: this artifact gets an error entry, the scan goes on.
    recordIssue(state.issues, { path: relPath, op: 'parse', code: err.code, message: err.message });
    return;
  }
  const e = err as NodeJS.ErrnoException;
  recordIssue(state.issues, { path: relPath, op: 'read', code: e.code ?? 'ERROR', message: e.message });
}

/**
 * One listing through the inspection pool (--jobs, src/pipeline/pool.ts): files are opened here in
 * walk order and inspected in a worker; what comes back is kept in walk order, as inspectWalkedFile
 * keeps it, and the directory's own candidate follows its files.
 */
async function poolListing(state: RootState, listing: DirListing, batches: OrderedBatches, hotspotIds: Map<Hotspot, number>, opts: ScanOptions, progress: () => void): Promise<void> {
  const facts = new DirFacts();
  const siblingsKey = `walk:${listing.relDir}`;
  for (let from = 0; from < listing.files.length; from += LIMITS.poolBatchFiles) {
    const chunk = listing.files.slice(from, from + LIMITS.poolBatchFiles).map((file) => ({ file, ...openWalkedFile(state, file) }));
    const sent = chunk.filter((c) => c.opened);
    const requests: PoolFile[] = sent.map(({ file, opened, hotspot }) => ({ fd: opened!.fd!, size: opened!.size, relPath: file.relPath, name: file.name, times: file.entry.times, hotspot: hotspot ? hotspotIds.get(hotspot)! : -1 }));
    await batches.add(siblingsKey, listing.entries, requests, async (outcome) => {
      let at = 0;
      for (const { file, hotspot, issues, opened } of chunk) {
        for (const issue of issues) recordIssue(state.issues, issue);
        if (!opened) continue;
        const got = 'results' in outcome ? outcome.results[at++] : undefined;
        try {
          let fact: DirFileFact | null = null;
          // --yara: the rules read the file here, while the pool inspected it; a file they alone flag is inspected again here for its own candidate.
          const yara = got?.k === 'done' && opts.yara ? await yaraOutcome(state, opts.yara, opened, file) : null;
          if (got?.k === 'done' && yara && !got.file) {
            fact = await keptNow(inspectOpenedFile(state, file, opened, hotspot, listing.entries, siblingsKey, opts, false, yara));
          } else if (got?.k === 'done') {
            if (yara && got.file) addYaraHits(got.file, yara);
            state.bytesRead += got.head;
            state.filesScanned++;
            fact = keepInspection(state, file, { warnings: got.warnings ?? [], sidNames: got.sidNames ?? {}, system: got.system, evtxLog: got.evtxLog, kept: got.file ?? null, inner: got.inner ?? [], classification: got.cls });
          } else if (got?.k === 'error') {
            if (got.head !== undefined) {
              state.bytesRead += got.head;
              state.filesScanned++;
            }
            recordIssue(state.issues, { path: file.relPath, op: 'read', code: got.code, message: got.message });
          } else if (got?.k === 'defer' || state.isolator) {
            // Deferred (heavy artifact, event log with Sigma rules), or lost with a dead worker: inspected the usual way, a lost one isolated.
            fact = await keptNow(inspectOpenedFile(state, file, opened, hotspot, listing.entries, siblingsKey, opts, got === undefined));
          } else {
            recordIssue(state.issues, { path: file.relPath, op: 'parse', code: 'EWORKER', message: 'error' in outcome ? outcome.error.message : 'no result from the inspection worker' });
          }
          if (fact) facts.add(fact);
        } finally {
          opened.close();
        }
        if ((state.filesScanned & 255) === 0) progress();
      }
    });
  }
  await batches.add(siblingsKey, listing.entries, [], () => {
    const dirCandidate = directoryCandidate(state, listing.relDir, listing.dir, facts);
    if (dirCandidate) state.candidates.push(dirCandidate);
  });
}

function directoryCandidate(state: RootState, relDir: string, dir: FsEntry, facts: DirFacts): Candidate | null {
  if (relDir === '') return null;
  const name = relDir.slice(relDir.lastIndexOf('/') + 1);
  const hotspot = state.hotspots.lookup(relDir);
  const burst = burstHits(facts, hotspot);
  const hits = [...burst.hits, ...hiddenDirHits(relDir, name, hotspot)];
  if (hits.length === 0) return null;
  const events = burst.window
    ? [{ time: isoFromMs(burst.window.start), type: 'burst-start', description: `${burst.window.count} files start arriving in ${relDir}` },
       { time: isoFromMs(burst.window.end), type: 'burst-end', description: `last of ${burst.window.count} files arrives in ${relDir}` }]
    : undefined;
  if (state.kind.fileIds) state.inspectedEntries.set(relDir, dir);
  return { kind: 'directory', path: relDir, hits, size: null, times: settledTimes(state.kind.times(dir)), events, details: burst.window ? { files: facts.length, burst: { ...burst.window, start: isoFromMs(burst.window.start), end: isoFromMs(burst.window.end) } } : undefined };
}

/**
 * Lets signal handlers (Ctrl-C, SIGTERM: no partial output) and progress timers run. A scan of
 * plain files never leaves the microtask queue otherwise, so a signal would wait for the end.
 */
const walkTurns = new EventLoopTurns(TURN_EVERY_MS);
/** While the isolated worker has files: its answer waits for this thread's next turn of the event loop, and its next file with it. */
const YIELD_WHILE_ISOLATED_MS = 1;

/** A directory root's place in the pool (its workers list its directories by descriptor, as the isolated worker does). */
function poolForRoot(state: RootState, pool: InspectPool, isolation: { rootAbs: string; rootDev: number }, hotspots: Hotspot[], opts: ScanOptions): { batches: OrderedBatches; hotspotIds: Map<Hotspot, number> } {
  const distinct = [...new Set(hotspots)];
  const facts = { rootAbs: isolation.rootAbs, rootDev: isolation.rootDev, crossMounts: opts.crossMounts ?? false, os: state.os, codepage: opts.codepage, sigmaHere: !!opts.sigma?.length, hotspots: distinct, leftToTraces: state.kind.leftToTraces?.() ?? [] };
  const root = pool.addRoot(facts);
  // This thread inspects a batch itself when the workers have their share (pool.ts OrderedBatches).
  const here = { facts, listDirectory: state.listDirectory };
  const local = (groups: Array<{ siblings: DirEntryInfo[]; files: PoolFile[] }>): ReturnType<typeof inspectPoolBatch> => inspectPoolBatch(here, groups, (index) => groups[index]!.siblings);
  return { batches: new OrderedBatches(pool, root, local), hotspotIds: new Map(distinct.map((h, i) => [h, i])) };
}

/** One root, a mounted directory or an image's file system: hotspots, walk, inspection, directory rules, followed names, NTFS traces. */
async function scanRoot(state: RootState, opts: ScanOptions): Promise<void> {
  const { os } = state;
  const builtins = loadBuiltinHotspots();
  const hotspots = hotspotsFor([...builtins, ...(opts.extraHotspots ?? [])], os);
  // Artifacts read in every scan wherever they live (hives, histories, trash info).
  const osLocations = loadArtifactLocations().filter((l) => l.os === 'any' || os === 'unknown' || l.os === os);
  // Every component of every start path is checked here: no link, no other file system.
  const expansion = expandRoot(state.fs, hotspots, osLocations, { crossMounts: opts.crossMounts ?? false });
  const hotspotDirs = expansion.hotspotDirs;
  state.hotspots = new HotspotIndex(hotspotDirs);
  const starts = startDirectories(opts.scope, hotspotDirs.map((h) => h.relDir));
  const startEntries = new Map<string, FsEntry>(hotspotDirs.map((h) => [h.relDir, h.entry]));
  const progress = (): void => opts.onProgress?.({ root: state.given, files: state.filesScanned, bytes: state.bytesRead, findings: state.candidates.length, phase: 'walk' });
  // --jobs: the walk's files are inspected by the pool (artifact locations and followed names stay here).
  const isolation = state.kind.isolation;
  const pooled = state.pool && isolation ? poolForRoot(state, state.pool, isolation, hotspotDirs.map((h) => h.hotspot), opts) : null;

  const inOrder = new InOrder(LIMITS.isolatedAhead, LIMITS.keptAhead);
  // Work ahead on the other core (heads of a directory's files, an EWF image's chunks) once the walk is large enough to pay for the thread (not with --jobs: the pool reads its own).
  let readAheadDue = !pooled && state.fs.startReadAhead !== undefined && opts.readAhead !== false;
  // A directory's read-ahead worker may be running already, on standby: then it takes over after a few files.
  const readAheadAfter = state.fs instanceof DirectoryFs ? readAheadAfterFiles() : LIMITS.readAheadAfterFiles;
  for (const start of starts) {
    const startEntry = start === '' ? state.fs.root() : startEntries.get(start)!;
    // Checked again just before the walk: earlier starts may have taken minutes to walk.
    const changed = start === '' ? null : state.kind.recheckStart(start);
    if (changed) {
      recordIssue(state.issues, { path: changed.relPath, op: 'skip', code: changed.code, message: `${changed.message} (changed since the hotspots were expanded)` });
      continue;
    }
    for (const listing of walkDirectories(state.fs, startEntry, start, { crossMounts: opts.crossMounts ?? false, issues: state.issues, stats: state.stats })) {
      if (pooled) {
        // Workers starting (the first listing, or a replacement): nothing allocated until they are online (util/young-generation.ts).
        const starting = state.pool?.starting;
        if (starting) await starting;
        await poolListing(state, listing, pooled.batches, pooled.hotspotIds, opts, progress);
        state.inspected.addListing(listing);
        continue;
      }
      const facts = new DirFacts();
      const keepFact = (keep: Keep): void => {
        const fact = keep();
        if (fact) facts.add(fact);
      };
      for (const file of listing.files) {
        const got = inspectWalkedFile(state, file, listing.entries, `walk:${listing.relDir}`, opts);
        let wait: Promise<void> | undefined;
        // A file in the isolated worker does not hold up the walk: the files after it are inspected meanwhile and kept after it.
        if (got instanceof OffThread) {
          wait = inOrder.later(got.keep, keepFact);
          // A worker starting: nothing allocated until it is online, so this thread's young generation stays held.
          if (state.isolator?.starting) await state.isolator.starting;
        } else {
          const keep = got instanceof Promise ? await got : got;
          wait = inOrder.now(() => keepFact(keep));
        }
        if (wait) await wait;
        if ((state.filesScanned & 255) === 0) progress();
        if (readAheadDue && state.filesScanned >= readAheadAfter) {
          readAheadDue = false;
          // Nothing allocated until its thread is online (util/young-generation.ts).
          const online = state.fs.startReadAhead!(LIMITS.headBytes, hashSettings(opts));
          if (online) await online;
        }
        // While the worker has files, its answers are let in sooner: it waits for the next file until they are.
        if (walkTurns.due(state.isolator?.working || opts.yara?.busy ? YIELD_WHILE_ISOLATED_MS : TURN_EVERY_MS)) await yieldToEventLoop();
      }
      const wait = inOrder.now(() => {
        state.inspected.addListing(listing);
        const dirCandidate = directoryCandidate(state, listing.relDir, listing.dir, facts);
        if (dirCandidate) state.candidates.push(dirCandidate);
      });
      if (wait) await wait;
    }
  }
  await inOrder.drain();

  await pooled?.batches.finish();

  for (const { relPath, entry } of expansion.artifactFiles) {
    if (isUnder(relPath, starts)) continue;
    const relDir = relDirOf(relPath);
    const siblings = state.listDirectory(relDir) ?? [];
    state.inspected.addFile(relPath);
    await keptNow(inspectWalkedFile(state, { entry, relPath, name: entry.name }, siblings, `list:${relDir}`, opts));
    state.stats.files++;
  }
  recordSkippedComponents(state, expansion.skipped);
  await followNamedPaths(state, opts);
  // NTFS traces (issue 13): the root's $MFT / $UsnJrnl:$J, streamed once.
  const ntfs = await state.kind.ntfsTraces(state, opts);
  pushAll(state.candidates, ntfs.candidates);
  for (const message of ntfs.warnings) recordIssue(state.issues, { path: '', op: 'parse', code: 'WARN', message });
  // Event logs of one channel lend each other the templates a clear overwrote (pipeline/evtx-lending.ts).
  if (state.eventLogs.size > 0) await lendTemplatesBetweenLogs(state, opts);
  // Sigma correlations over every event log of the root together.
  if (state.sigmaHits) {
    const correlated = state.sigmaHits.evaluate();
    state.sigmaHits = null;
    pushAll(state.candidates, correlated.candidates);
    for (const message of correlated.warnings) recordIssue(state.issues, { path: '', op: 'parse', code: 'WARN', message });
  }
  // --carve: the free space of an image's file system; a shadow copy's is the live volume's business.
  if (opts.carve && state.kind.carve && !state.shadowCopy) {
    const carved = await state.kind.carve(state, opts, ntfs.candidates);
    pushAll(state.candidates, carved.candidates);
    for (const message of carved.warnings) recordIssue(state.issues, { path: '', op: 'read', code: 'WARN', message });
  }
  if (state.kind.reportFsWarnings) for (const message of state.fs.warnings) recordIssue(state.issues, { path: '', op: 'read', code: 'WARN', message });
  progress();
}

/**
 * The root's logs of one channel lending each other templates: the records they rebuild become
 * candidates before the correlations (whose hits they join), each log says what it took from whom.
 */
async function lendTemplatesBetweenLogs(state: RootState, opts: ScanOptions): Promise<void> {
  const lent = await lendEventLogTemplates({
    logs: state.eventLogs,
    external: opts.evtxTemplates ?? [],
    open: state.openFile,
    contextFor: (relPath) => {
      const entry = state.fs.lookup(relPath, false);
      if (!entry || entry.type !== 'file') return null;
      const hotspot = state.hotspots.lookupFile(relPath);
      return {
        relPath,
        name: entry.name,
        head: Buffer.alloc(0),
        size: entry.size,
        format: 'evtx',
        siblings: [],
        options: { ...(opts.sigma ? { sigma: opts.sigma } : {}), ...(state.sigmaHits ? { sigmaHits: state.sigmaHits } : {}) },
        os: state.os,
        hotspot: hotspot?.id ?? null,
        hotspotWeight: hotspot?.weight ?? 0,
        times: entryTimes(entry),
      };
    },
  });
  state.eventLogs.clear();
  for (const c of lent.candidates) {
    state.candidates.push(settled(c));
    // Hashing reopens the entry behind a finding: the log's, when the walk kept none for it.
    if (state.keepEntries && !state.inspectedEntries.has(c.path)) {
      const entry = state.fs.lookup(c.path, false);
      if (entry) state.inspectedEntries.set(c.path, state.fs.forReopen?.(entry) ?? entry);
    }
  }
  for (const n of lent.notes) recordIssue(state.issues, { path: n.relPath, op: 'parse', code: 'WARN', message: `evtx: ${n.message}` });
}

/** An LNK / Jump List / ShellBags entry naming an archive in a staging place: its target is followed; an ordinary open (a zip in Downloads) is not. */
function stagedAccess(c: Candidate): boolean {
  return c.kind === 'access' && c.hits.some((h) => h.rule === 'access-archive-in-staging-location');
}

/** Upper bound on files inspected because an artifact names them (a hostile history can name millions). */
export const MAX_FOLLOWED_NAMES = 2000;

/**
 * Follow the names (issue 11): every file that a history command, registry MRU, $I record or
 * .trashinfo names is inspected even outside the hotspots, so an archive in a hidden cache
 * folder or disguised in a web folder is judged on its content. Files only (a named folder is
 * not walked), inside the root, no links, same device unless --cross-mounts; bounded.
 */
async function followNamedPaths(state: RootState, opts: ScanOptions): Promise<void> {
  const windows = state.os === 'windows' || state.os === 'unknown';
  const wanted = new Set<string>();
  for (const c of state.candidates) {
    if (!c.names || (c.kind !== 'history' && c.kind !== 'event' && c.kind !== 'registry' && c.kind !== 'recycle-bin' && c.kind !== 'trash' && c.kind !== 'execution' && !stagedAccess(c))) continue;
    for (const named of c.names) {
      if (named.role === 'executes') continue;
      const norm = normalizeNamedPath(named.path, { windows: windows || /^[a-z]:\\/i.test(named.path), user: userName(c.user) });
      if (norm.relPath && !norm.relPath.includes('*') && !state.inspected.has(norm.relPath)) wanted.add(norm.relPath);
      if (wanted.size >= MAX_FOLLOWED_NAMES) break;
    }
    if (wanted.size >= MAX_FOLLOWED_NAMES) break;
  }
  for (const want of wanted) {
    // A named path is evidence-controlled: looked up through the listings, never through a link, entered on the root's device only.
    const entry = state.fs.lookup(want, true);
    if (!entry || entry.type !== 'file' || (entry.otherDevice && !opts.crossMounts)) continue;
    const relPath = entry.path.slice(1);
    if (state.inspected.has(relPath.toLowerCase())) continue;
    const relDir = relDirOf(relPath);
    state.inspected.addFile(relPath);
    await keptNow(inspectWalkedFile(state, { entry, relPath, name: entry.name }, state.listDirectory(relDir) ?? [], `list:${relDir}`, opts));
    state.stats.files++;
  }
}

/**
 * The work ahead on the other core started before a file system's first read when its size is
 * known beforehand (an NTFS volume's $MFT records) and large enough for the thread to pay: the
 * pass over its $MFT that the first listing makes and the walk's first files are fetched ahead
 * too. A directory root's size is known only as it is walked: scanRoot starts its read-ahead after
 * LIMITS.readAheadAfterFiles files.
 */
async function startReadAheadIfLarge(fs: EvidenceFs, opts: ScanOptions): Promise<void> {
  if (opts.readAhead === false || !fs.startReadAhead || !((fs.fileRecords?.() ?? 0) >= LIMITS.readAheadAfterFiles)) return;
  // Nothing allocated until its thread is online (util/young-generation.ts).
  const online = fs.startReadAhead(LIMITS.headBytes, hashSettings(opts));
  if (online) await online;
}

/** What the files behind findings are hashed with, or undefined without --hash. */
function hashSettings(opts: ScanOptions): HashSettings | undefined {
  return opts.hash && opts.hash.mode !== 'none' ? { algorithms: opts.hash.algorithms, maxSize: opts.hash.maxSize } : undefined;
}

/** Correlates a root's candidates, applies the user's suppressions, then scores them into findings (and the events of their timeline rows). */
function finalize(state: RootState, opts: ScanOptions, suppressed: SuppressedFinding[]): ScoredFindings {
  const { fs } = state;
  const windows = state.os === 'windows' || state.os === 'unknown';
  // Looked up through the root's listings: never through a link, as the walk sees the root.
  const exists = (relPath: string): boolean => {
    const entry = fs.lookup(relPath, windows);
    return entry !== null && entry.type !== 'symlink';
  };
  // A Linux root says what it is in its etc; local times of the machine's own writing (transcripts, the Trash) are made UTC
  // before correlation and the timeline use them.
  if (state.os === 'linux' && !state.system) state.system = unixSystemFacts(state.fs);
  state.system = settleZoneYears(state.system);
  giveLocalTimesTheZone(state.candidates, state.system);
  correlate(state.candidates, { windows, exists });
  if (opts.allowlist) {
    const catalog = loadRuleCatalog();
    const positive = (c: Candidate): boolean => c.hits.some((h) => (h.score ?? catalog.get(h.rule)?.score ?? 0) > 0);
    const hashOf = (relPath: string): string | null =>
      readEntry(fs, state.inspectedEntries.get(relPath) ?? fs.lookup(relPath, false), (opened) => sha256Of((pos, len) => opened.read(pos, len), opened.size));
    pushAll(suppressed, applyAllowlist(state.candidates, opts.allowlist, state.given, positive, hashOf));
  }
  const host = opts.hosts?.get(state.hostKey);
  const scored = scoreCandidates(state.candidates, { root: state.given, rootLabel: hostIdLabel(state.idLabel, host), hotspotOf: (p) => state.hotspots.lookup(p), sidNames: state.sidNames, exists, foldLowAfter: opts.foldLowAfter });
  if (state.kind.fileIds) setFileIds(state, scored.findings);
  return host !== undefined ? labelWithHost(scored, host) : scored;
}

/**
 * The id of the entry behind each finding (the file, the archive or hive holding the item, the
 * directory, or the file an NTFS trace names), looked up by exact path where the walk did not keep
 * it: each folder is listed once. The files found are kept for --hash.
 */
function setFileIds(state: RootState, findings: Finding[]): void {
  // Per folder its compact listing and where each live name first appears: an entry is built only
  // for a name a finding needs (a staging folder of 100,000 files is not built whole again).
  const folders = new Map<string, { listed: CompactListing; at: Map<string, number> } | null>();
  for (const f of findings) {
    let entry = state.inspectedEntries.get(f.path);
    if (!entry) {
      const relDir = relDirOf(f.path);
      let folder = folders.get(relDir);
      if (folder === undefined) {
        const dir = state.fs.lookup(relDir, false);
        folder = null;
        if (dir && dir.type === 'directory') {
          const listed = compactListing(state.fs, dir);
          const at = new Map<string, number>();
          for (let i = 0; i < listed.count; i++) {
            const name = listed.name(i);
            if (!at.has(name)) at.set(name, i);
          }
          folder = { listed, at };
        }
        folders.set(relDir, folder);
      }
      const i = folder?.at.get(f.path.slice(f.path.lastIndexOf('/') + 1));
      if (!folder || i === undefined) continue;
      entry = folder.listed.entry(i);
      if (entry.type === 'file') state.inspectedEntries.set(f.path, entry);
    }
    f.fileId = entry.id;
  }
}

/** A fresh state for one root. */
function rootState(fields: Pick<RootState, 'given' | 'label' | 'hostKey' | 'os' | 'kind' | 'fs' | 'isolator' | 'pool' | 'keepEntries'> & { idLabel?: string; shadowCopy?: boolean }, opts: ScanOptions): RootState {
  return {
    ...fields,
    sigmaHits: opts.sigma?.some((r) => r.feeds.length > 0) ? new CorrelationHits() : null,
    eventLogs: new Map(),
    idLabel: fields.idLabel ?? fields.label,
    shadowCopy: fields.shadowCopy === true,
    hotspots: new HotspotIndex([]),
    candidates: [],
    issues: [],
    stats: { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 },
    filesScanned: 0,
    bytesRead: 0,
    sidNames: new Map(),
    system: null,
    listDirectory: cachedLister(fsLister(fields.fs)),
    openFile: fsOpener(fields.fs),
    inspectedEntries: new Map(),
    inspected: new InspectedFiles(),
  };
}

/**
 * Drops what only the walk and scoring of a root needed: its candidates (now findings), its listing
 * cache, its set of inspected paths and its file system's lookup indexes. The state itself stays
 * reachable until scan() returns (a heap snapshot showed the last root's state held from scan()'s
 * frame as a stack root): on the findings-heavy 100k tree its candidates were 14 MB of the heap live
 * at the episodes and the writer; a name followed into a folder of 100,000 files kept its index.
 */
function releaseWalkHoldings(state: RootState): void {
  state.candidates = [];
  state.listDirectory = () => null;
  state.openFile = () => null;
  state.inspected = new InspectedFiles();
  state.fs.dropLookupIndexes?.();
}

/** The parsers an isolated file is not given, as the worker's request carries them (absent: none). */
function skippedParsers(skip: ReadonlySet<string> | undefined): { skipParsers?: string[] } {
  return skip ? { skipParsers: [...skip] } : {};
}

/** A mounted directory: files inspected on their descriptor in the worker when heavy, starts re-checked, collected NTFS files. */
function directoryKind(fs: DirectoryFs, crossMounts: boolean): RootKind {
  const collected = new CollectedNtfsFiles(fs, crossMounts, fsLister(fs));
  return {
    times: entryTimes,
    recheckStart: (relDir) => fs.recheck(relDir, 'directory'),
    isolation: { rootAbs: fs.abs, rootDev: fs.dev },
    ntfsTraces: (_state, opts) => collectedNtfsTraces(fs, collected, { hotspots: ntfsHotspots(opts.extraHotspots), yieldNow: yieldToEventLoop }),
    fileIds: false,
    reportFsWarnings: false,
    // A collected `$MFT`, `$J` or `$LogFile` is read by the trace stage: once, not also by its standalone parser in the walk.
    skipParsers: (_fs, relPath) => collected.parsersLeft(relPath),
    leftToTraces: () => collected.paths(),
  };
}

/** A file system inside a disk image: read in-process, unchanging during the scan, its own NTFS metadata, entry ids on findings. */
const IMAGE_KIND: RootKind = {
  times: imageEntryTimes,
  recheckStart: () => null,
  isolation: null,
  ntfsTraces: (state, opts) => imageNtfsTraces(state.fs, ntfsHotspots(opts.extraHotspots), yieldToEventLoop, hashSettings(opts)),
  carve: (state, opts, traced) =>
    carveFreeSpace(state.fs, traced, {
      hash: hashSettings(opts),
      onProgress: (read, total) => opts.onProgress?.({ root: state.given, files: state.filesScanned, bytes: state.bytesRead, findings: state.candidates.length, phase: 'carve', carve: { read, total } }),
      yieldNow: yieldToEventLoop,
    }),
  fileIds: true,
  reportFsWarnings: true,
  skipParsers: parsersLeftToTraces,
};

export async function scan(opts: ScanOptions): Promise<ScanReport> {
  const now = opts.now ?? (() => new Date());
  const startedAt = isoFromDate(now());
  const audit: AtimeAudit = { preserved: 0, mayChange: 0 };
  // A regular file given as a root is a disk image: each of its file systems is scanned as a root.
  const imageRoots = opts.roots.filter(isImageFile);
  const roots = distinctLabels(opts.roots.filter((r) => !imageRoots.includes(r)).map((r) => openRoot(r, opts.os)));
  const allFindings: Finding[] = [];
  // Rows are built from the findings when a writer reads them: held per row are its finding, slot and time.
  const timeline = new FindingsTimeline();
  const errors: ScanError[] = [];
  const rootMeta: RootMeta[] = [];
  // Hashing reopens the exact entry each finding was inspected from (a directory root: same device and inode; an image: by entry).
  const inspectedFiles = new Map<string, { fs: EvidenceFs; entries: Map<string, FsEntry> }>();
  const isolator = opts.isolation !== false && Isolator.available() ? new Isolator(opts.isolation) : null;
  // --jobs N: this thread and N - 1 workers inspect (on 2 cores a third isolate costs more than it gives: docs/performance.md).
  const pool = (opts.jobs ?? 1) > 1 && InspectPool.available() ? new InspectPool(opts.jobs! - 1, opts.poolHeapMb) : null;
  const suppressed: SuppressedFinding[] = [];
  // Files behind findings are reopened for --hash and for an allowlist's SHA-256 entries; an image root's entries also give fileId.
  const reopensFiles = (opts.hash?.mode ?? 'none') !== 'none' || !!opts.allowlist;
  /** Correlates and scores a walked root and records what it holds. */
  const liveEvidence = new LiveEvidence();
  const finishRoot = (state: RootState, image?: RootMeta['image'], shadow?: ShadowRole): void => {
    opts.onProgress?.({ root: state.given, files: state.filesScanned, bytes: state.bytesRead, findings: state.candidates.length, phase: 'correlate' });
    const scored = finalize(state, opts, suppressed);
    const { events } = scored;
    let { findings } = scored;
    let shadowCopy: ShadowCopyMeta | undefined;
    if (shadow && 'copy' in shadow) {
      const { kept, asLive } = liveEvidence.notInLive(shadow.copy.of, findings);
      markCopyFindings(kept, shadow.copy, shadow.lifeOf);
      findings = kept;
      shadowCopy = { ...shadow.copy, findingsAsLive: asLive };
    } else if (shadow) liveEvidence.remember(state.label, findings);
    pushAll(allFindings, findings);
    timeline.add(findings, events);
    pushAll(errors, state.issues.map((i) => ({ root: state.given, ...i })));
    releaseWalkHoldings(state);
    rootMeta.push({
      path: state.given,
      os: state.os,
      label: state.label,
      ...(opts.hosts?.has(state.hostKey) ? { host: opts.hosts.get(state.hostKey)! } : {}),
      hotspotDirectories: state.hotspots.size,
      filesScanned: state.filesScanned,
      bytesRead: state.bytesRead,
      directories: state.stats.directories,
      symlinksSkipped: state.stats.symlinksSkipped,
      specialFilesSkipped: state.stats.specialSkipped,
      otherDeviceSkipped: state.stats.otherDeviceSkipped,
      ...(image ? { image } : {}),
      ...(shadowCopy ? { shadowCopy } : {}),
      ...(state.system ? { system: state.system } : {}),
    });
  };
  for (const root of roots) {
    const fs = new DirectoryFs(root.abs, root.label, audit, opts.crossMounts ?? false);
    const state = rootState({ given: root.given, label: root.label, hostKey: root.given, os: root.os, kind: directoryKind(fs, opts.crossMounts ?? false), fs, isolator, pool, keepEntries: reopensFiles }, opts);
    inspectedFiles.set(root.given, { fs, entries: state.inspectedEntries });
    try {
      await scanRoot(state, opts);
      // The files handed to the read-ahead worker to hash, waited for with the event loop turning (a large one takes seconds).
      await fs.hashedAheadSettled();
    } finally {
      fs.close(); // open files and directory handles; entries reopen later (hashing) by path
    }
    // Only directory roots send files to the isolated worker: after the last one's walk it is ended
    // before scoring, which holds the report (its isolate is about 75 MB of RSS: docs/performance.md).
    if (root === roots[roots.length - 1]) await isolator?.close();
    finishRoot(state);
  }
  // Idle pool workers do not hold the process (unreferenced): a scan that throws still ends; this ends them now.
  await pool?.close();
  // A read-ahead worker started on standby that no directory root took (bin/stagehunt.js) is not needed now.
  dropStandbys();
  // Image roots stay open until --hash has reopened the files behind their findings.
  const images: ImageRoots[] = [];
  try {
    for (const given of imageRoots) {
      const image = openImageRoots(given, audit, { shadowCopies: opts.shadowCopies !== false });
      images.push(image);
      pushAll(errors, image.errors);
      for (const { fs, label, shadowCopy } of image.volumes) {
        await startReadAheadIfLarge(fs, opts);
        const os: OsKind = opts.os === 'auto' ? detectFsOs(fs) : opts.os;
        const idLabel = shadowCopy ? shadowCopyIdLabel(shadowCopy.of, shadowCopy.storeId) : label;
        const state = rootState({ given: label, label, idLabel, shadowCopy: shadowCopy !== undefined, hostKey: given, os, kind: IMAGE_KIND, fs, isolator, pool: null, keepEntries: true }, opts);
        inspectedFiles.set(label, { fs, entries: state.inspectedEntries });
        await scanRoot(state, opts);
        const live = shadowCopy && image.volumes.find((v) => v.label === shadowCopy.of)?.fs;
        const role: ShadowRole | undefined = shadowCopy
          ? { copy: shadowCopy, lifeOf: live?.fileLife?.bind(live) ?? null }
          : image.volumes.some((v) => v.shadowCopy?.of === label)
            ? { copiesFollow: true }
            : undefined;
        finishRoot(state, image.evidence, role);
      }
      // Not kept waiting, with its isolate, until the last image is walked and the files behind findings hashed.
      image.walked();
    }
  } catch (err) {
    for (const img of images) img.close();
    throw err;
  }
  // Idle, the worker holds the process open no longer (it is unreferenced); this ends it now.
  await isolator?.close();
  // Every root is scored: what the walks held is garbage; collected before hashing, the episodes and the writer add to the heap (not on a small heap).
  collectGarbageIfLarge();
  if (opts.live) {
    const live = await scanLiveRegistry();
    pushAll(allFindings, live.findings);
    timeline.add(live.findings, live.events);
    pushAll(errors, live.warnings.map((message) => ({ root: LIVE_ROOT, path: '', op: 'parse', code: 'WARN', message })));
  }
  // Acquisition times are marked before --from/--to, which must not keep a finding for the day the image was made.
  timeline.markAcquisitionTimes(startedAt);
  if (opts.window) {
    const kept = findingsInWindow(allFindings, timeline, opts.window);
    allFindings.splice(0, allFindings.length);
    pushAll(allFindings, kept);
  }
  sortFindings(allFindings);
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const f of allFindings) byLevel[f.level]++;
  const minRank = levelRank(opts.minLevel ?? 'info');
  const shown = allFindings.filter((f) => levelRank(f.level) >= minRank);
  const baseline = opts.baseline ? applyBaseline(shown, opts.baseline.ids, opts.baseline.file, new Set(allFindings.map((f) => f.id))) : undefined;
  const shownIds = new Set(shown.map((f) => f.id));
  const highest = [...LEVELS].reverse().find((l) => byLevel[l] > 0) ?? null;
  const fileLocator: FileLocator = (rootGiven, relPath) => {
    const r = inspectedFiles.get(rootGiven);
    const entry = r?.entries.get(relPath);
    return r && entry ? { fs: r.fs, entry } : null;
  };
  const hashes = opts.hash && opts.hash.mode !== 'none' ? await hashFindings(shown, fileLocator, opts.hash) : undefined;
  // The entries kept for reopening are not needed past here: freed before the episodes and the writer, where the peak is.
  // Each root's own map is emptied too: the last root's state is still reachable (releaseWalkHoldings).
  for (const { fs, entries } of inspectedFiles.values()) {
    fs.close();
    entries.clear();
  }
  inspectedFiles.clear();
  for (const img of images) img.close();
  const episodes = buildEpisodes(shown);
  // Hashing and the episodes leave garbage where the report is about to be assembled and written: collected first on a large heap.
  collectGarbageIfLarge(WORTH_COLLECTING_BEFORE_REPORT_BYTES);
  sortExactly(
    errors,
    (a, b) => compareCodeUnits(a.root, b.root) || compareCodeUnits(a.path, b.path) || compareCodeUnits(a.op, b.op) || compareCodeUnits(a.message, b.message),
    (a, b) => compareText(a.root, b.root) || compareText(a.path, b.path) || compareText(a.op, b.op) || compareText(a.message, b.message),
  );
  return {
    meta: {
      tool: 'stagehunt',
      schemaVersion: SCHEMA_VERSION,
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
      ...(opts.caseInfo ? { case: opts.caseInfo } : {}),
      ...(opts.yara ? { yara: opts.yara.summary() } : {}),
    },
    summary: { verdict: verdictFor(byLevel), findings: allFindings.length, shown: shown.length, byLevel, highestLevel: highest, errors: errors.length, ...(baseline ? { baseline } : {}), ...(opts.allowlist ? { suppressed: suppressed.length } : {}) },
    findings: shown,
    timeline: timeline.select(shownIds, opts.window ? (time) => rowInWindow(time, opts.window!) : undefined),
    errors,
    episodes,
    ...(opts.allowlist ? { suppressed } : {}),
  };
}
