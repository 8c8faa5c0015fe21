/**
 * Which timestamps become timeline rows (after plaso's timeliner): every finding's file times,
 * combined MACB-style when equal, plus the events its detectors named (deletion, archive entry
 * modification, key last written, command, execution).
 */
import type { Finding } from '../model/finding.js';
import type { TimelineRow } from '../model/report.js';
import type { TimelineEvent } from '../rules/types.js';

const MACB: Array<[keyof Finding['times'], string]> = [
  ['modified', 'm'],
  ['accessed', 'a'],
  ['changed', 'c'],
  ['born', 'b'],
];

export function fileTimeRows(f: Finding): TimelineRow[] {
  const byTime = new Map<string, string[]>();
  for (const [field, letter] of MACB) {
    const t = f.times[field];
    if (t) byTime.set(t, [...(byTime.get(t) ?? []), letter]);
  }
  // One string for all rows of a finding: a report holds 100,000s of rows, and writers flatten each string they write.
  const description = `${f.path}: ${f.reasons[0]?.message ?? f.kind}`;
  return [...byTime.entries()].map(([time, letters]) => {
    const macb = MACB.map(([, l]) => (letters.includes(l) ? l : '.')).join('');
    return {
      time,
      type: macb,
      description,
      findingId: f.id,
      root: f.root,
      path: f.path,
      level: f.level,
      score: f.score,
    };
  });
}

export function eventRows(f: Finding, events: readonly TimelineEvent[]): TimelineRow[] {
  return events
    .filter((e) => typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)))
    .map((e) => ({ time: e.time, type: e.type, description: e.description, findingId: f.id, root: f.root, path: f.path, level: f.level, score: f.score }));
}

/** Time order, then finding id and type, so equal inputs give byte-identical output. */
export function sortTimeline(rows: TimelineRow[]): TimelineRow[] {
  const key = (t: string): number => Date.parse(t.endsWith('Z') || /[+-]\d\d:\d\d$/.test(t) ? t : `${t}Z`);
  return rows.sort((a, b) => key(a.time) - key(b.time) || a.time.localeCompare(b.time) || a.findingId.localeCompare(b.findingId) || a.type.localeCompare(b.type));
}
