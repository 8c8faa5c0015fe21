/** `stagehunt explain <file>`: everything stagehunt knows about one file, and why it would flag it. */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { detectOs, findInsideRoot, openRoot } from '../../evidence/root.js';
import { hotspotsFor, loadBuiltinHotspots, type Hotspot } from '../../hotspots/catalog.js';
import { addLocationReason } from '../../pipeline/score.js';
import { expandHotspots, HotspotIndex } from '../../hotspots/expand.js';
import { inspectFile, statTimes } from '../../pipeline/inspect.js';
import { loadRuleCatalog } from '../../rules/catalog.js';
import { scoreHits } from '../../rules/engine.js';
import { whyNotHigher } from '../../rules/why-not.js';
import type { Candidate } from '../../rules/types.js';
import { explainText } from '../../report/explain-text.js';
import type { FileTimes } from '../../model/finding.js';
import type { ArchiveSummary } from '../../artifacts/archive/summary.js';
import { copyLocators, type Locators } from '../../model/kinds.js';
import { writeStdout } from '../output.js';
import { openSingleFile, problemInRoot } from '../single-file.js';
import { typedArgs } from '../args.js';

export interface ExplainArgs {
  file: string;
  format: 'text' | 'json';
  root?: string;
  codepage?: string;
}

export function explainBuilder(y: Argv): Argv<ExplainArgs> {
  return typedArgs<ExplainArgs>(y
    .positional('file', { type: 'string', demandOption: true, describe: 'the file to explain' })
    .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const })
    .option('root', { type: 'string', describe: 'evidence root the file lies in (default: nearest parent that looks like an OS root)' })
    .option('codepage', { type: 'string' }));
}

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

/** Where a candidate sits, as the scan sees it: its hotspot and whether a path exists in the root (benign producers). */
interface PlaceContext {
  hotspotOf(path: string): Hotspot | null;
  exists?: (rel: string) => boolean;
}

/** Scored as the scan scores it: the same location reason (pipeline/score.ts), then the engine. */
function scored(c: Candidate, place: PlaceContext) {
  const catalog = loadRuleCatalog();
  const withLocation = { ...c, hits: [...c.hits] };
  addLocationReason(withLocation, place.hotspotOf(c.path), { exists: place.exists }, catalog);
  const s = scoreHits(withLocation.hits, catalog);
  const locators: Locators = {};
  copyLocators(c, locators);
  return { kind: c.kind, path: c.path, ...locators, level: s.level, score: s.score, reasons: s.reasons, attack: s.attack, strong: s.strong };
}

export async function runExplain(args: ExplainArgs): Promise<number> {
  const report = await buildExplainReport(args);
  await writeStdout(args.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : explainText(report));
  return 0;
}

/** Everything `explain` knows about one file, as the object `--format json` prints. */
export async function buildExplainReport(args: Omit<ExplainArgs, 'format'>): Promise<ExplainReport> {
  const rootDir = args.root ?? guessRoot(path.resolve(args.file));
  let root = rootDir ? openRoot(rootDir, 'auto') : null;
  // A guessed root that the file is reached through a link (or mount) in is not its root: the
  // file is explained on its own. With --root that is an error (openSingleFile).
  const notAttributed = root && !args.root ? problemInRoot(root, path.resolve(args.file)) : null;
  if (notAttributed) root = null;
  // With a root, every component from the root to the file is checked (no link, same file system).
  const file = openSingleFile(args.file, root ?? undefined);
  try {
    const rel = file.rel ?? file.name;
    const rootDev = root ? statSync(root.abs).dev : 0;
    const hotspots = root ? new HotspotIndex(expandHotspots(root.abs, hotspotsFor(loadBuiltinHotspots(), root.os), { rootDev, crossMounts: false })) : null;
    const hotspot = hotspots?.lookup(rel) ?? null;
    const times = statTimes(file.stat);
    const inspection = await inspectFile({
      src: file.opened.source,
      head: file.head,
      rel,
      name: file.name,
      size: file.opened.size,
      times,
      hotspot,
      os: root?.os ?? 'unknown',
      siblings: file.siblings,
      deep: true,
      codepage: args.codepage,
    });
    const fp = inspection.fingerprint;
    const inRoot = root;
    const windows = inRoot?.os === 'windows' || inRoot?.os === 'unknown';
    const place: PlaceContext = {
      hotspotOf: (p) => hotspots?.lookup(p) ?? null,
      exists: inRoot ? (p) => findInsideRoot(inRoot.abs, p, windows) !== null : undefined,
    };
    const verdict = scored(inspection.fileCandidate, place);
    const report: ExplainReport = {
      path: args.file,
      root: root?.given ?? null,
      relativePath: rel,
      os: root?.os ?? null,
      hotspot: hotspot ? { id: hotspot.id, description: hotspot.description, weight: hotspot.weight } : null,
      size: file.opened.size,
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
        records: r.result?.records.slice(0, 50) ?? [],
      })),
      verdict,
      whyNotHigher: whyNotHigher({
        reasons: verdict.reasons,
        strong: verdict.strong,
        raw: verdict.reasons.reduce((sum, r) => sum + r.score, 0),
        hotspot: hotspot?.id ?? null,
        archive: inspection.archive !== null,
      }),
      inner: inspection.innerCandidates.filter((c) => c.hits.length > 0).slice(0, 200).map((c) => scored(c, place)),
      warnings: [...(notAttributed ? [`not attributed to the root ${rootDir} guessed from the path: ${notAttributed}`] : []), ...fp.warnings, ...inspection.warnings],
    };
    return report;
  } finally {
    file.opened.close();
  }
}

export interface ExplainReport {
  path: string;
  root: string | null;
  relativePath: string;
  os: string | null;
  hotspot: { id: string; description: string; weight: number } | null;
  size: number;
  times: FileTimes;
  fingerprint: Record<string, unknown> & { samples: { offset: number; length: number }[] };
  archive: ArchiveSummary | null;
  artifacts: { parser: string; error: string | null; corrupted: boolean | null; warnings: string[]; recordCount: number; records?: unknown[] }[];
  verdict: ReturnType<typeof scored>;
  /** Staging evidence that did not fire, benign matches that lowered the score, the strong-reason cap. */
  whyNotHigher: string[];
  inner: ReturnType<typeof scored>[];
  warnings: string[];
}
