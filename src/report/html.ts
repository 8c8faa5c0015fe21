/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no external asset,
 * a CSP that forbids any fetch). Verdict and episodes first; every evidence string is escaped.
 */
import { shadowCopyText } from '../model/shadow-copy.js';
import type { Finding } from '../model/finding.js';
import type { Episode, ScanReport } from '../model/report.js';
import { htmlEscape as h } from '../util/text.js';
import { LEVEL_COLORS, timelineChart } from './chart.js';
import { buildView, errorCounts, errorCountsSentence, locatorText, shadowCopyNote, type ReportView } from './view.js';
import { caseHeader, optionLines, timedSteps } from './case-header.js';
import { redactionNotice, redactReport, type RedactionNote } from './redact.js';
import { showTime, withZonedEpisodes, zoneLabel } from './time-zone.js';
import type { Style } from './style.js';

/** What the writer needs besides the report: the zone times are shown in, the redaction notes. */
interface HtmlContext {
  zone?: string;
  /** Present when --redact was on (possibly empty: nothing found). */
  redactions: RedactionNote[] | null;
}

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
/** Longest attacker string shown in full; the JSON output keeps the rest. */
const MAX_TEXT = 600;

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;color:#212529}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;border-bottom:1px solid #dee2e6;padding-bottom:4px;margin-top:28px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #dee2e6;padding:4px 6px;text-align:left;vertical-align:top;word-break:normal;overflow-wrap:break-word;hyphens:none}
th,td.nw{white-space:nowrap}td.path{overflow-wrap:anywhere}.case th{width:150px}.case{margin-top:8px}.key td{font-size:12px;padding:1px 6px}
.notice{border-left:4px solid #1971c2;background:#e7f5ff;padding:6px 10px}
@media print{body{max-width:none;padding:0}.episode,tr,svg{break-inside:avoid}h2{break-after:avoid}}
th{background:#f1f3f5}.lvl{display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;font-weight:600;font-size:12px}
.verdict{font-size:18px;font-weight:700;padding:10px 14px;border-left:6px solid #8b0000;background:#fff5f5;margin:10px 0}
.episode{border:1px solid #ced4da;border-radius:6px;padding:8px 14px;margin:12px 0;background:#fcfcfd}
.narrative{font-size:15px}.muted{color:#6c757d}code{font-family:ui-monospace,Consolas,monospace;font-size:12px;background:#f1f3f5;padding:0 3px}
.glance th{width:110px}ol.steps li{margin:3px 0}.episode td{min-width:70px}`;

function t(text: string | null | undefined, max = MAX_TEXT): string {
  if (text === null || text === undefined) return '';
  return h(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}

/** A path that may wrap at its separators (and nowhere else unless it must). */
function p(text: string | null | undefined, max = MAX_TEXT): string {
  return t(text, max).replace(/([/\\])/g, '$1<wbr>');
}

function badge(level: string): string {
  const color = (LEVEL_COLORS as Record<string, string>)[level] ?? '#495057';
  return `<span class="lvl" style="background:${color}">${h(level)}</span>`;
}

/** A table; `classes` names a class per column (`nw`: never wraps, `path`: wraps anywhere if it must). */
function table(head: string[], rows: string[][], classes: string[] = [], cls = ''): string {
  const td = (c: string, i: number): string => (classes[i] ? `<td class="${classes[i]}">${c}</td>` : `<td>${c}</td>`);
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('')}</tbody></table>`;
}

function header(v: ReportView, ctx: HtmlContext): string {
  const rows = caseHeader(v.report, ctx.zone).map((r) => `<tr><th>${h(r.label)}</th><td>${r.lines.map((l) => p(l, 1000)).join('<br>')}</td></tr>`);
  const notice = ctx.redactions ? `<p class="notice" id="redaction">${t(redactionNotice(ctx.redactions), 4000)}</p>` : '';
  return `<table class="case" id="case-header">${rows.join('')}</table>${notice}`;
}

function summary(v: ReportView): string {
  const s = v.report.summary;
  const counts = v.levelsHighFirst.map((l) => `${badge(l)} ${s.byLevel[l]}`).join(' &nbsp; ');
  const glance = v.atAGlance.slice(1).map(([k, val]) => `<tr><th>${h(k)}</th><td>${t(val)}</td></tr>`).join('');
  const baseline = s.baseline ? `<p>Baseline ${t(s.baseline.file)}: ${s.baseline.new} new, ${s.baseline.known} known, ${s.baseline.resolved.length} resolved.</p>` : '';
  return `<div class="verdict" id="verdict">${t(s.verdict)}</div>
<p>${s.findings} findings: ${counts}. Shown: ${s.shown}. ${h(errorCountsSentence(errorCounts(v.report.errors)))}</p>${baseline}
<table class="glance">${glance}</table>`;
}

/** Under a path: the shadow copy the finding was read from, if any. */
function copyNote(f: Finding): string {
  const note = shadowCopyNote(f);
  return note ? `<br><span class="muted">${p(note)}</span>` : '';
}

function episodeFindings(e: Episode, v: ReportView): string {
  const rows = e.findingIds
    .map((id) => v.findingsById.get(id))
    .filter((f): f is Finding => !!f)
    .map((f) => [badge(f.level), String(f.score), h(f.kind), `${p(f.path)}${locatorText(f) ? `<br><span class="muted">${p(locatorText(f))}</span>` : ''}${copyNote(f)}`, `<code>${h(f.id)}</code>`]);
  return `<p>${rows.length} findings in this episode (each in the appendix):</p>${table(['level', 'score', 'kind', 'path', 'id'], rows, ['nw', 'nw', 'nw', 'path', 'nw'])}`;
}

function episodeSection(e: Episode, v: ReportView, ctx: HtmlContext): string {
  const steps = timedSteps(e, v.findingsById).map((st) => {
    const when = st.shownTime ? `${h(showTime(st.shownTime, ctx.zone))}${st.timeSource === 'command' ? ' <span class="muted">(command time)</span>' : ''}` : '<span class="muted">no time recorded</span>';
    return [when, t(st.text)];
  });
  return `<div class="episode" id="${h(e.id)}">
<h3>${badge(e.level)} Episode <code>${h(e.id)}</code>: score ${e.score}/100, ${h(e.confidence)} confidence</h3>
<p class="narrative">${t(e.narrative, 4000)}</p>
${table([`when (${h(zoneLabel(ctx.zone))})`, 'who', 'where', 'evidence', 'ATT&amp;CK'], [[`${h(showTime(e.start, ctx.zone))} to ${h(showTime(e.end, ctx.zone))}`, t(e.users.join(', ') || 'unknown'), e.locations.map((l) => p(l, 200)).join('<br>'), h(e.evidenceKinds.join(', ')), h(e.attack.join(', '))]], ['', '', 'path', '', ''])}
<h4>What happened, step by step</h4>${table([`time (${h(zoneLabel(ctx.zone))})`, 'step'], steps, ['nw', ''], 'steps')}${episodeFindings(e, v)}</div>`;
}

function episodes(v: ReportView, ctx: HtmlContext): string {
  if (v.episodes.length === 0) return '<h2>Staging episodes</h2><p>No staging episode: no high finding, and no medium finding confirmed by a second kind of evidence.</p>';
  return `<h2>Staging episodes (${v.episodes.length})</h2>${v.episodes.map((e) => episodeSection(e, v, ctx)).join('\n')}`;
}

function findingRow(f: Finding, ctx: HtmlContext, maxReason: number): string[] {
  return [
    badge(f.level),
    String(f.score),
    h(f.kind),
    `${p(f.path)}${locatorText(f) ? `<br><span class="muted">${p(locatorText(f))}</span>` : ''}${copyNote(f)}${f.known ? '<br><i>known from baseline</i>' : ''}`,
    h(showTime(f.deletedAt ?? f.times.modified ?? f.times.born, ctx.zone)),
    `<ul>${f.reasons.map((r) => `<li>+${r.score} ${t(r.message, maxReason)} <span class="muted">(${h(r.rule)})</span></li>`).join('')}</ul>`,
  ];
}

const FINDING_CLASSES = ['nw', 'nw', 'nw', 'path', 'nw', ''];

function topFindings(v: ReportView, ctx: HtmlContext): string {
  const rows = v.topFindings.map((f) => findingRow(f, ctx, 300));
  const more = v.report.findings.length > v.topFindings.length ? `<p class="muted">${v.report.findings.length - v.topFindings.length} more findings (lower levels or beyond the top ${v.topFindings.length}) are in the appendix.</p>` : '';
  return `<h2>Top findings</h2>${rows.length ? table(['level', 'score', 'kind', 'path', `time (${h(zoneLabel(ctx.zone))})`, 'why'], rows, FINDING_CLASSES) : '<p>No finding at or above medium.</p>'}${more}`;
}

/** Every finding shown by the scan, with its id (the anchor episodes link to), reasons and hashes. */
function appendix(v: ReportView, ctx: HtmlContext): string {
  const rows = v.report.findings.map((f) => {
    const row = findingRow(f, ctx, MAX_TEXT);
    const digests = f.hashes ? Object.entries(f.hashes).map(([k, d]) => `${h(k)} <code>${h(String(d))}</code>`).join('<br>') : '';
    row[0] = `<span id="f-${h(f.id)}">${row[0]}</span><br><code>${h(f.id)}</code>`;
    row[5] = `${row[5]}${digests ? `<span class="muted">${digests}</span>` : ''}`;
    return row;
  });
  return `<h2 id="appendix">Appendix: all ${rows.length} findings</h2>${rows.length ? table(['level, id', 'score', 'kind', 'path', `time (${h(zoneLabel(ctx.zone))})`, 'why, hashes'], rows, FINDING_CLASSES) : '<p>No findings.</p>'}`;
}

function chartSection(v: ReportView, ctx: HtmlContext): string {
  const chart = timelineChart(v.report.findings, v.episodes, { title: 'timeline of all findings; shaded bands are staging episodes; numbers refer to the key below', timeZone: ctx.zone });
  if (!chart) return '<h2>Timeline</h2><p class="muted">No timed findings to chart.</p>';
  const key = chart.keyRows.map((k) => [`<b>${k.n}</b>`, badge(k.level), h(k.from === k.to ? k.from : `${k.from} to ${k.to}`), `${p(k.path, 200)}${k.count > 1 ? ` <span class="muted">and ${k.count - 1} more</span>` : ''}`]);
  const omitted = chart.keyOmitted ? `<p class="muted">${chart.keyOmitted} more numbers: see the appendix.</p>` : '';
  return `<h2>Timeline</h2><figure id="chart">${chart.svg}</figure>${table(['#', 'level', `time (${h(zoneLabel(ctx.zone))})`, 'finding'], key, ['nw', 'nw', 'nw', 'path'], 'key')}${omitted}`;
}

function attack(v: ReportView): string {
  const rows = v.attack.map((a) => [`<b>${h(a.id)}</b>`, h(a.name), h(a.role), a.findings ? `${a.findings} findings` : '<span class="muted">not observed</span>']);
  const other = v.otherAttack.length ? `<p>Other techniques named by the rules that fired: ${h(v.otherAttack.join(', '))}.</p>` : '';
  const ds = v.dataSources.map((d) => [h(d.id), h(d.name), d.covered ? 'covered' : '<b>not covered</b>', h(d.how)]);
  return `<h2>ATT&amp;CK mapping</h2>${table(['technique', 'name', 'role here', 'evidence'], rows)}${other}<h3>Data sources</h3>${table(['id', 'data source', 'status', 'how'], ds)}`;
}

function custody(v: ReportView, ctx: HtmlContext): string {
  const m = v.report.meta;
  const meta: Array<[string, string]> = [
    ['tool', h(`${m.tool} ${m.version} (node ${m.node}), report schema ${m.schemaVersion ?? 'before 1.0'}`)],
    ['command', `<code>${t(m.command, 2000)}</code>`],
    ['options', optionLines(m.options).map((l) => t(l, 400)).join('<br>')],
    ['started', h(showTime(m.startedAt, ctx.zone))],
    ['finished', h(showTime(m.finishedAt, ctx.zone))],
    ['access times', t(`${m.atime.preservedWithNoatime} files opened with O_NOATIME, ${m.atime.openedWithoutNoatime} without. ${m.atime.note}`, 2000)],
  ];
  const roots = m.roots.map((r) => [t(r.path), h(r.os), t(shadowCopyText(r) ? `${r.label} (${shadowCopyText(r)})` : r.label), String(r.filesScanned), String(r.directories), String(r.bytesRead)]);
  const hashes = (m.hashes ?? []).map((x) => [p(x.path), h(x.status), x.size === null ? '' : String(x.size), `${Object.entries(x.hashes).map(([k, val]) => `${h(k)} <code>${h(String(val))}</code>`).join('<br>')}${x.message ? ` ${t(x.message)}` : ''}`]);
  const errors = v.report.errors.slice(0, 100).map((e) => [p(e.path), h(e.op), h(e.code), t(e.message, 200)]);
  return `<h2>Scan metadata (chain of custody)</h2>${table(['', ''], meta.map(([k, val]) => [h(k), val]), ['nw', ''])}
<h3>Evidence roots</h3>${table(['root', 'os', 'label', 'files', 'directories', 'bytes read'], roots, ['path'])}
<h3>Hashes of reported files</h3>${hashes.length ? table(['path', 'status', 'size', 'digests'], hashes, ['path', 'nw', 'nw', 'nw']) : '<p class="muted">No hashes recorded (scan run with --hash none or saved by an older version).</p>'}
<h3>What could not be read, was skipped or warned about (${v.report.errors.length})</h3>${errors.length ? table(['path', 'operation', 'code', 'message'], errors, ['path', 'nw', 'nw', '']) : '<p>Every path in scope was read.</p>'}${v.report.errors.length > 100 ? `<p class="muted">${v.report.errors.length - 100} more in the JSON output.</p>` : ''}`;
}

/** The report as one self-contained HTML file; `style` carries --timezone and --redact. */
export function toHtml(report: ScanReport, style: Partial<Style> = {}): string {
  report = withZonedEpisodes(report, style.timeZone);
  const redacted = style.redact ? redactReport(report) : null;
  const ctx: HtmlContext = { zone: style.timeZone, redactions: redacted ? redacted.notes : null };
  const v = buildView(redacted ? redacted.report : report, style.timeZone);
  const title = v.report.meta.case?.id ? `${v.report.meta.case.id}: ` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t(title, 120)}stagehunt report: ${t(v.report.summary.verdict, 120)}</title>
<style>${CSS}</style></head><body>
<h1>${title ? `${t(title.slice(0, -2), 200)}: ` : ''}T1074.001 local data staging report</h1>
${header(v, ctx)}
${summary(v)}
${chartSection(v, ctx)}
${episodes(v, ctx)}
${topFindings(v, ctx)}
${attack(v)}
${appendix(v, ctx)}
${custody(v, ctx)}
<p class="muted">Generated by stagehunt ${h(v.report.meta.version)}. Offline report: no script, no external resources.</p>
</body></html>
`;
}
