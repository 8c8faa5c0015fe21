/**
 * The scan's lazy timeline (FindingsTimeline: rows built from the findings when read) against the
 * eager one the scan built before (every row an object, marked, windowed, filtered and sorted as
 * arrays), written out here as it was: same rows, same order, same acquisition marks and windows.
 */
import { describe, expect, test } from '@jest/globals';
import type { Finding, Level } from '../../src/model/finding.js';
import type { TimelineRow } from '../../src/model/report.js';
import type { TimelineEvent } from '../../src/rules/types.js';
import { FindingsTimeline, fileTimeRows } from '../../src/timeline/timeline.js';
import { findingsInWindow, rowInWindow, type TimeWindow } from '../../src/pipeline/window.js';
import { toJson } from '../../src/report/json.js';
import type { ScanReport } from '../../src/model/report.js';

const GAP = 7 * 24 * 3600 * 1000;
const ms = (t: string): number => Date.parse(t.endsWith('Z') || /[+-]\d\d:\d\d$/.test(t) ? t : `${t}Z`);

/** The eager rows of one finding, as score.ts and timeline.ts built them before the lazy timeline. */
function eagerRows(f: Finding, events: readonly TimelineEvent[] | undefined, host: string | undefined): TimelineRow[] {
  const fields: Array<[keyof Finding['times'], string]> = [['modified', 'm'], ['accessed', 'a'], ['changed', 'c'], ['born', 'b']];
  const byTime = new Map<string, string[]>();
  for (const [field, letter] of fields) {
    const t = f.times[field];
    if (t) byTime.set(t, [...(byTime.get(t) ?? []), letter]);
  }
  const description = `${f.path}: ${f.reasons[0]?.message ?? f.kind}`;
  const rows: TimelineRow[] = [...byTime.entries()].map(([time, letters]) => ({
    time, type: fields.map(([, l]) => (letters.includes(l) ? l : '.')).join(''), description, findingId: f.id, root: f.root, path: f.path, level: f.level, score: f.score,
  }));
  for (const e of events ?? []) {
    if (typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time))) rows.push({ time: e.time, type: e.type, description: e.description, findingId: f.id, root: f.root, path: f.path, level: f.level, score: f.score });
  }
  if (host !== undefined) for (const r of rows) r.host = host;
  return rows;
}

function eagerMark(rows: TimelineRow[], startedAt: string): void {
  const start = ms(startedAt);
  const scanMinute = Math.floor(start / 60_000) * 60_000;
  const candidate = (r: TimelineRow): boolean => /^\.[a.][c.][b.]$/.test(r.type) && !Number.isNaN(ms(r.time));
  const others = rows.filter((r) => !candidate(r)).map((r) => ms(r.time)).filter((t) => !Number.isNaN(t) && t < scanMinute);
  const latest = others.length ? Math.max(...others) : -Infinity;
  for (const r of rows) if (candidate(r) && (ms(r.time) >= scanMinute || (others.length > 0 && ms(r.time) > latest + GAP))) r.acquisition = true;
}

function eagerSort(rows: TimelineRow[]): TimelineRow[] {
  return rows.sort((a, b) => ms(a.time) - ms(b.time) || a.time.localeCompare(b.time) || a.findingId.localeCompare(b.findingId) || a.type.localeCompare(b.type));
}

function finding(id: string, path: string, level: Level, times: Partial<Finding['times']>, host?: string): Finding {
  return {
    id, root: '/r', path, kind: 'file', level, score: 40, reasons: [{ rule: 'archive-file', score: 40, message: `msg ${id}` }], hotspot: null, size: 1, format: null, entropy: null,
    times: { modified: null, accessed: null, changed: null, born: null, ...times }, attack: ['T1074.001'], ...(host ? { host } : {}),
  };
}

/** Two roots (the second labelled with a host), MACB groups, equal times across findings, events with bad times, acquisition times. */
function fixture(): { roots: Array<{ findings: Finding[]; events: Map<Finding, TimelineEvent[]>; host?: string }>; startedAt: string } {
  const t = (d: number, h = 0): string => new Date(Date.UTC(2025, 2, d, h)).toISOString().replace('Z', '0000Z');
  const a = [
    finding('b1', 'Temp/a.rar', 'high', { modified: t(14), accessed: t(14), changed: t(20), born: t(14) }),
    finding('a2', 'Temp/b.rar', 'medium', { modified: t(14), accessed: t(15), changed: t(15), born: t(16) }),
    finding('c3', 'Temp/c.rar', 'low', { modified: t(10), changed: '2026-12-02T10:00:00.0000000Z' }),
    finding('d4', 'Temp/d.rar', 'critical', {}),
    finding('e5', 'Temp/e.rar', 'info', { born: t(14) }),
    // Ids of one time whose code-unit order is not the collation's ('Gz' < 'ga' in code units, after it in the collation).
    finding('Gz', 'Temp/f.rar', 'low', { modified: t(14) }),
    finding('ga', 'Temp/g.rar', 'low', { modified: t(14) }),
  ];
  const eventsA = new Map<Finding, TimelineEvent[]>([
    [a[0]!, [{ time: t(14), type: 'deleted', description: 'gone' }, { time: 'not a time', type: 'command', description: 'x' }, { time: t(14), type: 'command', description: '7z a' }]],
    [a[3]!, [{ time: t(17, 3), type: 'executed', description: 'ran 7z' }, { time: t(12), type: '..c.', description: 'odd type' }]],
  ]);
  const b = [
    finding('a2', 'Users/x.zip', 'high', { modified: t(14), changed: '2025-04-30T00:00:00.0000000Z' }, 'ws02'),
    finding('f6', 'Users/y.zip', 'high', { accessed: t(18), born: t(18) }, 'ws02'),
  ];
  const eventsB = new Map<Finding, TimelineEvent[]>([[b[1]!, [{ time: t(18), type: 'deleted', description: 'bin' }]]]);
  return { roots: [{ findings: a, events: eventsA }, { findings: b, events: eventsB, host: 'ws02' }], startedAt: '2026-12-02T10:00:30.0000000Z' };
}

/** The scan's steps, eagerly: rows, acquisition marks, window, the shown findings' rows sorted. */
function eager(shown: ReadonlySet<string>, w?: TimeWindow, keptOut: string[] = []): TimelineRow[] {
  const { roots, startedAt } = fixture();
  const all: TimelineRow[] = [];
  const findings: Finding[] = [];
  for (const r of roots) {
    for (const f of r.findings) all.push(...eagerRows(f, r.events.get(f), r.host));
    findings.push(...r.findings);
  }
  eagerMark(all, startedAt);
  let rows = all;
  if (w) {
    const timed = new Set<string>();
    const inside = new Set<string>();
    for (const r of all) {
      if (r.acquisition || Number.isNaN(ms(r.time))) continue;
      timed.add(r.findingId);
      if ((w.from === null || ms(r.time) >= w.from) && (w.to === null || ms(r.time) <= w.to)) inside.add(r.findingId);
    }
    const kept = new Set(findings.filter((f) => inside.has(f.id) || !timed.has(f.id)).map((f) => f.id));
    keptOut.push(...findings.filter((f) => kept.has(f.id)).map((f) => f.id));
    rows = all.filter((r) => kept.has(r.findingId) && (w.from === null || ms(r.time) >= w.from) && (w.to === null || ms(r.time) <= w.to));
  }
  return eagerSort(rows.filter((r) => shown.has(r.findingId)));
}

function lazy(shown: ReadonlySet<string>, w?: TimeWindow): { timeline: FindingsTimeline; kept: string[] } {
  const { roots, startedAt } = fixture();
  const timeline = new FindingsTimeline();
  const findings: Finding[] = [];
  for (const r of roots) {
    timeline.add(r.findings, r.events);
    findings.push(...r.findings);
  }
  timeline.markAcquisitionTimes(startedAt);
  const kept = w ? findingsInWindow(findings, timeline, w) : findings;
  // As the scan: the shown findings are among those the window keeps.
  const ids = new Set(kept.filter((f) => shown.has(f.id)).map((f) => f.id));
  return { timeline: timeline.select(ids, w ? (time) => rowInWindow(time, w) : undefined), kept: kept.map((f) => f.id) };
}

const ALL = new Set(['b1', 'a2', 'c3', 'd4', 'e5', 'f6', 'Gz', 'ga']);

describe('the lazy timeline equals the eager one', () => {
  test('every row, in order, with acquisition marks and hosts; length, iteration and toJSON agree', () => {
    const want = eager(ALL);
    const { timeline } = lazy(ALL);
    expect(timeline.length).toBe(want.length);
    expect([...timeline]).toEqual(want);
    // Key order too: the JSON of the rows is byte-identical.
    expect(JSON.stringify(timeline)).toBe(JSON.stringify(want));
    expect(want.some((r) => r.acquisition)).toBe(true);
    expect(want.some((r) => r.host === 'ws02')).toBe(true);
    expect(want.filter((r) => r.type === 'command')).toHaveLength(1);
  });

  test('only the shown findings, in time order (ties by time text, finding id, type)', () => {
    const shown = new Set(['a2', 'f6', 'd4']);
    const want = eager(shown);
    expect(want.length).toBeGreaterThan(0);
    expect(JSON.stringify([...lazy(shown).timeline])).toBe(JSON.stringify(want));
    const times = want.map((r) => ms(r.time));
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  test.each([
    ['--from', { from: Date.UTC(2025, 2, 15), to: null }],
    ['--to', { from: null, to: Date.UTC(2025, 2, 14, 23, 59, 59) }],
    ['--from and --to', { from: Date.UTC(2025, 2, 14), to: Date.UTC(2025, 2, 17, 12) }],
    ['a window with nothing in it', { from: Date.UTC(2030, 0, 1), to: null }],
  ])('a window (%s): the same findings kept and the same rows', (_, w) => {
    const { timeline, kept } = lazy(ALL, w);
    const eagerKept: string[] = [];
    const want = eager(ALL, w, eagerKept);
    expect(kept).toEqual(eagerKept);
    expect(JSON.stringify([...timeline])).toBe(JSON.stringify(want));
    for (const r of timeline) expect(rowInWindow(r.time, w)).toBe(true);
  });

  test('the JSON writer writes the lazy timeline as the array it stands for', () => {
    const { timeline } = lazy(ALL);
    const report = { meta: {}, summary: {}, findings: [], timeline, errors: [] } as unknown as ScanReport;
    const asArray = { ...report, timeline: [...timeline] };
    expect(toJson(report)).toBe(JSON.stringify(asArray, null, 2) + '\n');
    const empty = { ...report, timeline: new FindingsTimeline() };
    expect(toJson(empty)).toContain('"timeline": []');
  });

  test('fileTimeRows (saved JSONL scans) gives the eager file-time rows', () => {
    for (const f of fixture().roots[0]!.findings) expect(fileTimeRows(f)).toEqual(eagerRows(f, undefined, undefined));
  });
});
