/**
 * The Markdown report: the HTML report's content for tickets and wikis (the chart becomes a
 * list of high-level timeline rows). Every evidence string goes through markdownEscape.
 */
import type { ScanReport } from '../model/report.js';
import { levelRank } from '../model/finding.js';
import { markdownEscape } from '../util/text.js';
import { buildView, locatorText, shortTime, type ReportView } from './view.js';
import { pushAll } from '../util/arrays.js';

const MAX_TEXT = 600;
const TIMELINE_ROWS = 60;

/**
 * Evidence text for Markdown: markdownEscape, then '<' and '>' as entities, because renderers
 * that are not CommonMark do not all honour a backslash before a tag.
 */
function m(text: string | null | undefined, max = MAX_TEXT): string {
  if (text === null || text === undefined) return '';
  return markdownEscape(text.length > max ? `${text.slice(0, max - 1)}…` : text)
    .replace(/\\</g, '&lt;')
    .replace(/\\>/g, '&gt;');
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`), ''];
}

function summary(v: ReportView): string[] {
  const s = v.report.summary;
  const out = [`**Verdict: ${m(s.verdict)}**`, '', `${s.findings} findings: ${v.levelsHighFirst.map((l) => `${l} ${s.byLevel[l]}`).join(', ')}. Shown: ${s.shown}. Paths that could not be read: ${s.errors}.`, ''];
  if (s.baseline) out.push(`Baseline ${m(s.baseline.file)}: ${s.baseline.new} new, ${s.baseline.known} known, ${s.baseline.resolved.length} resolved${s.baseline.resolved.length ? ` (${s.baseline.resolved.slice(0, 50).join(', ')})` : ''}.`, '');
  pushAll(out, table(['', ''], v.atAGlance.slice(1).map(([k, val]) => [`**${k}**`, m(val)])));
  return out;
}

function episodes(v: ReportView): string[] {
  const out = [`## Staging episodes (${v.episodes.length})`, ''];
  if (v.episodes.length === 0) return [...out, 'No staging episode: no high finding, and no medium finding confirmed by a second kind of evidence.', ''];
  for (const e of v.episodes) {
    out.push(`### ${e.level.toUpperCase()} episode \`${e.id}\`: score ${e.score}/100, ${e.confidence} confidence`, '', m(e.narrative, 4000), '');
    pushAll(out, table(['when (UTC)', 'who', 'where', 'evidence', 'ATT&CK'], [[`${shortTime(e.start)} to ${shortTime(e.end)}`, m(e.users.join(', ') || 'unknown'), e.locations.map((l) => m(l, 200)).join('<br>'), e.evidenceKinds.join(', '), e.attack.join(', ')]]));
    out.push('What happened, step by step:', '');
    e.steps.forEach((st, i) => out.push(`${i + 1}. ${st.time ? `**${shortTime(st.time)}** ` : ''}${m(st.text)}`));
    out.push('', `Findings: ${e.findingIds.map((id) => `\`${id}\``).join(', ')}`, '');
  }
  return out;
}

function timeline(v: ReportView): string[] {
  const rows = v.report.timeline.filter((r) => levelRank(r.level) >= levelRank('high') && !/^[.mac]+b?$|^[.macb]{4}$/.test(r.type));
  const fileRows = v.report.timeline.filter((r) => levelRank(r.level) >= levelRank('high') && /^[.macb]{4}$/.test(r.type) && r.type.includes('m'));
  const all = [...rows, ...fileRows].sort((a, b) => a.time.localeCompare(b.time) || a.findingId.localeCompare(b.findingId)).slice(0, TIMELINE_ROWS);
  return ['## Timeline (high and critical; modifications and events)', '', ...table(['time (UTC)', 'type', 'level', 'event'], all.map((r) => [shortTime(r.time), m(r.type), r.level, m(r.description, 300)]))];
}

function topFindings(v: ReportView): string[] {
  const rows = v.topFindings.map((f) => [
    f.level,
    String(f.score),
    f.kind,
    `${m(f.path)}${locatorText(f) ? `<br>${m(locatorText(f))}` : ''}${f.known ? '<br>*known from baseline*' : ''}`,
    shortTime(f.deletedAt ?? f.times.modified ?? f.times.born),
    f.reasons.map((r) => `+${r.score} ${m(r.message, 300)} (${m(r.rule)})`).join('<br>'),
  ]);
  const out = ['## Top findings', '', ...(rows.length ? table(['level', 'score', 'kind', 'path', 'time (UTC)', 'why'], rows) : ['No finding at or above medium.', ''])];
  if (v.report.findings.length > v.topFindings.length) out.push(`${v.report.findings.length - v.topFindings.length} more findings are in the JSON/CSV output.`, '');
  return out;
}

function attack(v: ReportView): string[] {
  const out = ['## ATT&CK mapping', '', ...table(['technique', 'name', 'role here', 'evidence'], v.attack.map((a) => [`**${a.id}**`, a.name, a.role, a.findings ? `${a.findings} findings` : 'not observed']))];
  if (v.otherAttack.length) out.push(`Other techniques named by the rules that fired: ${v.otherAttack.join(', ')}.`, '');
  out.push('### Data sources', ''); pushAll(out, table(['id', 'data source', 'status', 'how'], v.dataSources.map((d) => [d.id, d.name, d.covered ? 'covered' : '**not covered**', d.how])));
  return out;
}

function custody(v: ReportView): string[] {
  const meta = v.report.meta;
  const out = ['## Scan metadata (chain of custody)', ''];
  pushAll(out, table(['', ''], [
      ['tool', `${meta.tool} ${m(meta.version)} (node ${m(meta.node)})`],
      ['command', m(meta.command, 2000)],
      ['options', m(JSON.stringify(meta.options), 2000)],
      ['started', meta.startedAt],
      ['finished', meta.finishedAt],
      ['access times', `${meta.atime.preservedWithNoatime} files opened with O_NOATIME, ${meta.atime.openedWithoutNoatime} without. ${m(meta.atime.note)}`],
    ])); out.push();
  out.push('### Evidence roots', ''); pushAll(out, table(['root', 'os', 'label', 'files', 'directories', 'bytes read'], meta.roots.map((r) => [m(r.path), r.os, m(r.label), String(r.filesScanned), String(r.directories), String(r.bytesRead)])));
  const hashes = meta.hashes ?? [];
  out.push('### Hashes of reported files', '');
  if (hashes.length) pushAll(out, table(['path', 'status', 'size', 'digests'], hashes.map((x) => [m(x.path), x.status, x.size === null ? '' : String(x.size), Object.entries(x.hashes).map(([k, val]) => `${k}:${val}`).join(' ') + (x.message ? ` ${m(x.message)}` : '')])));
  else out.push('No hashes recorded (scan run with --hash none or saved by an older version).', '');
  out.push(`### What could not be read (${v.report.errors.length})`, '');
  if (v.report.errors.length) pushAll(out, table(['path', 'operation', 'code', 'message'], v.report.errors.slice(0, 100).map((e) => [m(e.path), m(e.op), m(e.code), m(e.message, 200)])));
  else out.push('Every path in scope was read.', '');
  return out;
}

export function toMarkdown(report: ScanReport): string {
  const v = buildView(report);
  return [
    '# stagehunt: T1074.001 local data staging report',
    '',
    `Generated by stagehunt ${m(report.meta.version)} from a scan that finished ${report.meta.finishedAt}.`,
    '',
    ...summary(v),
    ...episodes(v),
    ...timeline(v),
    ...topFindings(v),
    ...attack(v),
    ...custody(v),
  ].join('\n');
}
