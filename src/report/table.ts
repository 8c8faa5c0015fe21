/**
 * The terminal triage: a verdict line, the findings table (most severe first) and the
 * time-ordered timeline of what stands out. Every evidence string goes through displayText.
 */
import Table from 'cli-table3';
import type { Finding } from '../model/finding.js';
import { levelRank } from '../model/finding.js';
import type { ScanReport } from '../model/report.js';
import { displayText } from '../util/text.js';
import { locatorParts } from '../model/kinds.js';
import { bold, paintLevel, type Style } from './style.js';

const PLAIN = { head: [] as string[], border: [] as string[] };

/** Wraps text at word boundaries for the terminal. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function locator(f: Finding): string {
  const parts = locatorParts(f, 'table');
  return parts.length ? `\n  ${displayText(parts.join('; '), 110)}` : '';
}

function when(f: Finding): string {
  const t = f.deletedAt ?? f.times.modified ?? f.times.born;
  return t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, '') : '';
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

export function toTable(report: ScanReport, style: Style, opts: { limit?: number } = {}): string {
  const out: string[] = [];
  const s = report.summary;
  const counts = (['critical', 'high', 'medium', 'low', 'info'] as const).map((l) => `${paintLevel(l, l, style)} ${s.byLevel[l]}`).join('  ');
  out.push(bold(`stagehunt ${report.meta.version}: T1074.001 local data staging triage`, style));
  out.push(`roots: ${report.meta.roots.map((r) => `${displayText(r.path, 80)} (${r.os}, ${r.filesScanned} files)`).join(', ')}`);
  out.push(`verdict: ${bold(s.verdict, style)}`);
  out.push(`findings: ${s.findings} (${counts}); shown: ${s.shown}; read errors: ${s.errors}${s.suppressed !== undefined ? `; suppressed by --exclude/--allowlist: ${s.suppressed} (listed in --format json)` : ''}`);
  if (report.findings.length === 0) {
    out.push('', 'No findings at or above the chosen level.');
    return `${out.join('\n')}\n`;
  }
  for (const [i, e] of (report.episodes ?? []).slice(0, 5).entries()) {
    const who = e.users.length ? ` by ${displayText(e.users.join(', '), 200)}` : '';
    out.push('', `${bold(`episode ${i + 1}`, style)}: ${paintLevel(e.level, e.level, style)} (score ${e.score}, ${e.confidence} confidence${who}, ${e.findingIds.length} findings)`);
    out.push(wrap(displayText(e.narrative, 4000), 120, '  '));
  }
  if ((report.episodes ?? []).length > 5) out.push(`... ${report.episodes!.length - 5} more episodes (see --format json or --report)`);
  const limit = opts.limit ?? 200;
  const table = new Table({
    head: ['level', 'score', 'what', 'path', 'size', 'time (UTC)', 'why'],
    style: PLAIN,
    colWidths: [10, 7, 10, 42, 10, 21, 56],
    wordWrap: true,
    wrapOnWordBoundary: false,
  });
  for (const f of report.findings.slice(0, limit)) {
    const why = f.reasons
      .slice(0, 4)
      .map((r) => `+${r.score} ${displayText(r.message, 110)}`)
      .join('\n');
    table.push([paintLevel(f.level, f.level, style), String(f.score), f.format ? `${f.kind}\n${displayText(f.format, 10)}` : f.kind, `${displayText(f.path, 140)}${locator(f)}`, humanSize(f.size), when(f), why]);
  }
  out.push('', table.toString());
  if (report.findings.length > limit) out.push(`... ${report.findings.length - limit} more findings (use --format json/csv for all)`);
  const notable = report.timeline.filter((r) => levelRank(r.level) >= levelRank('high'));
  if (notable.length) {
    const tl = new Table({ head: ['time (UTC)', 'what', 'level', 'event'], style: PLAIN, colWidths: [30, 16, 10, 90], wordWrap: true, wrapOnWordBoundary: false });
    for (const r of notable.slice(0, 60)) tl.push([r.time, r.type, paintLevel(r.level, r.level, style), displayText(r.description, 200)]);
    out.push('', bold('timeline of high and critical findings', style), tl.toString());
    if (notable.length > 60) out.push(`... ${notable.length - 60} more timeline rows (see --format json)`);
  }
  if (report.errors.length) {
    out.push('', `${report.errors.length} paths could not be read or were skipped (listed under "errors" in --format json), e.g.:`);
    for (const e of report.errors.slice(0, 5)) out.push(`  ${e.op} ${e.code} ${displayText(e.path, 100)}: ${displayText(e.message, 100)}`);
  }
  return `${out.join('\n')}\n`;
}
