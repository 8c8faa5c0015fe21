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
import { displayText } from '../../util/text.js';
import type { FileTimes } from '../../model/finding.js';
import type { ArchiveSummary } from '../../artifacts/archive/summary.js';
import { copyLocators, locatorParts, type Locators } from '../../model/kinds.js';
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
  artifacts: { parser: string; error: string | null; corrupted: boolean | null; warnings: string[]; recordCount: number }[];
  verdict: ReturnType<typeof scored>;
  /** Staging evidence that did not fire, benign matches that lowered the score, the strong-reason cap. */
  whyNotHigher: string[];
  inner: ReturnType<typeof scored>[];
  warnings: string[];
}

/** One line an analyst reads: format, volumes, entries, encryption of entries and of the file list. */
export function describeArchive(a: ArchiveSummary): string {
  const volume = a.volume;
  const parts = [
    String(a.format),
    a.entryCount === null ? 'entry list unreadable' : `${a.entryCount} entries`,
    a.encryptedEntryCount === null ? 'encrypted entries unknown' : `${a.encryptedEntryCount} encrypted`,
    a.headersEncrypted ? 'file list (headers) encrypted' : 'file list readable',
    volume?.multiVolume ? `volume ${volume.index === null ? '?' : volume.index + 1} of a multi-volume set` : 'single volume',
  ];
  const encryption = a.encryption.length ? `encryption: ${a.encryption.join(', ')}` : '';
  if (encryption) parts.push(encryption);
  if (a.packageType) parts.push(`package: ${String(a.packageType)}`);
  if (a.selfExtracting) parts.push('self-extracting');
  if (a.inner) parts.push(`contains ${String(a.inner)}`);
  return displayText(parts.join('; '), 300);
}

function explainText(r: ExplainReport): string {
  const t = (v: unknown): string => displayText(v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v), 200);
  const fp = r.fingerprint;
  const lines = [
    `file:           ${t(r.path)}`,
    `root:           ${t(r.root)} (${t(r.os)}), relative path ${t(r.relativePath)}`,
    `hotspot:        ${r.hotspot ? `${r.hotspot.id} (weight ${r.hotspot.weight}): ${r.hotspot.description}` : 'none'}`,
    `size:           ${r.size} bytes`,
    `times (UTC):    modified ${t(r.times.modified)}, accessed ${t(r.times.accessed)}, changed ${t(r.times.changed)}, born ${t(r.times.born)}`,
    `type:           ${t(fp.format)} (${t(fp.description)}; magic by ${t(fp.magicSource)}, confidence ${t(fp.confidence)})`,
    `entropy:        ${fp.entropy === null ? '-' : (fp.entropy as number).toFixed(4)} bits/byte, chi-square ${fp.chiSquare === null ? '-' : (fp.chiSquare as number).toFixed(2)} (p ${t(fp.chiSquareP)})`,
    `sampled:        ${fp.samples.map((s) => `[${s.offset}, ${s.offset + s.length})`).join(' ') || '-'}`,
    `classification: ${t(fp.classification)} (${t(fp.classConfidence)} confidence)${fp.extensionMismatch ? `; extension mismatch ${t(fp.extensionMismatch)}` : ''}`,
  ];
  if (r.archive) lines.push(`archive:        ${describeArchive(r.archive)}`);
  for (const a of r.artifacts) lines.push(`parsed by:      ${a.parser}: ${a.recordCount} records${a.corrupted ? ', damaged' : ''}${a.error ? `, error ${t(a.error)}` : ''}${a.warnings.length ? `, ${a.warnings.length} warnings` : ''}`);
  lines.push('', `verdict:        ${r.verdict.level} (score ${r.verdict.score})`);
  if (r.verdict.reasons.length === 0) lines.push('  no rule fired on the file itself');
  for (const reason of r.verdict.reasons) lines.push(`  ${reason.score < 0 ? '' : '+'}${reason.score} ${reason.rule}: ${displayText(reason.message, 200)}`);
  if (r.whyNotHigher.length) {
    lines.push('', 'why not higher:');
    for (const why of r.whyNotHigher) lines.push(`  - ${displayText(why, 240)}`);
  }
  if (r.inner.length) {
    lines.push('', `inside the file: ${r.inner.length} findings`);
    for (const c of r.inner.slice(0, 30)) {
      const where = locatorParts(c, 'explain')[0] ?? c.path;
      lines.push(`  ${c.level} ${c.score} ${displayText(String(where), 100)}: ${c.reasons.map((x) => `+${x.score} ${x.rule}`).join(', ')}`);
    }
  }
  for (const w of r.warnings.slice(0, 20)) lines.push(`warning: ${displayText(w, 200)}`);
  return `${lines.join('\n')}\n`;
}
