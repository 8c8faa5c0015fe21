/**
 * The terminal triage (issue 16), fitted to the terminal's width, one line per finding:
 *   the header and the verdict block (what, where, when, who, how sure),
 *   the counts (and the baseline's new / known / resolved),
 *   the findings grouped by staging episode, most severe first: level, score, kind, the path
 *   shortened in its middle, the top reason (with --verbose: every reason, locator and time),
 *   the headline timeline of high and critical evidence times (acquisition times left out).
 * No line is wider than the width; colour is added after a cell is cut and padded, so an escape
 * sequence is never split. Every evidence string goes through displayText.
 */
import { liveVolumeOf, shadowCopyText } from '../model/shadow-copy.js';
import type { Finding, Level } from '../model/finding.js';
import { levelRank, LEVELS } from '../model/finding.js';
import type { Episode, ScanReport, TimelineRow } from '../model/report.js';
import { displayText } from '../util/text.js';
import { pushAll } from '../util/arrays.js';
import { locatorParts } from '../model/kinds.js';
import { cellWidth, padCells, truncateEnd, truncateMiddle, wrapCells } from './columns.js';
import { bold, DEFAULT_COLUMNS, dim, MIN_COLUMNS, paintLevel, type Style } from './style.js';
import { errorCounts, rootTag, verdictBlock } from './view.js';
import { showTime, withZonedEpisodes, zoneLabel } from './time-zone.js';
import { machineLine } from './case-header.js';

/** Findings listed before "... N more" (all of them are in --format json/csv). */
const FINDINGS_SHOWN = 200;
/** Headline timeline rows (more with --verbose). */
const TIMELINE_SHOWN = 15;
const TIMELINE_SHOWN_VERBOSE = 200;
/** Widths of the fixed columns. */
const LEVEL_CELLS = 8;
const SCORE_CELLS = 3;
const KIND_CELLS = 8;
const TIME_CELLS = 16;
const BASELINE_CELLS = 5;
/** From this width on, each finding line also shows its time. */
const TIME_COLUMN_FROM = 110;

/** Below this width the level is shown in four letters (as Hayabusa does), leaving the path and the reason more room. */
const FULL_LEVEL_FROM = 100;
const LEVEL_SHORT: Record<Level, string> = { critical: 'crit', high: 'high', medium: 'med', low: 'low', info: 'info' };
/** Timeline row types that fit TYPE_CELLS. */
const TYPE_CELLS = 11;
const TYPE_SHORT: Record<string, string> = { 'archive-entry-modified': 'entry-mtime', 'key-last-written': 'key-written' };
/** Kind names that fit KIND_CELLS. */
const KIND_SHORT: Record<string, string> = { 'archive-entry': 'entry', 'recycle-bin': 'recycled', directory: 'dir', execution: 'exec', 'mft-record': 'mft', 'i30-entry': 'i30', 'usn-record': 'usn', 'logfile-record': 'log' };

/** The kind cell: an event rebuilt from a log's chunk slack says so at a glance (`event.recovered`, docs/eventlogs.md). */
function kindCell(f: Finding): string {
  if (f.kind === 'event' && f.event?.recovered) return 'evtslack';
  return KIND_SHORT[f.kind] ?? f.kind;
}

/** "2025-03-15 04:25" from ISO-8601 UTC, in --timezone when given (the minute is what a glance needs; --verbose and JSON keep the rest). */
function minute(t: string | null | undefined, zone?: string): string {
  return t ? showTime(t, zone).slice(0, 16) : '';
}

/** "2025-03-15 04:25:10" from ISO-8601 UTC, in --timezone when given. */
function second(t: string | null | undefined, zone?: string): string {
  return t ? showTime(t, zone).slice(0, 19) : '';
}

/** The time a finding's evidence points at: deletion, else modification, else birth. */
function findingTime(f: Finding): string | null {
  return f.deletedAt ?? f.times.modified ?? f.times.born;
}

function humanSize(n: number | null): string {
  if (n === null) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** One line cut to the width (the text is already neutralised). */
function fit(text: string, width: number): string {
  return truncateEnd(text, width);
}

interface Layout {
  width: number;
  levelCells: number;
  path: number;
  reason: number;
  time: boolean;
  baseline: boolean;
}

const INDENT = '  ';

function layoutFor(width: number, findings: readonly Finding[], baseline: boolean, tagged: boolean, report: ScanReport): Layout {
  const time = width >= TIME_COLUMN_FROM;
  const levelCells = width >= FULL_LEVEL_FROM ? LEVEL_CELLS : 4;
  const fixed = INDENT.length + levelCells + 1 + SCORE_CELLS + 1 + KIND_CELLS + 1 + (time ? TIME_CELLS + 1 : 0) + (baseline ? BASELINE_CELLS + 1 : 0);
  const free = Math.max(20, width - fixed - 1);
  const longest = findings.reduce((m, f) => Math.max(m, cellWidth(pathText(f, tagged, report))), 0);
  // The path gets up to half of what is left (its middle is cut), the top reason the rest.
  const path = Math.max(12, Math.min(longest, Math.floor(free * 0.5)));
  return { width, levelCells, path, reason: Math.max(8, free - path), time, baseline };
}

/** The path a finding line shows: prefixed with its root's label when the scan has several roots. */
function pathText(f: Finding, tagged: boolean, report: ScanReport): string {
  const p = displayText(f.path, 4096);
  return tagged ? `${displayText(rootTag(report, f), 64)}:${p}` : p;
}

function findingLine(f: Finding, layout: Layout, style: Style, tagged: boolean, report: ScanReport): string {
  const level = layout.levelCells < LEVEL_CELLS ? LEVEL_SHORT[f.level] : f.level;
  const cells: string[] = [INDENT, paintLevel(f.level, padCells(level, layout.levelCells), style), ' ', String(f.score).padStart(SCORE_CELLS), ' ', padCells(kindCell(f), KIND_CELLS), ' '];
  if (layout.baseline) cells.push(f.known ? dim(padCells('known', BASELINE_CELLS), style) : bold(padCells('new', BASELINE_CELLS), style), ' ');
  if (layout.time) cells.push(padCells(minute(findingTime(f), style.timeZone), TIME_CELLS), ' ');
  cells.push(padCells(truncateMiddle(pathText(f, tagged, report), layout.path), layout.path), ' ');
  cells.push(truncateEnd(displayText(f.reasons[0]?.message ?? '', 4096), layout.reason));
  return cells.join('').trimEnd();
}

/** With --verbose: the lines under a finding (locator, times, type, every reason with its points, id). */
function findingDetail(f: Finding, layout: Layout, zone?: string): string[] {
  const width = layout.width;
  const pad = `${INDENT}${' '.repeat(layout.levelCells + 1)}`;
  const inner = Math.max(20, width - pad.length);
  const out: string[] = [];
  const wrapped = (text: string, hang = '  '): void => {
    const lines = wrapCells(text, inner - hang.length);
    lines.forEach((l, i) => out.push(`${pad}${i === 0 ? '' : hang}${l}`));
  };
  // The finding line cuts a long path in its middle; here it is whole (escaped, wrapped).
  wrapped(`path ${displayText(f.path, 4000)}`);
  const where = locatorParts(f, 'table');
  if (f.user) where.push(`user ${f.user}`);
  if (where.length) wrapped(displayText(`at ${where.join('; ')}`, 2000));
  const facts = [f.format ? `type ${f.format}` : '', f.size !== null ? humanSize(f.size) : '', f.entropy !== null ? `entropy ${f.entropy.toFixed(2)}` : '', findingTime(f) ? `${f.deletedAt ? 'deleted' : f.times.modified ? 'modified' : 'born'} ${second(findingTime(f), zone)} ${zoneLabel(zone)}` : ''].filter(Boolean);
  if (facts.length) wrapped(displayText(facts.join(', '), 2000));
  for (const r of f.reasons) wrapped(`+${r.score} ${displayText(r.message, 2000)} (${r.rule})`, '    ');
  out.push(`${pad}${dim(`id ${f.id}`, { color: false })}`);
  return out;
}

function episodeHeading(e: Episode, i: number, first: Finding, style: Style, width: number, report: ScanReport): string {
  const parts = [`episode ${i + 1}`, `${e.level} ${e.score}`, `${e.findingIds.length} finding${e.findingIds.length === 1 ? '' : 's'}`];
  // Episodes never mix roots: with several roots, the heading names the episode's one (a volume's, with its shadow copies).
  if (report.meta.roots.length > 1 || first.host !== undefined) parts.push(first.host ?? liveVolumeOf(rootTag(report, first)));
  if (e.users.length) parts.push(e.users.join(', '));
  if (e.start) {
    const start = minute(e.start, style.timeZone);
    const end = minute(e.end ?? e.start, style.timeZone);
    parts.push(end === start ? start : `${start}-${end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end}`);
  }
  parts.push(`${e.confidence} confidence`);
  return bold(fit(displayText(parts.join(' · '), 4000), width), style);
}

function timelineLine(r: TimelineRow, width: number, style: Style): string {
  const levelCells = width >= FULL_LEVEL_FROM ? LEVEL_CELLS : 4;
  const level = levelCells < LEVEL_CELLS ? LEVEL_SHORT[r.level] : r.level;
  const type = padCells(truncateEnd(TYPE_SHORT[r.type] ?? displayText(r.type, 64), TYPE_CELLS), TYPE_CELLS);
  const head = `${INDENT}${second(r.time, style.timeZone)} ${type} ${paintLevel(r.level, padCells(level, levelCells), style)} `;
  const used = INDENT.length + 19 + 1 + TYPE_CELLS + 1 + levelCells + 1;
  const where = r.host ? `${r.host}:` : '';
  return head + truncateEnd(displayText(where + r.description, 4096), Math.max(10, width - used - 1));
}

/** What follows the findings' counts: what was shown, not read, skipped, warned about, suppressed (never painted). */
function countsExtra(report: ScanReport): string {
  const s = report.summary;
  const extra = s.shown < s.findings ? [`${s.shown} shown (--min-level)`] : [];
  const errors = errorCounts(report.errors);
  extra.push(`read errors ${errors.unreadable}`);
  if (errors.skipped) extra.push(`skipped ${errors.skipped}`);
  if (errors.warnings) extra.push(`warnings ${errors.warnings}`);
  if (s.suppressed !== undefined) extra.push(`suppressed ${s.suppressed}`);
  return extra.join(' · ');
}

/**
 * The counts on one line when it fits, else on two (the findings by level, then the rest indented):
 * a narrow terminal must not cut off the read errors. The levels are painted only where their line
 * fits: cutting a painted line could split an escape sequence.
 */
function countsLines(report: ScanReport, style: Style, width: number): string[] {
  const s = report.summary;
  const levels = (st: Style): string => `${s.findings} findings: ${[...LEVELS].reverse().map((l) => `${paintLevel(l, l, st)} ${s.byLevel[l]}`).join(', ')}`;
  const plain = levels({ color: false });
  const extra = countsExtra(report);
  if (cellWidth(`${plain} · ${extra}`) <= width) return [`${levels(style)} · ${extra}`];
  return [cellWidth(plain) <= width ? levels(style) : fit(plain, width), fit(`${INDENT}${extra}`, width)];
}

export function toTable(report: ScanReport, style: Style): string {
  report = withZonedEpisodes(report, style.timeZone);
  const width = Math.max(MIN_COLUMNS, style.width ?? DEFAULT_COLUMNS);
  const out: string[] = [];
  const s = report.summary;
  const roots = report.meta.roots.map((r) => `${r.host ? `${r.host}=` : ''}${r.path} (${[shadowCopyText(r), r.os, `${r.filesScanned} files`].filter(Boolean).join(', ')})`).join(', ');
  out.push(bold(fit(`stagehunt ${report.meta.version} · T1074.001 local data staging triage`, width), style));
  out.push(fit(`roots: ${displayText(roots, 4000)}`, width));
  for (const r of report.meta.roots) {
    const machine = machineLine(r, style.timeZone);
    // Wrapped, not cut: the zone and the version are what an analyst reads first.
    if (machine) wrapCells(displayText(`${report.meta.roots.length > 1 ? `${r.label}: ` : ''}${machine}`, 1000), width - 9).forEach((l, i) => out.push(`${i === 0 ? 'machine: ' : ' '.repeat(9)}${l}`));
  }
  out.push('');
  for (const [label, text] of verdictBlock(report, style.timeZone)) {
    const lead = label === 'verdict' ? bold(padCells(label, 9), style) : padCells(label, 9);
    // The verdict is never cut; the other lines are, unless --verbose.
    if (style.verbose || label === 'verdict') wrapCells(displayText(text, 4000), width - 10).forEach((l, i) => out.push(`${i === 0 ? lead : ' '.repeat(9)} ${l}`));
    else out.push(`${lead} ${fit(displayText(text, 4000), width - 10)}`);
  }
  out.push('');
  pushAll(out, countsLines(report, style, width));
  if (s.baseline) out.push(fit(`baseline ${displayText(s.baseline.file, 200)}: ${s.baseline.new} new, ${s.baseline.known} known, ${s.baseline.resolved.length} resolved`, width));
  if (report.findings.length === 0) {
    out.push('', 'No findings at or above the chosen level.');
    return `${out.join('\n')}\n`;
  }
  const tagged = report.meta.roots.length > 1 || report.findings.some((f) => f.host !== undefined);
  const layout = layoutFor(width, report.findings, !!s.baseline, tagged, report);
  const byId = new Map(report.findings.map((f) => [f.id, f]));
  const listed = new Set<string>();
  let shown = 0;
  // On a terminal of known height the default view keeps to one screen: about 22 lines of header, verdict,
  // counts, hints and timeline frame; the rest is shared by findings and timeline rows (the rest counted).
  const screen = style.verbose || style.height === undefined ? null : Math.max(0, style.height - 22);
  const timelineCap = screen === null ? undefined : Math.min(TIMELINE_SHOWN, Math.max(3, Math.floor(screen / 3)));
  const findingsCap = screen === null ? FINDINGS_SHOWN : Math.max(5, screen - (timelineCap ?? 0) - (report.episodes ?? []).length);
  // Inside an episode the heading names the root; only the findings outside one carry it on each line.
  const list = (findings: Finding[], withRoot: boolean): void => {
    for (const f of findings) {
      listed.add(f.id);
      if (shown >= findingsCap) continue;
      shown++;
      out.push(findingLine(f, layout, style, withRoot, report));
      if (style.verbose) for (const l of findingDetail(f, layout, style.timeZone)) out.push(l);
    }
  };
  const order = new Map(report.findings.map((f, i) => [f.id, i]));
  const episodes = report.episodes ?? [];
  for (const [i, e] of episodes.entries()) {
    const members = e.findingIds.map((id) => byId.get(id)).filter((f): f is Finding => f !== undefined && !listed.has(f.id));
    if (members.length === 0) continue;
    members.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    out.push('', episodeHeading(e, i, members[0]!, style, width, report));
    if (style.verbose) for (const l of wrapCells(displayText(e.narrative, 8000), width - 4)) out.push(`${INDENT}${l}`);
    // A volume's episode with findings of its shadow copies: each line says which.
    list(members, members.some((m) => m.root !== members[0]!.root));
  }
  const rest = report.findings.filter((f) => !listed.has(f.id));
  if (rest.length) {
    out.push('', bold(episodes.length ? `not in an episode · ${rest.length} finding${rest.length === 1 ? '' : 's'}` : `findings · ${rest.length}`, style));
    list(rest, tagged);
  }
  if (shown < report.findings.length) out.push(fit(`... ${report.findings.length - shown} more findings (--format json or csv lists all)`, width));
  if (!style.verbose) out.push(dim(fit(`every reason of every finding: --verbose, or stagehunt explain ${report.meta.roots.some((r) => r.image) ? '--root IMAGE PATH' : 'FILE'}`, width), style));
  timeline(report, style, width, out, timelineCap);
  if (report.errors.length) {
    out.push('', fit(`${report.errors.length} paths could not be read or were skipped (listed under "errors" in --format json), e.g.:`, width));
    for (const e of report.errors.slice(0, 5)) out.push(fit(`${INDENT}${e.op} ${e.code} ${displayText(e.path, 400)}: ${displayText(e.message, 400)}`, width));
  }
  return `${out.join('\n')}\n`;
}

/** The headline timeline: evidence times of high and critical findings, acquisition times left out (counted). */
function timeline(report: ScanReport, style: Style, width: number, out: string[], cap?: number): void {
  const evidence: TimelineRow[] = [];
  let acquisition = 0;
  for (const r of report.timeline) {
    if (levelRank(r.level) < levelRank('high' as Level)) continue;
    if (r.acquisition) acquisition++;
    else evidence.push(r);
  }
  if (!evidence.length && !acquisition) return;
  out.push('', bold(fit(`timeline · evidence times of high and critical findings (${zoneLabel(style.timeZone)})`, width), style));
  const max = style.verbose ? TIMELINE_SHOWN_VERBOSE : (cap ?? TIMELINE_SHOWN);
  const rows = evidence.slice(0, max);
  for (const r of rows) out.push(timelineLine(r, width, style));
  if (evidence.length > rows.length) out.push(fit(`${INDENT}... ${evidence.length - rows.length} more rows (--verbose, or --format json)`, width));
  if (acquisition) out.push(dim(fit(`${INDENT}${acquisition} times of the image's making or copying left out ("acquisition" in JSON)`, width), style));
}
