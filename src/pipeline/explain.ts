/**
 * `explain`: everything stagehunt knows about one file, and why it is (or is not) flagged.
 * One scoring path: a file inside an evidence root is judged by the scan pipeline itself (the
 * root is scanned with the same scope rules, correlation included), and the findings whose path is
 * the file are shown; what only explain shows (fingerprint, parse facts, entry list, why not
 * higher) comes from inspecting the file. A file outside any root is scored on its own.
 */
import path from 'node:path';
import type { SigmaRule } from '../artifacts/evtx/sigma.js';
import { memberWarning, type YaraScanner } from '../rules/yara/scanner.js';
import type { ArchiveSummary } from '../artifacts/archive/summary.js';
import { detectOs, isImageFile, openRoot, relativeInside, type EvidenceRoot } from '../evidence/root.js';
import type { OsKind } from '../model/evidence.js';
import { levelRank, type FileTimes } from '../model/finding.js';
import { escapeControls } from '../util/text.js';
import { imageEntryTimes } from './scan-image.js';
import { DirectoryFs } from '../evidence/directory-fs.js';
import { openImageFile, openSingleFile, problemInRoot, SingleFileError, type SingleFile } from '../evidence/single-file.js';
import type { EvidenceFs } from '../evidence/fs.js';
import { hotspotsFor, loadBuiltinHotspots, type Hotspot } from '../hotspots/catalog.js';
import { expandHotspots, HotspotIndex } from '../hotspots/expand.js';
import type { Finding } from '../model/finding.js';
import type { ScanReport } from '../model/report.js';
import { copyLocators, type Locators } from '../model/kinds.js';
import type { ExplainReport as ExplainModel, ExplainVerdict } from '../model/explain.js';
import { loadRuleCatalog, type RuleCatalog } from '../rules/catalog.js';
import { scoreHits } from '../rules/engine.js';
import type { Candidate } from '../rules/types.js';
import { whyNotHigher } from '../rules/why-not.js';
import { entryTimes, inspectFile } from './inspect.js';
import { scan, type Scope } from './scan.js';
import { addLocationReason } from './score.js';

export interface ExplainOptions {
  file: string;
  /** Evidence root the file lies in (default: the nearest parent that looks like an OS root). */
  root?: string;
  codepage?: string;
  /** Apply a dirty hive's transaction logs (default true). */
  hiveLogs?: boolean;
  /** The scan scope used to judge the file (as `scan --scope`; default hotspots). */
  scope?: Scope;
  /** Sigma rules for event logs, as the scan gets them. */
  sigma?: readonly SigmaRule[];
  /** --yara: the user's YARA rules, applied to the file and, through the scan, to its root (the caller closes it). */
  yara?: YaraScanner;
  /** --saved: a scan of the root saved before (`scan --format json|jsonl`), whose findings judge the file instead of a new scan. */
  saved?: { file: string; report: Pick<ScanReport, 'meta' | 'findings'> };
}

/** Inner findings listed at most. */
const MAX_INNER = 200;
/** Parse records shown per parser. */
const MAX_RECORDS_SHOWN = 50;

/** The nearest parent directory that looks like a Windows, Linux or macOS root, or null. */
function guessRoot(abs: string): string | null {
  let dir = path.dirname(abs);
  for (let i = 0; i < 64; i++) {
    if (detectOs(dir) !== 'unknown') return dir;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return null;
}

/** A scored finding as explain shows it (the `verdict` and each `inner` element of the JSON). */

function verdictOf(f: Pick<Finding, 'kind' | 'path' | 'level' | 'score' | 'reasons' | 'attack'> & Locators, strong: boolean): ExplainVerdict {
  const locators: Locators = {};
  copyLocators(f, locators);
  return { kind: f.kind, path: f.path, ...locators, level: f.level, score: f.score, reasons: f.reasons, attack: f.attack, strong };
}

/** The root's hotspot directories, expanded through its EvidenceFs as the scan does. */
function hotspotIndexOf(os: OsKind, fs: EvidenceFs): HotspotIndex {
  return new HotspotIndex(expandHotspots(fs, hotspotsFor(loadBuiltinHotspots(), os), { crossMounts: false }));
}

/** A scan finding as a verdict: `strong` is whether a positive reason comes from a strong rule (rules/engine.ts). */
function fromFinding(f: Finding, catalog: RuleCatalog): ExplainVerdict {
  return verdictOf(f, f.reasons.some((r) => r.score > 0 && catalog.get(r.rule)?.strong === true));
}

/** Where a candidate sits, as the scan sees it: its hotspot and whether a path exists in the root (benign producers). */
interface PlaceContext {
  hotspotOf(path: string): Hotspot | null;
  exists?: (relPath: string) => boolean;
}

/** A file the scan does not reach (outside any root, or outside the scan's scope): scored on its own, without correlation. */
function scoredAlone(c: Candidate, place: PlaceContext, catalog: RuleCatalog): ExplainVerdict {
  const withLocation = { ...c, hits: [...c.hits] };
  addLocationReason(withLocation, place.hotspotOf(c.path), { exists: place.exists }, catalog);
  const s = scoreHits(withLocation.hits, catalog);
  return verdictOf({ ...c, level: s.level, score: s.score, reasons: s.reasons, attack: s.attack }, s.strong);
}

/** The report with its archive contract typed. */
type ExplainReport = ExplainModel<ArchiveSummary>;

/** Where the file is judged: its root as the report names it, the OS of its layout, and how the scan sees places in it. */
interface FileContext extends PlaceContext {
  /** The root as given (a directory, or the image file), or null for a file on its own. */
  rootGiven: string | null;
  os: OsKind | null;
}

/** Everything `explain` knows about one file, as the object `--format json` prints. */
export async function buildExplainReport(opts: ExplainOptions): Promise<ExplainReport> {
  const catalog = loadRuleCatalog();
  if (opts.root && isImageFile(opts.root)) return explainInImage(opts.root, opts, catalog);
  const rootDir = opts.root ?? guessRoot(path.resolve(opts.file));
  let root = rootDir ? openRoot(rootDir, 'auto') : null;
  // A guessed root that the file is reached through a link (or mount) in is not its root: the
  // file is explained on its own. With --root that is an error (openSingleFile).
  const notAttributed = root && !opts.root ? problemInRoot(root, path.resolve(opts.file)) && problemInRoot(root, path.resolve(opts.file), 'directory') : null;
  if (notAttributed) root = null;
  // A root guessed as the file system's own root is the analyst's machine, not evidence: not scanned.
  const hostRoot = root !== null && !opts.root && root.abs === path.parse(root.abs).root;
  // A folder, or (with --root) a path with no file there, is judged by the scan's findings at it.
  const noFile = root && !hostRoot ? placeWithoutFile(root, opts.file, opts.root !== undefined) : null;
  if (root && noFile) return explainWithoutFile(root.given, { path: opts.file, os: root.os, volume: null, shownVolume: null, ...noFile }, opts, catalog);
  // With a root, every component from the root to the file is checked (no link, same file system).
  const file = openSingleFile(opts.file, root ?? undefined);
  let report: ExplainReport;
  let relPath: string;
  // The root read as the scan reads it: hotspot expansion, and whether a path exists (never through a link).
  const rootFs = root ? new DirectoryFs(root.abs, root.label) : null;
  try {
    relPath = file.relPath ?? file.name;
    const hotspots = root && rootFs ? hotspotIndexOf(root.os, rootFs) : null;
    const windows = root?.os === 'windows' || root?.os === 'unknown';
    const context: FileContext = {
      rootGiven: root?.given ?? null,
      os: root?.os ?? null,
      hotspotOf: (p) => hotspots?.lookup(p) ?? null,
      exists: rootFs ? existsIn(rootFs, windows) : undefined,
    };
    report = await describeFile(file, relPath, entryTimes(file.entry), context, opts, catalog);
    if (notAttributed) report.warnings.unshift(`not attributed to the root ${rootDir} guessed from the path: ${notAttributed}`);
  } finally {
    file.source.close();
    rootFs?.close();
  }
  if (root && !hostRoot) await judgeByScan(report, { rootGiven: root.given, relPath, volume: null }, opts, catalog);
  else if (root) report.warnings.unshift(`the guessed root ${root.given} is this machine's own file system: not scanned, the file is scored on its own (pass --root to judge it within an evidence root)`);
  return withWhyNotHigher(report);
}

/** Whether a path exists in a root as the scan asks it (never through a link). */
function existsIn(fs: EvidenceFs, caseInsensitive: boolean): (relPath: string) => boolean {
  return (p) => {
    const entry = fs.lookup(p, caseInsensitive);
    return entry !== null && entry.type !== 'symlink';
  };
}

/** `explain --root IMAGE PATH`: the path on one of the image's volumes, judged by a scan of the image. */
async function explainInImage(image: string, opts: ExplainOptions, catalog: RuleCatalog): Promise<ExplainReport> {
  const target = openImageFile(image, opts.file);
  const volume = target.volume;
  let report: ExplainReport | null = null;
  let noFile: PathWithoutFile | null = null;
  try {
    const hotspots = volume ? hotspotIndexOf(volume.os, volume.fs) : null;
    if (!target.file) {
      // a shadow copy's traces of the path are its too, unless the path named its volume
      const folderTimes = target.directory ? imageEntryTimes(target.directory) : null;
      noFile = { path: opts.file, relPath: target.relPath, os: volume?.os ?? null, hotspot: hotspots?.lookup(target.relPath) ?? null, folderTimes, volume: target.named || folderTimes ? volume!.label : null, shownVolume: volume?.label ?? null };
    } else {
      const context: FileContext = {
        rootGiven: `${image}, volume ${volume!.label}`,
        os: volume!.os,
        hotspotOf: (p) => hotspots?.lookup(p) ?? null,
        exists: existsIn(volume!.fs, true),
      };
      try {
        const shown = target.stream ? `${target.relPath}:${target.stream}` : target.relPath;
        report = await describeFile(target.file, shown, imageEntryTimes(target.file.entry), context, opts, catalog);
      } finally {
        target.file.source.close();
      }
    }
  } finally {
    // closed before the scan below opens the image again
    target.close();
  }
  if (noFile) return explainWithoutFile(image, noFile, opts, catalog);
  report = report!; // a live file was described
  if (target.shadowCopies.length > 0) {
    const others = target.shadowCopies.slice(0, -1);
    report.warnings.unshift(`no live volume of the image has this file: read from its newest shadow copy that does, ${volume!.label}${others.length ? ` (also in ${others.join(', ')})` : ''}`);
  }
  if (target.stream) report.warnings.unshift(`a named data stream: scored on its own (a scan judges it with its file, ${target.relPath}; the findings of that file are listed inside)`);
  await judgeByScan(report, { rootGiven: image, relPath: target.relPath, volume: volume!.label, stream: target.stream ?? null }, opts, catalog);
  return withWhyNotHigher(report);
}

/** "Why not higher" for the verdict the report ends with (the scan's, when it reached the file). */
function withWhyNotHigher(report: ExplainReport): ExplainReport {
  report.whyNotHigher = whyNotHigher({
    reasons: report.verdict.reasons,
    strong: report.verdict.strong,
    raw: report.verdict.reasons.reduce((sum, r) => sum + r.score, 0),
    hotspot: report.hotspot?.id ?? null,
    archive: report.archive !== null,
  });
  return report;
}

/** One live file inspected as the scan inspects it, scored on its own (judgeByScan replaces that verdict when the scan reaches the file). */
async function describeFile(file: SingleFile, relPath: string, times: FileTimes, context: FileContext, opts: ExplainOptions, catalog: RuleCatalog): Promise<ExplainReport> {
  const hotspot = context.hotspotOf(relPath);
  const inspection = await inspectFile({
    src: file.source,
    head: file.head,
    relPath,
    name: file.name,
    size: file.source.size,
    times,
    hotspot,
    os: context.os ?? 'unknown',
    siblings: file.siblings,
    openFile: opts.hiveLogs === false ? undefined : file.openFile,
    deep: true,
    keepRecords: true,
    codepage: opts.codepage,
    sigma: opts.sigma,
  });
  const fp = inspection.fingerprint;
  // --yara: the rules' reasons join the file's own, as in a scan (which replaces this verdict when it reaches the file).
  const yara = await opts.yara?.scan(file.source, relPath, file.name, context.os ?? 'unknown');
  if (yara?.k === 'matched') inspection.fileCandidate.hits = [...inspection.fileCandidate.hits, ...yara.hits];
  const yaraNote = !yara ? null : yara.k === 'matched' || yara.k === 'clean' ? (yara.members ? memberWarning(yara.members) : null) : yara.k === 'too-large' ? 'YARA: the file is larger than --yara-max-size: not given to the rules' : yara.message;
  if (yaraNote) inspection.warnings = [...inspection.warnings, yaraNote];
  return {
    path: opts.file,
    root: context.rootGiven,
    relativePath: relPath,
    os: context.os,
    live: true,
    directory: false,
    hotspot: hotspot ? { id: hotspot.id, description: hotspot.description, weight: hotspot.weight } : null,
    size: file.source.size,
    times,
    fingerprint: {
      format: fp.format,
      mime: fp.mime,
      description: fp.description,
      magicSource: fp.magicSource,
      confidence: fp.confidence,
      entropy: fp.entropy,
      chiSquare: fp.chiSquare,
      chiSquareP: fp.chiSquareP,
      samples: fp.samples,
      classification: fp.classification,
      classConfidence: fp.classConfidence,
      extensionMismatch: fp.extensionMismatch,
      hints: fp.hints,
    },
    archive: inspection.archive,
    artifacts: inspection.runs.map((r) => ({
      parser: r.parser,
      error: r.error ?? null,
      corrupted: r.result?.corrupted ?? null,
      warnings: r.result?.warnings ?? [],
      summary: r.result?.facts ?? null,
      recordCount: r.result?.records.length ?? 0,
      records: r.result?.records.slice(0, MAX_RECORDS_SHOWN) ?? [],
    })),
    verdict: scoredAlone(inspection.fileCandidate, context, catalog),
    whyNotHigher: [],
    inner: inspection.innerCandidates.filter((c) => c.hits.length > 0).slice(0, MAX_INNER).map((c) => scoredAlone(c, context, catalog)),
    warnings: [...fp.warnings, ...inspection.warnings],
  };
}

/**
 * A `file` inside the root that is no regular file: a path that names nothing there (with `gone`
 * allowed: only with --root) or a folder; its '/'-separated path, hotspot and, for a folder, its
 * times. Null when it is a file, or lies outside, or a link or another file system is on the way
 * (openSingleFile says why).
 */
function placeWithoutFile(root: EvidenceRoot, file: string, gone: boolean): Pick<PathWithoutFile, 'relPath' | 'hotspot' | 'folderTimes'> | null {
  const relPath = relativeInside(root, path.resolve(file));
  if (relPath === null) return null;
  const fs = new DirectoryFs(root.abs, root.label);
  try {
    const problem = fs.recheck(relPath, 'directory');
    const folder = problem === null && relPath !== '' ? fs.lookup(relPath) : null;
    // Only a missing component: a link or another file system on the way is not a gone file.
    if (!folder && !(gone && problem?.code === 'ENOENT')) return null;
    return { relPath, hotspot: hotspotIndexOf(root.os, fs).lookup(relPath), folderTimes: folder ? entryTimes(folder) : null };
  } catch {
    return null;
  } finally {
    fs.close();
  }
}

/** The findings of a scan at one path: on `volume` (an image's), or on any of its roots; names compared exactly, else ignoring case. */
function findingsAt(findings: readonly Finding[], relPath: string, volume: string | null): Finding[] {
  const onVolume = volume === null ? findings : findings.filter((f) => f.root === volume);
  const exact = onVolume.filter((f) => f.path === relPath);
  if (exact.length > 0) return exact;
  const folded = relPath.toLowerCase();
  return onVolume.filter((f) => f.path.toLowerCase() === folded);
}

/** A path explain has no file to read at: gone (a deleted archive) or a folder. */
interface PathWithoutFile {
  /** As given on the command line. */
  path: string;
  relPath: string;
  os: OsKind | null;
  hotspot: Hotspot | null;
  /** A folder's own times; null: nothing is there. */
  folderTimes: FileTimes | null;
  /** The image volume named, or null: any root of the scan. */
  volume: string | null;
  /** The image volume the path is on as the report names it (the named one, or the image's only live volume), or null. */
  shownVolume: string | null;
}

/**
 * A path with no file to read, judged by the scan's findings at it: the strongest as the verdict,
 * the rest inside. A deleted archive is known only from its traces (the USN journal, the
 * `$LogFile`, a deleted MFT record, a Recycle Bin record, an `$I30` slack entry): with none it is a
 * usage error. A folder's findings are its own (a burst of files written into it, a hidden staging
 * folder); with none the folder is reported clean.
 */
async function explainWithoutFile(rootGiven: string, at: PathWithoutFile, opts: ExplainOptions, catalog: RuleCatalog): Promise<ExplainReport> {
  const scope = opts.scope ?? 'hotspots';
  const { findings, note } = await rootFindings(rootGiven, opts);
  const here = findingsAt(findings, at.relPath, at.volume).sort((a, b) => b.score - a.score || levelRank(b.level) - levelRank(a.level));
  const folder = at.folderTimes !== null;
  if (here.length === 0 && !folder) {
    const where = at.shownVolume ? `${rootGiven}, volume ${at.shownVolume}` : rootGiven;
    const by = opts.saved ? `the saved scan ${opts.saved.file}` : `the scan (--scope ${scope})`;
    throw new SingleFileError(`${escapeControls(at.path)}: no such file in ${escapeControls(where)}, and ${escapeControls(by)} found no trace of it`);
  }
  // The volume is named on a finding where the report's findings are on several, or on another than the path's (a shadow copy's).
  const multiRoot = new Set(here.map((f) => f.root)).size > 1;
  const asVerdict = (f: Finding): ExplainVerdict => ({ ...fromFinding(f, catalog), ...(multiRoot || (at.shownVolume !== null && f.root !== at.shownVolume) ? { root: f.root } : {}) });
  const clean: ExplainVerdict = { kind: 'directory', path: at.relPath, level: 'info', score: 0, reasons: [], attack: [], strong: false };
  const [strongest, ...rest] = here;
  // No "why not higher": its list is of a file's own rules (archives, place, links), not a folder's or a trace's.
  return {
    path: at.path,
    root: at.shownVolume ? `${rootGiven}, volume ${at.shownVolume}` : rootGiven,
    relativePath: strongest?.path ?? at.relPath,
    os: at.os,
    live: folder,
    directory: folder,
    hotspot: at.hotspot ? { id: at.hotspot.id, description: at.hotspot.description, weight: at.hotspot.weight } : null,
    size: null,
    times: at.folderTimes,
    fingerprint: null,
    archive: null,
    artifacts: [],
    verdict: strongest ? asVerdict(strongest) : clean,
    whyNotHigher: [],
    inner: rest.slice(0, MAX_INNER).map(asVerdict),
    warnings: note ? [note] : [],
  };
}

/**
 * The findings a file is judged by: a new scan of its root (the scope and rules explain was given),
 * or, with --saved, the saved scan's findings of that root (a note says so). A saved scan of other
 * roots is a usage error.
 */
async function rootFindings(rootGiven: string, opts: ExplainOptions): Promise<{ findings: readonly Finding[]; note: string | null }> {
  if (!opts.saved) {
    const scanned = await scan({ roots: [rootGiven], os: 'auto', scope: opts.scope ?? 'hotspots', codepage: opts.codepage, hiveLogs: opts.hiveLogs, sigma: opts.sigma, yara: opts.yara });
    return { findings: scanned.findings, note: null };
  }
  const { file, report } = opts.saved;
  // A directory root is saved as given, an image's file systems by their labels with the image file beside them.
  const wanted = path.resolve(rootGiven);
  const roots = new Set(report.meta.roots.filter((r) => path.resolve(r.image?.file ?? r.path) === wanted).map((r) => r.path));
  if (roots.size === 0) {
    const saved = report.meta.roots.map((r) => r.image?.file ?? r.path);
    throw new SingleFileError(`${escapeControls(file)} is no scan of ${escapeControls(rootGiven)} (its roots: ${escapeControls([...new Set(saved)].join(', ') || 'none')})`);
  }
  const started = report.meta.startedAt ? ` of ${report.meta.startedAt}` : '';
  return { findings: report.findings.filter((f) => roots.has(f.root)), note: `judged by the saved scan ${file}${started} (its scope and rules), not by a new scan of ${rootGiven}` };
}

/** Where judgeByScan looks: the root scanned, the file's path in it, and on an image the volume it is on. */
interface ScanTarget {
  rootGiven: string;
  relPath: string;
  volume: string | null;
  /** A named stream of the file at relPath is explained: the file's own verdict is not the stream's. */
  stream?: string | null;
}

/**
 * The scan's judgement replaces the file's own: the root is scanned (same scope rules, correlation,
 * location and SID names), and its findings at this path become the verdict (the file itself) and
 * the inner findings (entries, records, keys, lines inside it).
 */
async function judgeByScan(report: ExplainReport, target: ScanTarget, opts: ExplainOptions, catalog: RuleCatalog): Promise<void> {
  const scope = opts.scope ?? 'hotspots';
  const { findings, note } = await rootFindings(target.rootGiven, opts);
  if (note) report.warnings.unshift(note);
  const here = findings.filter((f) => f.path === target.relPath && (target.volume === null || f.root === target.volume));
  const own = target.stream ? undefined : here.find((f) => f.kind === 'file');
  const inner = here.filter((f) => f.kind !== 'file');
  if (own) report.verdict = fromFinding(own, catalog);
  if (own || inner.length > 0) report.inner = inner.slice(0, MAX_INNER).map((f) => fromFinding(f, catalog));
  else if (target.stream) return;
  else if (report.verdict.score > 0 || report.inner.length > 0) {
    // Findings of its own that the scan does not have: the scan did not reach the file.
    report.warnings.unshift(`${opts.saved ? `the saved scan ${opts.saved.file}` : `the scan of ${target.rootGiven} (--scope ${scope})`} does not reach this file: it is scored on its own, without correlation`);
  }
}
