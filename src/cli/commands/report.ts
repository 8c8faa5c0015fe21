/**
 * `stagehunt report <scan.json>`: re-renders a saved `--format json` scan in any output format
 * without touching the evidence again, narrowed to a time window (--from/--to) or hosts (--host)
 * as scan narrows it, and the helpers `scan` shares with it (--report FILE, --from/--to, --host labels).
 */
import { fileErrorText } from '../../util/errno.js';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { isLevel, LEVELS, type Finding, type Level } from '../../model/finding.js';
import { verdictFor } from '../../pipeline/score.js';
import { fileTimeRows, sortTimeline } from '../../timeline/timeline.js';
import type { ScanReport, TimelineRow } from '../../model/report.js';
import { SCAN_FORMATS, WRITERS } from '../../report/index.js';
import { terminalColumns, terminalRows, wantColor } from '../../report/style.js';
import { buildEpisodes } from '../../timeline/episodes.js';
import { markAcquisitionTimes } from '../../timeline/acquisition.js';
import { escapeControls } from '../../util/text.js';
import { EXIT, UsageError } from '../errors.js';
import { abandonOutput, checkOutputPath, commitOutput, reserveOutput, writeStdout, type OutputTarget } from '../output.js';
import { installInterruptHandlers, noteWritten } from '../interrupt.js';
import { HOST_LABEL } from '../../pipeline/hosts.js';
import { applyWindow, parseWindowBound, type TimeWindow } from '../../pipeline/window.js';
import { typedArgs } from '../args.js';
import { caseInfoOf, checkedTimeZone, reportOptions, type ReportOptionArgs } from '../report-options.js';

/** A saved scan bigger than this is refused rather than parsed into memory. */
export const MAX_SAVED_SCAN_BYTES = 1024 * 1024 * 1024;

export interface ReportArgs extends ReportOptionArgs {
  scan: string;
  format: string;
  output?: string;
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  from?: string;
  to?: string;
  host?: string | string[];
}

export function reportBuilder(y: Argv): Argv<ReportArgs> {
  return typedArgs<ReportArgs>(reportOptions(y)
    .positional('scan', { describe: 'a scan saved with `stagehunt scan --format json` (or jsonl: findings only)', type: 'string', demandOption: true })
    .option('format', { alias: 'f', type: 'string', default: 'html', describe: `output format: ${SCAN_FORMATS.join(', ')}` })
    .option('output', { alias: 'o', type: 'string', describe: 'write to FILE (atomically)' })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'table: every reason, locator and time of each finding' })
    .option('from', { type: 'string', describe: 'only findings and timeline rows at or after this time (ISO-8601 date or date-time, UTC), as scan --from' })
    .option('to', { type: 'string', describe: 'only findings and timeline rows at or before this time (a bare date: the end of that day), as scan --to' })
    .option('host', { type: 'string', requiresArg: true, describe: 'only the roots the scan labelled with this host (repeatable; scan --host or ROOT=NAME)' })
    .check((argv) => {
      if (!SCAN_FORMATS.includes(argv.format)) throw new UsageError(`unknown format '${argv.format}' (choose one of: ${SCAN_FORMATS.join(', ')})`);
      return true;
    }));
}

/** The report format a --report file name asks for. */
export function reportFormatFor(file: string): 'html' | 'md' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.md' || ext === '.markdown') return 'md';
  throw new UsageError(`--report ${file}: name an .html or .md file`);
}

/** Checks a --report target before any evidence is read (exists, writable, not in a root). */
export function checkReportPath(file: string, rootsAbs: string[]): OutputTarget {
  reportFormatFor(file);
  const target = checkOutputPath(file, rootsAbs);
  try {
    accessSync(target.mode === 'atomic' ? path.dirname(target.path) : target.path, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write report ${file}: directory not writable`);
  }
  return target;
}

/** A --host label, checked: one line and exit 2 for anything HOST_LABEL refuses. */
export function checkHostLabel(label: string): string {
  if (!HOST_LABEL.test(label)) throw new UsageError(`--host '${escapeControls(label)}': use 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit`);
  return label;
}

/** --from / --to as a window (scan and report); a bad date is one line and exit 2. */
export function timeWindow(args: { from?: string; to?: string }): TimeWindow | undefined {
  if (args.from === undefined && args.to === undefined) return undefined;
  const bound = (name: 'from' | 'to', value: string | undefined): number | null => {
    if (value === undefined) return null;
    const ms = parseWindowBound(value, name === 'to');
    if (ms === null) throw new UsageError(`--${name} '${escapeControls(value)}': give an ISO-8601 date or date-time such as 2025-03-15 or 2025-03-15T04:00:00Z`);
    return ms;
  };
  const w = { from: bound('from', args.from), to: bound('to', args.to) };
  if (w.from !== null && w.to !== null && w.from > w.to) throw new UsageError(`--from ${args.from} is after --to ${args.to}`);
  return w;
}

/**
 * A saved scan narrowed as scan narrows its own: to the roots labelled with `hosts`, then to the
 * window (applyWindow, the same rule as scan --from/--to). Counts, verdict and episodes cover what
 * remains (the findings the saved scan shows: its --min-level stays applied); the options are
 * recorded in meta.options. A host the scan does not carry is a usage error naming the ones it has.
 */
export function narrowSavedScan(report: ScanReport, hosts: readonly string[], window: TimeWindow | undefined, given: { from?: string; to?: string }): ScanReport {
  if (hosts.length === 0 && !window) return report;
  let findings = report.findings;
  // A saved scan's timeline is the array it was saved with.
  let timeline = Array.from(report.timeline);
  if (hosts.length > 0) {
    const present = new Set(report.meta.roots.map((r) => r.host).filter((h): h is string => h !== undefined));
    const missing = hosts.filter((h) => !present.has(h));
    if (missing.length > 0) throw new UsageError(`--host ${missing.map((h) => escapeControls(h)).join(', ')}: not in this scan (its hosts: ${present.size > 0 ? [...present].map((h) => escapeControls(h)).join(', ') : 'none: scan with --host or ROOT=NAME'})`);
    const wanted = new Set(hosts);
    const roots = new Set(report.meta.roots.filter((r) => r.host !== undefined && wanted.has(r.host)).map((r) => r.path));
    findings = findings.filter((f) => f.host !== undefined && wanted.has(f.host));
    timeline = timeline.filter((r) => r.host !== undefined && wanted.has(r.host));
    report.meta.roots = report.meta.roots.filter((r) => roots.has(r.path));
    report.errors = report.errors.filter((e) => roots.has(e.root));
  }
  if (window) ({ findings, timeline } = applyWindow(findings, timeline, window));
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const f of findings) byLevel[f.level]++;
  report.findings = findings;
  report.timeline = timeline;
  report.episodes = buildEpisodes(findings);
  report.summary = { ...report.summary, verdict: verdictFor(byLevel), findings: findings.length, shown: findings.length, byLevel, highestLevel: [...LEVELS].reverse().find((l) => byLevel[l] > 0) ?? null, errors: report.errors.length };
  report.meta.options = { ...report.meta.options, ...(given.from ? { from: given.from } : {}), ...(given.to ? { to: given.to } : {}), ...(hosts.length > 0 ? { reportHosts: [...hosts] } : {}) };
  return report;
}

function fail(file: string, why: string): never {
  throw new UsageError(`${escapeControls(file)} is not a stagehunt JSON scan: ${why}`);
}

/** Validates the shape every writer relies on; throws a one-line UsageError otherwise. */
export function validateSavedScan(doc: unknown, file: string): ScanReport {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail(file, 'expected a JSON object (save it with --format json)');
  const r = doc as Record<string, unknown>;
  const meta = r.meta as Record<string, unknown> | undefined;
  if (!meta || meta.tool !== 'stagehunt') fail(file, 'meta.tool is not "stagehunt"');
  if (!Array.isArray(meta.roots) || typeof meta.startedAt !== 'string' || typeof meta.finishedAt !== 'string' || !meta.atime || typeof meta.atime !== 'object') fail(file, 'meta is incomplete');
  const summary = r.summary as Record<string, unknown> | undefined;
  if (!summary || typeof summary.verdict !== 'string' || !summary.byLevel || typeof summary.byLevel !== 'object') fail(file, 'summary is missing');
  if (!Array.isArray(r.findings) || !Array.isArray(r.timeline) || !Array.isArray(r.errors)) fail(file, 'findings, timeline or errors is not a list');
  r.findings.forEach((f: unknown, i: number) => {
    const x = f as Record<string, unknown>;
    if (!x || typeof x.id !== 'string' || typeof x.path !== 'string' || typeof x.root !== 'string' || !isLevel(x.level) || typeof x.score !== 'number' || !Array.isArray(x.reasons) || !x.times || !Array.isArray(x.attack))
      fail(file, `finding ${i} lacks id, root, path, level, score, reasons, times or attack`);
  });
  r.timeline.forEach((row: unknown, i: number) => {
    const x = row as Record<string, unknown>;
    if (!x || typeof x.time !== 'string' || typeof x.type !== 'string' || typeof x.findingId !== 'string' || !isLevel(x.level)) fail(file, `timeline row ${i} is malformed`);
  });
  for (const l of LEVELS) if (typeof (summary.byLevel as Record<string, unknown>)[l] !== 'number') fail(file, `summary.byLevel.${l} is missing`);
  if (r.episodes !== undefined && !Array.isArray(r.episodes)) fail(file, 'episodes is not a list');
  return doc as ScanReport;
}

/**
 * A report rebuilt from a `--format jsonl` scan: the findings as saved, their file-time timeline,
 * the counts and verdict computed from them. What JSONL does not carry (options, roots' counts,
 * read errors, event rows of the timeline) is absent, and meta.command says so.
 */
function reportFromJsonl(text: string, file: string): unknown {
  const findings: unknown[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      findings.push(JSON.parse(line));
    } catch {
      fail(file, i === 0 ? 'neither JSON nor JSONL' : `line ${i + 1} of the JSONL is not valid JSON`);
    }
  }
  if (findings.length === 0) fail(file, 'empty');
  validateSavedScan({ ...EMPTY_SAVED, findings }, file);
  const typed = findings as Finding[];
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const f of typed) byLevel[f.level]++;
  const roots = [...new Set(typed.map((f) => f.root))];
  return {
    ...EMPTY_SAVED,
    meta: { ...EMPTY_SAVED.meta, command: `(rebuilt from the JSONL findings of ${file})`, roots: roots.map((r) => ({ path: r, os: 'unknown', label: path.basename(r) || r, hotspotDirectories: 0, filesScanned: 0, bytesRead: 0, directories: 0, symlinksSkipped: 0, specialFilesSkipped: 0, otherDeviceSkipped: 0 })) },
    summary: { verdict: verdictFor(byLevel), findings: typed.length, shown: typed.length, byLevel, highestLevel: [...LEVELS].reverse().find((l) => byLevel[l] > 0) ?? null, errors: 0 },
    findings: typed,
    timeline: sortTimeline(typed.flatMap(fileTimeRows)),
  };
}

/** The frame a JSONL scan's findings are put in (and validated against). */
const EMPTY_SAVED = {
  meta: { tool: 'stagehunt', version: 'unknown', command: '', options: {}, roots: [] as unknown[], startedAt: '', finishedAt: '', atime: { preservedWithNoatime: 0, openedWithoutNoatime: 0, note: 'not recorded in JSONL' }, node: '' },
  summary: { verdict: '', findings: 0, shown: 0, byLevel: Object.fromEntries(LEVELS.map((l) => [l, 0])), highestLevel: null, errors: 0 },
  findings: [] as unknown[],
  timeline: [] as unknown[],
  errors: [] as unknown[],
};

export function loadSavedScan(file: string): ScanReport {
  let text: string;
  try {
    if (statSync(file).size > MAX_SAVED_SCAN_BYTES) fail(file, `larger than ${MAX_SAVED_SCAN_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${escapeControls(file)}: ${fileErrorText(err)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not one JSON document: a --format jsonl scan (one finding per line), as --baseline accepts.
    doc = reportFromJsonl(text, file);
  }
  const report = validateSavedScan(doc, file);
  // Scans saved before episodes existed get them computed from their findings.
  if (!report.episodes) report.episodes = buildEpisodes(report.findings);
  // Scans saved before acquisition times were marked get them marked from their own start time.
  markAcquisitionTimes(report.timeline as TimelineRow[], report.meta.startedAt || null);
  return report;
}

export async function runReport(args: ReportArgs): Promise<number> {
  const timeZone = checkedTimeZone(args.timezone);
  const window = timeWindow(args);
  const hosts = (args.host === undefined ? [] : Array.isArray(args.host) ? args.host : [args.host]).filter((h) => h !== '').map(checkHostLabel);
  const report = narrowSavedScan(loadSavedScan(args.scan), hosts, window, args);
  // --case / --examiner given here name the case of a scan saved without them (or correct them).
  const caseInfo = caseInfoOf(args);
  if (caseInfo) report.meta.case = { id: caseInfo.id ?? report.meta.case?.id ?? null, examiner: caseInfo.examiner ?? report.meta.case?.examiner ?? null };
  let target: OutputTarget | null = null;
  if (args.output) {
    target = checkOutputPath(args.output, []);
    installInterruptHandlers();
    reserveOutput(target);
  }
  try {
    const style = { color: args.format === 'table' && !target && wantColor(args.color, process.stdout), timeZone, redact: args.redact, width: target ? undefined : terminalColumns(process.stdout), verbose: args.verbose, height: target ? undefined : terminalRows(process.stdout) };
    const text = WRITERS[args.format]!(report, style);
    if (target) {
      await commitOutput(target, text);
      noteWritten(target.path);
    } else await writeStdout(text);
    if (!args.quiet && target) process.stderr.write(`stagehunt: ${args.format} report written to ${target.path}\n`);
    return EXIT.ok;
  } catch (err) {
    abandonOutput();
    throw err;
  }
}
