/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no external asset,
 * a CSP that forbids any fetch). Verdict and episodes first; every evidence string is escaped.
 */
import type { Finding } from '../model/finding.js';
import type { Episode } from '../model/report.js';
import { parseTime } from '../timeline/evidence.js';
import { htmlEscape as h } from '../util/text.js';
import { LEVEL_COLORS, timelineSvg } from './chart.js';
import { buildView, locatorText, shortTime, type ReportView } from './view.js';

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
/** Longest attacker string shown in full; the JSON output keeps the rest. */
const MAX_TEXT = 600;

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;color:#212529}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;border-bottom:1px solid #dee2e6;padding-bottom:4px;margin-top:28px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #dee2e6;padding:4px 6px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f1f3f5}.lvl{display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;font-weight:600;font-size:12px}
.verdict{font-size:18px;font-weight:700;padding:10px 14px;border-left:6px solid #8b0000;background:#fff5f5;margin:10px 0}
.episode{border:1px solid #ced4da;border-radius:6px;padding:8px 14px;margin:12px 0;background:#fcfcfd}
.narrative{font-size:15px}.muted{color:#6c757d}code{font-family:ui-monospace,Consolas,monospace;font-size:12px;background:#f1f3f5;padding:0 3px}
.glance th{width:110px}ol.steps li{margin:3px 0}.episode td{min-width:70px}`;

function t(text: string | null | undefined, max = MAX_TEXT): string {
  if (text === null || text === undefined) return '';
  return h(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}

function badge(level: string): string {
  const color = (LEVEL_COLORS as Record<string, string>)[level] ?? '#495057';
  return `<span class="lvl" style="background:${color}">${h(level)}</span>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function summary(v: ReportView): string {
  const s = v.report.summary;
  const counts = v.levelsHighFirst.map((l) => `${badge(l)} ${s.byLevel[l]}`).join(' &nbsp; ');
  const glance = v.atAGlance.slice(1).map(([k, val]) => `<tr><th>${h(k)}</th><td>${t(val)}</td></tr>`).join('');
  const baseline = s.baseline ? `<p>Baseline ${t(s.baseline.file)}: ${s.baseline.new} new, ${s.baseline.known} known, ${s.baseline.resolved.length} resolved.</p>` : '';
  return `<div class="verdict" id="verdict">${t(s.verdict)}</div>
<p>${s.findings} findings: ${counts}. Shown: ${s.shown}. Paths that could not be read: ${s.errors}.</p>${baseline}
<table class="glance">${glance}</table>`;
}

function episodeFindings(e: Episode, v: ReportView): string {
  const rows = e.findingIds
    .map((id) => v.findingsById.get(id))
    .filter((f): f is Finding => !!f)
    .map((f) => [badge(f.level), String(f.score), h(f.kind), `${t(f.path)}${locatorText(f) ? `<br><span class="muted">${t(locatorText(f))}</span>` : ''}`, `<code>${h(f.id)}</code>`]);
  return `<details><summary>${rows.length} findings in this episode</summary>${table(['level', 'score', 'kind', 'path', 'id'], rows)}</details>`;
}

function episodeSection(e: Episode, v: ReportView): string {
  const s = parseTime(e.start);
  const en = parseTime(e.end);
  const pad = s !== null && en !== null ? Math.max(60_000, (en - s) * 0.05) : 0;
  const chart = s !== null && en !== null ? timelineSvg(v.report.findings, [e], { title: `timeline of ${e.id}`, range: [s - pad, en + pad] }) : '';
  const steps = e.steps.map((st) => `<li>${st.time ? `<b>${h(shortTime(st.time))}</b> ` : ''}${t(st.text)}</li>`).join('');
  return `<div class="episode" id="${h(e.id)}">
<h3>${badge(e.level)} Episode <code>${h(e.id)}</code>: score ${e.score}/100, ${h(e.confidence)} confidence</h3>
<p class="narrative">${t(e.narrative, 4000)}</p>
${table(['when (UTC)', 'who', 'where', 'evidence', 'ATT&amp;CK'], [[`${h(shortTime(e.start))} to ${h(shortTime(e.end))}`, t(e.users.join(', ') || 'unknown'), e.locations.map((l) => t(l, 200)).join('<br>'), h(e.evidenceKinds.join(', ')), h(e.attack.join(', '))]])}
<h4>What happened, step by step</h4><ol class="steps">${steps}</ol>${chart}${episodeFindings(e, v)}</div>`;
}

function episodes(v: ReportView): string {
  if (v.episodes.length === 0) return '<h2>Staging episodes</h2><p>No staging episode: no high finding, and no medium finding confirmed by a second kind of evidence.</p>';
  return `<h2>Staging episodes (${v.episodes.length})</h2>${v.episodes.map((e) => episodeSection(e, v)).join('\n')}`;
}

function topFindings(v: ReportView): string {
  const rows = v.topFindings.map((f) => [
    badge(f.level),
    String(f.score),
    h(f.kind),
    `${t(f.path)}${locatorText(f) ? `<br><span class="muted">${t(locatorText(f))}</span>` : ''}${f.known ? '<br><i>known from baseline</i>' : ''}`,
    h(shortTime(f.deletedAt ?? f.times.modified ?? f.times.born)),
    `<ul>${f.reasons.map((r) => `<li>+${r.score} ${t(r.message, 300)} <span class="muted">(${h(r.rule)})</span></li>`).join('')}</ul>`,
  ]);
  const more = v.report.findings.length > v.topFindings.length ? `<p class="muted">${v.report.findings.length - v.topFindings.length} more findings (lower levels or beyond the top ${v.topFindings.length}) are in the JSON/CSV output.</p>` : '';
  return `<h2>Top findings</h2>${rows.length ? table(['level', 'score', 'kind', 'path', 'time (UTC)', 'why'], rows) : '<p>No finding at or above medium.</p>'}${more}`;
}

function attack(v: ReportView): string {
  const rows = v.attack.map((a) => [`<b>${h(a.id)}</b>`, h(a.name), h(a.role), a.findings ? `${a.findings} findings` : '<span class="muted">not observed</span>']);
  const other = v.otherAttack.length ? `<p>Other techniques named by the rules that fired: ${h(v.otherAttack.join(', '))}.</p>` : '';
  const ds = v.dataSources.map((d) => [h(d.id), h(d.name), d.covered ? 'covered' : '<b>not covered</b>', h(d.how)]);
  return `<h2>ATT&amp;CK mapping</h2>${table(['technique', 'name', 'role here', 'evidence'], rows)}${other}<h3>Data sources</h3>${table(['id', 'data source', 'status', 'how'], ds)}`;
}

function custody(v: ReportView): string {
  const m = v.report.meta;
  const meta: Array<[string, string]> = [
    ['tool', `${m.tool} ${m.version} (node ${m.node})`],
    ['command', m.command],
    ['options', JSON.stringify(m.options)],
    ['started', m.startedAt],
    ['finished', m.finishedAt],
    ['access times', `${m.atime.preservedWithNoatime} files opened with O_NOATIME, ${m.atime.openedWithoutNoatime} without. ${m.atime.note}`],
  ];
  const roots = m.roots.map((r) => [t(r.path), h(r.os), t(r.label), String(r.filesScanned), String(r.directories), String(r.bytesRead)]);
  const hashes = (m.hashes ?? []).map((x) => [t(x.path), h(x.status), x.size === null ? '' : String(x.size), `<code>${h(Object.entries(x.hashes).map(([k, val]) => `${k}:${val}`).join(' '))}</code>${x.message ? ` ${t(x.message)}` : ''}`]);
  const errors = v.report.errors.slice(0, 100).map((e) => [t(e.path), h(e.op), h(e.code), t(e.message, 200)]);
  return `<h2>Scan metadata (chain of custody)</h2>${table(['', ''], meta.map(([k, val]) => [h(k), t(val, 2000)]))}
<h3>Evidence roots</h3>${table(['root', 'os', 'label', 'files', 'directories', 'bytes read'], roots)}
<h3>Hashes of reported files</h3>${hashes.length ? table(['path', 'status', 'size', 'digests'], hashes) : '<p class="muted">No hashes recorded (scan run with --hash none or saved by an older version).</p>'}
<h3>What could not be read (${v.report.errors.length})</h3>${errors.length ? table(['path', 'operation', 'code', 'message'], errors) : '<p>Every path in scope was read.</p>'}${v.report.errors.length > 100 ? `<p class="muted">${v.report.errors.length - 100} more in the JSON output.</p>` : ''}`;
}

export function toHtml(report: import('../model/report.js').ScanReport): string {
  const v = buildView(report);
  const chart = timelineSvg(report.findings, v.episodes, { title: 'timeline of all findings; shaded bands are staging episodes' });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stagehunt report: ${t(report.summary.verdict, 120)}</title>
<style>${CSS}</style></head><body>
<h1>stagehunt: T1074.001 local data staging report</h1>
<p class="muted">Generated by stagehunt ${h(report.meta.version)} from a scan that finished ${h(report.meta.finishedAt)}. Offline report: no script, no external resources.</p>
${summary(v)}
${episodes(v)}
<h2>Timeline</h2>${chart}
${topFindings(v)}
${attack(v)}
${custody(v)}
</body></html>
`;
}
