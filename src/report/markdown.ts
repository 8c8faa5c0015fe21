/**
 * The Markdown report: the HTML report's content for tickets and wikis, readable raw (the chart
 * becomes a list of high-level timeline rows). Prose goes through mdText, paths and commands
 * through mdCode (markdown-text.ts): only what would change the rendering is escaped.
 */
import { shadowCopyText } from '../model/shadow-copy.js';
import type { ScanReport, TimelineRow } from '../model/report.js';
import { levelRank } from '../model/finding.js';
import { buildView, errorCounts, errorCountsSentence, locatorText, shadowCopyNote, type ReportView } from './view.js';
import { pushAll } from '../util/arrays.js';
import { mdCode as c, mdText as m } from './markdown-text.js';
import { caseHeader, optionLines, timedSteps } from './case-header.js';
import { redactionNotice, redactReport, type RedactionNote } from './redact.js';
import { showTime, withZonedEpisodes, zoneLabel } from './time-zone.js';
import type { Style } from './style.js';

const TIMELINE_ROWS = 60;

interface MdContext {
  zone?: string;
  redactions: RedactionNote[] | null;
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`), ''];
}

function header(v: ReportView, ctx: MdContext): string[] {
  const out = table(['', ''], caseHeader(v.report, ctx.zone).map((r) => [`**${r.label}**`, r.lines.map((l) => m(l, 1000)).join('<br>')]));
  if (ctx.redactions) out.push(`> ${m(redactionNotice(ctx.redactions), 4000)}`, '');
  return out;
}

function summary(v: ReportView): string[] {
  const s = v.report.summary;
  const out = [`**Verdict: ${m(s.verdict)}**`, '', `${s.findings} findings: ${v.levelsHighFirst.map((l) => `${l} ${s.byLevel[l]}`).join(', ')}. Shown: ${s.shown}. ${m(errorCountsSentence(errorCounts(v.report.errors)))}`, ''];
  if (s.baseline) out.push(`Baseline ${c(s.baseline.file)}: ${s.baseline.new} new, ${s.baseline.known} known, ${s.baseline.resolved.length} resolved${s.baseline.resolved.length ? ` (${s.baseline.resolved.slice(0, 50).join(', ')})` : ''}.`, '');
  pushAll(out, table(['', ''], v.atAGlance.slice(1).map(([k, val]) => [`**${k}**`, m(val)])));
  return out;
}

function episodes(v: ReportView, ctx: MdContext): string[] {
  const out = [`## Staging episodes (${v.episodes.length})`, ''];
  if (v.episodes.length === 0) return [...out, 'No staging episode: no high finding, and no medium finding confirmed by a second kind of evidence.', ''];
  const zone = zoneLabel(ctx.zone);
  for (const e of v.episodes) {
    out.push(`### ${e.level.toUpperCase()} episode \`${e.id}\`: score ${e.score}/100, ${e.confidence} confidence`, '', m(e.narrative, 4000), '');
    pushAll(out, table([`when (${zone})`, 'who', 'where', 'evidence', 'ATT&CK'], [[`${showTime(e.start, ctx.zone)} to ${showTime(e.end, ctx.zone)}`, m(e.users.join(', ') || 'unknown'), e.locations.map((l) => c(l, 200)).join('<br>'), e.evidenceKinds.join(', '), e.attack.join(', ')]]));
    out.push('What happened, step by step:', '');
    pushAll(out, table([`time (${zone})`, 'step'], timedSteps(e, v.findingsById).map((st) => [st.shownTime ? `${showTime(st.shownTime, ctx.zone)}${st.timeSource === 'command' ? ' (command time)' : ''}` : 'no time recorded', m(st.text)])));
    out.push(`Findings: ${e.findingIds.map((id) => `\`${id}\``).join(', ')}`, '');
  }
  return out;
}

function timeline(v: ReportView, ctx: MdContext): string[] {
  const rows: TimelineRow[] = [];
  const fileRows: TimelineRow[] = [];
  for (const r of v.report.timeline) {
    if (levelRank(r.level) < levelRank('high')) continue;
    if (!/^[.mac]+b?$|^[.macb]{4}$/.test(r.type)) rows.push(r);
    else if (/^[.macb]{4}$/.test(r.type) && r.type.includes('m')) fileRows.push(r);
  }
  const all = [...rows, ...fileRows].sort((a, b) => a.time.localeCompare(b.time) || a.findingId.localeCompare(b.findingId)).slice(0, TIMELINE_ROWS);
  return ['## Timeline (high and critical; modifications and events)', '', ...table([`time (${zoneLabel(ctx.zone)})`, 'type', 'level', 'event'], all.map((r) => [showTime(r.time, ctx.zone), c(r.type), r.level, m(r.description, 300)]))];
}

function findingRows(findings: ScanReport['findings'], ctx: MdContext, maxReason: number, withId: boolean): string[][] {
  return findings.map((f) => {
    const copy = shadowCopyNote(f);
    return [
      withId ? `${f.level} \`${f.id}\`` : f.level,
      String(f.score),
      f.kind,
      `${c(f.path)}${locatorText(f) ? `<br>${c(locatorText(f))}` : ''}${copy ? `<br>${c(copy)}` : ''}${f.known ? '<br>*known from baseline*' : ''}`,
      showTime(f.deletedAt ?? f.times.modified ?? f.times.born, ctx.zone),
      f.reasons.map((r) => `+${r.score} ${m(r.message, maxReason)} (${r.rule})`).join('<br>') + (withId && f.hashes ? `<br>${Object.entries(f.hashes).map(([k, d]) => `${k} \`${String(d)}\``).join('<br>')}` : ''),
    ];
  });
}

function topFindings(v: ReportView, ctx: MdContext): string[] {
  const rows = findingRows(v.topFindings, ctx, 300, false);
  const out = ['## Top findings', '', ...(rows.length ? table(['level', 'score', 'kind', 'path', `time (${zoneLabel(ctx.zone)})`, 'why'], rows) : ['No finding at or above medium.', ''])];
  if (v.report.findings.length > v.topFindings.length) out.push(`${v.report.findings.length - v.topFindings.length} more findings are in the appendix.`, '');
  return out;
}

function appendix(v: ReportView, ctx: MdContext): string[] {
  const rows = findingRows(v.report.findings, ctx, 600, true);
  return [`## Appendix: all ${rows.length} findings`, '', ...(rows.length ? table(['level, id', 'score', 'kind', 'path', `time (${zoneLabel(ctx.zone)})`, 'why, hashes'], rows) : ['No findings.', ''])];
}

function attack(v: ReportView): string[] {
  const out = ['## ATT&CK mapping', '', ...table(['technique', 'name', 'role here', 'evidence'], v.attack.map((a) => [`**${a.id}**`, a.name, a.role, a.findings ? `${a.findings} findings` : 'not observed']))];
  if (v.otherAttack.length) out.push(`Other techniques named by the rules that fired: ${v.otherAttack.join(', ')}.`, '');
  out.push('### Data sources', '');
  pushAll(out, table(['id', 'data source', 'status', 'how'], v.dataSources.map((d) => [d.id, d.name, d.covered ? 'covered' : '**not covered**', d.how])));
  return out;
}

function custody(v: ReportView, ctx: MdContext): string[] {
  const meta = v.report.meta;
  const out = ['## Scan metadata (chain of custody)', ''];
  pushAll(out, table(['', ''], [
    ['tool', `${meta.tool} ${m(meta.version)} (node ${m(meta.node)}), report schema ${meta.schemaVersion ?? 'before 1.0'}`],
    ['command', c(meta.command, 2000)],
    ['options', optionLines(meta.options).map((l) => m(l, 400)).join('<br>')],
    ['started', showTime(meta.startedAt, ctx.zone)],
    ['finished', showTime(meta.finishedAt, ctx.zone)],
    ['access times', `${meta.atime.preservedWithNoatime} files opened with O_NOATIME, ${meta.atime.openedWithoutNoatime} without. ${m(meta.atime.note)}`],
  ]));
  out.push('### Evidence roots', '');
  pushAll(out, table(['root', 'os', 'label', 'files', 'directories', 'bytes read'], meta.roots.map((r) => [c(r.path), r.os, m(shadowCopyText(r) ? `${r.label} (${shadowCopyText(r)})` : r.label), String(r.filesScanned), String(r.directories), String(r.bytesRead)])));
  const hashes = meta.hashes ?? [];
  out.push('### Hashes of reported files', '');
  if (hashes.length) pushAll(out, table(['path', 'status', 'size', 'digests'], hashes.map((x) => [c(x.path), x.status, x.size === null ? '' : String(x.size), Object.entries(x.hashes).map(([k, val]) => `${k} \`${val}\``).join('<br>') + (x.message ? ` ${m(x.message)}` : '')])));
  else out.push('No hashes recorded (scan run with --hash none or saved by an older version).', '');
  out.push(`### What could not be read, was skipped or warned about (${v.report.errors.length})`, '');
  if (v.report.errors.length) pushAll(out, table(['path', 'operation', 'code', 'message'], v.report.errors.slice(0, 100).map((e) => [c(e.path), m(e.op), m(e.code), m(e.message, 200)])));
  else out.push('Every path in scope was read.', '');
  return out;
}

/** The report as Markdown; `style` carries --timezone and --redact. */
export function toMarkdown(report: ScanReport, style: Partial<Style> = {}): string {
  report = withZonedEpisodes(report, style.timeZone);
  const redacted = style.redact ? redactReport(report) : null;
  const ctx: MdContext = { zone: style.timeZone, redactions: redacted ? redacted.notes : null };
  const v = buildView(redacted ? redacted.report : report, style.timeZone);
  const caseId = v.report.meta.case?.id;
  return [
    `# ${caseId ? `${m(caseId, 200)}: ` : ''}T1074.001 local data staging report`,
    '',
    ...header(v, ctx),
    ...summary(v),
    ...episodes(v, ctx),
    ...timeline(v, ctx),
    ...topFindings(v, ctx),
    ...attack(v),
    ...appendix(v, ctx),
    ...custody(v, ctx),
    `Generated by stagehunt ${m(report.meta.version)}.`,
    '',
  ].join('\n');
}
