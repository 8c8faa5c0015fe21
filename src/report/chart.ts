/**
 * The timeline chart as inline SVG (no script, no external assets): one lane per level, a dot
 * per finding at the moment it stands for, and shaded bands where staging episodes run.
 */
import { levelRank, type Finding, type Level } from '../model/finding.js';
import type { Episode } from '../model/report.js';
import { factsOf, parseTime } from '../timeline/evidence.js';
import { htmlEscape } from '../util/text.js';
import { maxOf, minOf } from '../util/arrays.js';
import { isoFromMs } from '../util/filetime.js';

const WIDTH = 1000;
const LANE = 22;
const LEFT = 70;
const RIGHT = 20;
const TOP = 26;
export const LEVEL_COLORS: Record<Level, string> = { critical: '#8b0000', high: '#d9480f', medium: '#e8a400', low: '#1971c2', info: '#868e96' };
const LANES: Level[] = ['critical', 'high', 'medium', 'low', 'info'];

function tickLabel(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs > 2 * 86_400_000 ? iso.slice(0, 10) : spanMs > 3_600_000 * 6 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

export interface ChartOptions {
  title: string;
  /** Restrict to this window (an episode's span); default: all timed findings. */
  range?: [number, number];
}

export function timelineSvg(findings: readonly Finding[], episodes: readonly Episode[], opts: ChartOptions): string {
  const points = findings.map((f) => ({ f, t: factsOf(f).time })).filter((p): p is { f: Finding; t: number } => p.t !== null);
  const inRange = opts.range ? points.filter((p) => p.t >= opts.range![0] && p.t <= opts.range![1]) : points;
  if (inRange.length === 0) return `<p class="muted">No timed findings to chart.</p>`;
  let lo = opts.range?.[0] ?? minOf(inRange.map((p) => p.t));
  let hi = opts.range?.[1] ?? maxOf(inRange.map((p) => p.t));
  if (hi - lo < 60_000) {
    lo -= 30_000;
    hi += 30_000;
  }
  const pad = (hi - lo) * 0.03;
  lo -= pad;
  hi += pad;
  const height = TOP + LANES.length * LANE + 30;
  const x = (t: number): number => LEFT + ((t - lo) / (hi - lo)) * (WIDTH - LEFT - RIGHT);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${htmlEscape(opts.title)}">`);
  parts.push(`<title>${htmlEscape(opts.title)}</title>`);
  for (const e of episodes) {
    const s = parseTime(e.start);
    const en = parseTime(e.end);
    if (s === null || en === null || en < lo || s > hi) continue;
    const x0 = x(Math.max(s, lo));
    const w = Math.max(6, x(Math.min(en, hi)) - x0);
    parts.push(`<rect class="episode" x="${x0.toFixed(1)}" y="${TOP - 16}" width="${w.toFixed(1)}" height="${LANES.length * LANE + 16}" fill="#ffe3e3" stroke="#c92a2a" stroke-dasharray="4 2"><title>${htmlEscape(`${e.id}: ${e.level} ${e.score}`)}</title></rect>`);
    parts.push(`<text x="${(x0 + 3).toFixed(1)}" y="${TOP - 4}" font-size="11" fill="#c92a2a">${htmlEscape(e.id)}</text>`);
  }
  LANES.forEach((level, i) => {
    const y = TOP + i * LANE + LANE / 2;
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#dee2e6"/>`);
    parts.push(`<text x="4" y="${y + 4}" font-size="12" fill="${LEVEL_COLORS[level]}">${level}</text>`);
  });
  const sorted = [...inRange].sort((a, b) => a.t - b.t || levelRank(b.f.level) - levelRank(a.f.level) || a.f.id.localeCompare(b.f.id));
  for (const { f, t } of sorted) {
    const y = TOP + LANES.indexOf(f.level) * LANE + LANE / 2;
    parts.push(`<circle cx="${x(t).toFixed(1)}" cy="${y}" r="5" fill="${LEVEL_COLORS[f.level]}" fill-opacity="0.8"><title>${htmlEscape(`${isoFromMs(t)} ${f.level} ${f.score} ${f.path}`.slice(0, 300))}</title></circle>`);
  }
  const axisY = TOP + LANES.length * LANE + 16;
  for (let i = 0; i <= 5; i++) {
    const t = lo + ((hi - lo) * i) / 5;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY}" font-size="11" text-anchor="middle" fill="#495057">${htmlEscape(tickLabel(t, hi - lo))}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
