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
import { detectOs, openRoot, type EvidenceRoot } from '../evidence/root.js';
import { DirectoryFs } from '../evidence/directory-fs.js';
import { openSingleFile, problemInRoot } from '../evidence/single-file.js';
import { hotspotsFor, loadBuiltinHotspots, type Hotspot } from '../hotspots/catalog.js';
import { expandHotspots, HotspotIndex } from '../hotspots/expand.js';
import type { Finding } from '../model/finding.js';
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
function hotspotIndexOf(root: EvidenceRoot, fs: DirectoryFs): HotspotIndex {
  return new HotspotIndex(expandHotspots(fs, hotspotsFor(loadBuiltinHotspots(), root.os), { crossMounts: false }));
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

/** Everything `explain` knows about one file, as the object `--format json` prints. */
export async function buildExplainReport(opts: ExplainOptions): Promise<ExplainReport> {
  const catalog = loadRuleCatalog();
  const rootDir = opts.root ?? guessRoot(path.resolve(opts.file));
  let root = rootDir ? openRoot(rootDir, 'auto') : null;
  // A guessed root that the file is reached through a link (or mount) in is not its root: the
  // file is explained on its own. With --root that is an error (openSingleFile).
  const notAttributed = root && !opts.root ? problemInRoot(root, path.resolve(opts.file)) : null;
  if (notAttributed) root = null;
  // With a root, every component from the root to the file is checked (no link, same file system).
  const file = openSingleFile(opts.file, root ?? undefined);
  let report: ExplainReport;
  let relPath: string;
  // The root read as the scan reads it: hotspot expansion, and whether a path exists (never through a link).
  const rootFs = root ? new DirectoryFs(root.abs, root.label) : null;
  try {
    relPath = file.relPath ?? file.name;
    const hotspots = root && rootFs ? hotspotIndexOf(root, rootFs) : null;
    const hotspot = hotspots?.lookup(relPath) ?? null;
    const times = entryTimes(file.entry);
    const inspection = await inspectFile({
      src: file.source,
      head: file.head,
      relPath,
      name: file.name,
      size: file.source.size,
      times,
      hotspot,
      os: root?.os ?? 'unknown',
      siblings: file.siblings,
      openFile: opts.hiveLogs === false ? undefined : file.openFile,
      deep: true,
      keepRecords: true,
      codepage: opts.codepage,
      sigma: opts.sigma,
    });
    const fp = inspection.fingerprint;
    // --yara: the rules' reasons join the file's own, as in a scan (which replaces this verdict when it reaches the file).
    const yara = await opts.yara?.scan(file.source, relPath, file.name, root?.os ?? 'unknown');
    if (yara?.k === 'matched') inspection.fileCandidate.hits = [...inspection.fileCandidate.hits, ...yara.hits];
    const yaraNote = !yara ? null : yara.k === 'matched' || yara.k === 'clean' ? (yara.members ? memberWarning(yara.members) : null) : yara.k === 'too-large' ? 'YARA: the file is larger than --yara-max-size: not given to the rules' : yara.message;
    if (yaraNote) inspection.warnings = [...inspection.warnings, yaraNote];
    const inRoot = root;
    const windows = inRoot?.os === 'windows' || inRoot?.os === 'unknown';
    const place: PlaceContext = {
      hotspotOf: (p) => hotspots?.lookup(p) ?? null,
      exists: rootFs
        ? (p) => {
            const entry = rootFs.lookup(p, windows);
            return entry !== null && entry.type !== 'symlink';
          }
        : undefined,
    };
    const verdict = scoredAlone(inspection.fileCandidate, place, catalog);
    report = {
      path: opts.file,
      root: root?.given ?? null,
      relativePath: relPath,
      os: root?.os ?? null,
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
      verdict,
      whyNotHigher: [],
      inner: inspection.innerCandidates.filter((c) => c.hits.length > 0).slice(0, MAX_INNER).map((c) => scoredAlone(c, place, catalog)),
      warnings: [...(notAttributed ? [`not attributed to the root ${rootDir} guessed from the path: ${notAttributed}`] : []), ...fp.warnings, ...inspection.warnings],
    };
  } finally {
    file.source.close();
    rootFs?.close();
  }
  // A root guessed as the file system's own root is the analyst's machine, not evidence: not scanned.
  const hostRoot = root !== null && !opts.root && root.abs === path.parse(root.abs).root;
  if (root && !hostRoot) await judgeByScan(report, root.given, relPath, opts, catalog);
  else if (root) report.warnings.unshift(`the guessed root ${root.given} is this machine's own file system: not scanned, the file is scored on its own (pass --root to judge it within an evidence root)`);
  report.whyNotHigher = whyNotHigher({
    reasons: report.verdict.reasons,
    strong: report.verdict.strong,
    raw: report.verdict.reasons.reduce((sum, r) => sum + r.score, 0),
    hotspot: report.hotspot?.id ?? null,
    archive: report.archive !== null,
  });
  return report;
}

/**
 * The scan's judgement replaces the file's own: the root is scanned (same scope rules, correlation,
 * location and SID names), and its findings at this path become the verdict (the file itself) and
 * the inner findings (entries, records, keys, lines inside it).
 */
async function judgeByScan(report: ExplainReport, rootGiven: string, relPath: string, opts: ExplainOptions, catalog: RuleCatalog): Promise<void> {
  const scope = opts.scope ?? 'hotspots';
  const scanned = await scan({ roots: [rootGiven], os: 'auto', scope, codepage: opts.codepage, hiveLogs: opts.hiveLogs, sigma: opts.sigma, yara: opts.yara });
  const here = scanned.findings.filter((f) => f.path === relPath);
  const own = here.find((f) => f.kind === 'file');
  const inner = here.filter((f) => f.kind !== 'file');
  if (own) report.verdict = fromFinding(own, catalog);
  if (own || inner.length > 0) report.inner = inner.slice(0, MAX_INNER).map((f) => fromFinding(f, catalog));
  else if (report.verdict.score > 0 || report.inner.length > 0) {
    // Findings of its own that the scan does not have: the scan did not reach the file.
    report.warnings.unshift(`the scan of ${rootGiven} (--scope ${scope}) does not reach this file: it is scored on its own, without correlation`);
  }
}
