/**
 * The timeline chart as inline SVG (no script, no external assets): one lane per level, a dot
 * per finding at the moment it stands for, shaded bands where staging episodes run, a dated axis
 * at round times, and a number beside every dot (or cluster of dots) whose key is printed under
 * the chart, so everything reads on paper and in a PDF without hovering.
 */
import { levelRank, type Finding, type Level } from '../model/finding.js';
import type { Episode } from '../model/report.js';
import { factsOf, parseTime } from '../timeline/evidence.js';
import { htmlEscape } from '../util/text.js';
import { maxOf, minOf } from '../util/arrays.js';
import { isoFromMs } from '../util/filetime.js';
import { showTime, zoneLabel } from './time-zone.js';
import { zonedParts } from '../util/zone.js';

const WIDTH = 1000;
const LANE = 28;
const LEFT = 70;
const RIGHT = 20;
const TOP = 30;
/** Dots closer than this (px) in one lane share one number label. */
const CLUSTER_PX = 14;
/** Rows of the key under the chart; the findings appendix lists every finding. */
const MAX_KEY_ROWS = 80;
export const LEVEL_COLORS: Record<Level, string> = { critical: '#8b0000', high: '#d9480f', medium: '#e8a400', low: '#1971c2', info: '#868e96' };
const LANES: Level[] = ['critical', 'high', 'medium', 'low', 'info'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Round tick steps, smallest first; the first that gives at most MAX_TICKS ticks is used. */
const STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY];
const MAX_TICKS = 8;

/** Offset of a zone at an instant, in ms (0 for UTC), so ticks fall on the zone's round times. */
function offsetMs(ms: number, zone?: string): number {
  if (!zone) return 0;
  const m = /^([+-])(\d\d):(\d\d)$/.exec(zonedParts(ms, zone).offset);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * MINUTE) : 0;
}

export interface Tick {
  ms: number;
  /** "04:10", with the date above it at the first tick and wherever the day changes. */
  time: string;
  date: string | null;
}

/** Ticks at round times (in the shown zone) across [lo, hi]; dated at the first tick and at each new day. */
export function roundTicks(lo: number, hi: number, zone?: string): Tick[] {
  const span = Math.max(hi - lo, MINUTE);
  const step = STEPS.find((s) => span / s <= MAX_TICKS) ?? STEPS[STEPS.length - 1]!;
  const off = offsetMs(lo, zone);
  const first = Math.ceil((lo + off) / step) * step - off;
  const ticks: Tick[] = [];
  let lastDate = '';
  for (let t = first; t <= hi && ticks.length < MAX_TICKS * 2; t += step) {
    const [date, time] = showTime(isoFromMs(t), zone).split(' ');
    const d = date ?? '';
    ticks.push({ ms: t, time: step >= DAY ? '' : (time ?? '').slice(0, 5), date: d !== lastDate ? d : null });
    lastDate = d;
  }
  return ticks;
}

export interface ChartOptions {
  title: string;
  /** --timezone: the axis and the key in this zone (default UTC). */
  timeZone?: string;
}

interface Point {
  f: Finding;
  t: number;
}

/** One numbered label: the dots of one lane that lie within CLUSTER_PX of each other. */
interface Cluster {
  n: number;
  level: Level;
  x: number;
  points: Point[];
}

export interface Chart {
  svg: string;
  /** The key: what each number on the chart stands for. */
  keyRows: Array<{ n: number; level: Level; from: string; to: string; count: number; path: string }>;
  /** Clusters beyond MAX_KEY_ROWS, left out of the key (the appendix has every finding). */
  keyOmitted: number;
}

export function timelineChart(findings: readonly Finding[], episodes: readonly Episode[], opts: ChartOptions): Chart | null {
  const points: Point[] = [];
  for (const f of findings) {
    const t = factsOf(f).time;
    if (t !== null) points.push({ f, t });
  }
  if (points.length === 0) return null;
  const times = points.map((p) => p.t);
  let lo = minOf(times);
  let hi = maxOf(times);
  if (hi - lo < 10 * MINUTE) {
    lo -= 5 * MINUTE;
    hi += 5 * MINUTE;
  }
  const pad = (hi - lo) * 0.03;
  lo -= pad;
  hi += pad;
  const ticks = roundTicks(lo, hi, opts.timeZone);
  const axisY = TOP + LANES.length * LANE + 14;
  const height = axisY + 30;
  const x = (t: number): number => LEFT + ((t - lo) / (hi - lo)) * (WIDTH - LEFT - RIGHT);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${htmlEscape(opts.title)}" font-family="system-ui,sans-serif">`);
  parts.push(`<title>${htmlEscape(opts.title)}</title>`);
  for (const e of episodes) {
    const s = parseTime(e.start);
    const en = parseTime(e.end);
    if (s === null || en === null || en < lo || s > hi) continue;
    const x0 = x(Math.max(s, lo));
    const w = Math.max(6, x(Math.min(en, hi)) - x0);
    parts.push(`<rect class="episode" x="${x0.toFixed(1)}" y="${TOP - 18}" width="${w.toFixed(1)}" height="${LANES.length * LANE + 18}" fill="#ffe3e3" stroke="#c92a2a" stroke-dasharray="4 2"><title>${htmlEscape(`${e.id}: ${e.level} ${e.score}`)}</title></rect>`);
    parts.push(`<text x="${(x0 + 3).toFixed(1)}" y="${TOP - 6}" font-size="11" fill="#c92a2a">${htmlEscape(e.id)}</text>`);
  }
  LANES.forEach((level, i) => {
    const y = TOP + i * LANE + LANE / 2 + 4;
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#dee2e6"/>`);
    parts.push(`<text x="4" y="${y + 4}" font-size="12" fill="${LEVEL_COLORS[level]}">${level}</text>`);
  });
  for (const tick of ticks) {
    const tx = x(tick.ms).toFixed(1);
    parts.push(`<line class="tick" x1="${tx}" x2="${tx}" y1="${TOP - 2}" y2="${axisY - 10}" stroke="#e9ecef"/>`);
    if (tick.time) parts.push(`<text class="tick-label" x="${tx}" y="${axisY}" font-size="11" text-anchor="middle" fill="#495057">${htmlEscape(tick.time)}</text>`);
    if (tick.date) parts.push(`<text class="tick-date" x="${tx}" y="${axisY + (tick.time ? 13 : 0)}" font-size="11" font-weight="600" text-anchor="middle" fill="#212529">${htmlEscape(tick.date)}</text>`);
  }
  parts.push(`<text x="${WIDTH - RIGHT}" y="${height - 2}" font-size="10" text-anchor="end" fill="#6c757d">${htmlEscape(zoneLabel(opts.timeZone))}</text>`);
  // Clusters per lane, numbered left to right across all lanes (so the key reads in time order).
  const sorted = [...points].sort((a, b) => a.t - b.t || levelRank(b.f.level) - levelRank(a.f.level) || a.f.id.localeCompare(b.f.id));
  const clusters: Cluster[] = [];
  const open = new Map<Level, Cluster>();
  for (const p of sorted) {
    const px = x(p.t);
    const c = open.get(p.f.level);
    if (c && px - c.x <= CLUSTER_PX) c.points.push(p);
    else {
      const fresh: Cluster = { n: 0, level: p.f.level, x: px, points: [p] };
      clusters.push(fresh);
      open.set(p.f.level, fresh);
    }
  }
  clusters.forEach((c, i) => (c.n = i + 1));
  for (const c of clusters) {
    const y = TOP + LANES.indexOf(c.level) * LANE + LANE / 2 + 4;
    for (const { f, t } of c.points)
      parts.push(`<circle cx="${x(t).toFixed(1)}" cy="${y}" r="5" fill="${LEVEL_COLORS[f.level]}" fill-opacity="0.8"><title>${htmlEscape(`${isoFromMs(t)} ${f.level} ${f.score} ${f.path}`.slice(0, 300))}</title></circle>`);
    parts.push(`<text class="dot-label" x="${(c.x + 1).toFixed(1)}" y="${y - 7}" font-size="10" text-anchor="middle" fill="#212529">${c.n}</text>`);
  }
  parts.push('</svg>');
  const keyRows = clusters.slice(0, MAX_KEY_ROWS).map((c) => {
    const first = c.points[0]!;
    const last = c.points[c.points.length - 1]!;
    return { n: c.n, level: c.level, from: showTime(isoFromMs(first.t), opts.timeZone), to: showTime(isoFromMs(last.t), opts.timeZone), count: c.points.length, path: first.f.path };
  });
  return { svg: parts.join(''), keyRows, keyOmitted: Math.max(0, clusters.length - MAX_KEY_ROWS) };
}
