/**
 * Which timestamps become timeline rows (after plaso's timeliner): every finding's file times,
 * combined MACB-style when equal, plus the events its detectors named (deletion, archive entry
 * modification, key last written, command, execution).
 *
 * A scan holds its timeline as a `FindingsTimeline`: the rows are not kept as objects (a
 * findings-heavy scan has 100,000s of them) but built from the findings and their events when a
 * writer iterates; what is held per row is its finding, which of the finding's times or events
 * it is, and its time in ms (docs/performance.md, "Timeline from the findings").
 */
import type { Finding } from '../model/finding.js';
import type { Timeline, TimelineRow } from '../model/report.js';
import type { TimelineEvent } from '../rules/types.js';
import { AcquisitionRule, rowTimeMs } from './acquisition.js';
import { compareCodeUnits, compareText, sortByKey } from '../util/compare.js';

const MACB_FIELDS = ['modified', 'accessed', 'changed', 'born'] as const;

/** The MACB type of each set of equal file times, by bit mask (bit 0 m, 1 a, 2 c, 3 b): "m..b" for 0b1001. */
const MACB_TYPES: readonly string[] = Array.from({ length: 16 }, (_, mask) => ['m', 'a', 'c', 'b'].map((l, i) => (mask & (1 << i) ? l : '.')).join(''));

/**
 * A row of a finding: below 16, a file-time row, the mask of the times equal to it (its time is
 * the first of them); from 16 on, event `slot - 16`.
 */
const EVENT_SLOT = 16;

/** The file-time rows of a finding, as masks in the order of their first time (m, a, c, b). */
function fileTimeMasks(times: Finding['times']): number[] {
  const masks: number[] = [];
  for (let j = 0; j < 4; j++) {
    const t = times[MACB_FIELDS[j]!];
    if (!t) continue;
    let first = true;
    for (let i = 0; i < j; i++) if (times[MACB_FIELDS[i]!] === t) first = false;
    if (!first) continue;
    let mask = 0;
    for (let i = j; i < 4; i++) if (times[MACB_FIELDS[i]!] === t) mask |= 1 << i;
    masks.push(mask);
  }
  return masks;
}

function firstField(mask: number): (typeof MACB_FIELDS)[number] {
  return MACB_FIELDS[31 - Math.clz32(mask & -mask)]!;
}

/** An event with a time that parses becomes a row; the others are left out. */
function usableEvent(e: TimelineEvent): boolean {
  return typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time));
}

function slotTime(f: Finding, events: readonly TimelineEvent[] | undefined, slot: number): string {
  return slot < EVENT_SLOT ? f.times[firstField(slot)]! : events![slot - EVENT_SLOT]!.time;
}

function slotType(events: readonly TimelineEvent[] | undefined, slot: number): string {
  return slot < EVENT_SLOT ? MACB_TYPES[slot]! : events![slot - EVENT_SLOT]!.type;
}

/** The row object, fields in the order of the JSON report (host and acquisition last, when set). */
function rowOf(f: Finding, events: readonly TimelineEvent[] | undefined, slot: number, host: string | undefined, acquisition: boolean): TimelineRow {
  const row: TimelineRow =
    slot < EVENT_SLOT
      ? { time: f.times[firstField(slot)]!, type: MACB_TYPES[slot]!, description: `${f.path}: ${f.reasons[0]?.message ?? f.kind}`, findingId: f.id, root: f.root, path: f.path, level: f.level, score: f.score }
      : (() => {
          const e = events![slot - EVENT_SLOT]!;
          return { time: e.time, type: e.type, description: e.description, findingId: f.id, root: f.root, path: f.path, level: f.level, score: f.score };
        })();
  if (host !== undefined) row.host = host;
  if (acquisition) row.acquisition = true;
  return row;
}

/** A finding's file-time rows (no host, no acquisition mark): saved JSONL scans rebuild their timeline from these. */
export function fileTimeRows(f: Finding): TimelineRow[] {
  return fileTimeMasks(f.times).map((mask) => rowOf(f, undefined, mask, undefined, false));
}

/** Time order, then the time's text, finding id and type, so equal inputs give byte-identical output. */
function compareRows(aMs: number, aTime: string, aId: string, aType: string, bMs: number, bTime: string, bId: string, bType: string): number {
  return aMs - bMs || compareRowTexts(aTime, aId, aType, bTime, bId, bType);
}

/** compareRows for rows of the same millisecond: the time's text, finding id, type. */
function compareRowTexts(aTime: string, aId: string, aType: string, bTime: string, bId: string, bType: string): number {
  return compareText(aTime, bTime) || compareText(aId, bId) || compareText(aType, bType);
}

/** What orders rows of the same millisecond. */
interface RowTexts {
  time: string;
  id: string;
  type: string;
}

/** compareRowTexts on the texts of two rows. */
function compareRowKeys(a: RowTexts, b: RowTexts): number {
  return compareRowTexts(a.time, a.id, a.type, b.time, b.id, b.type);
}

/** The same order on code units, without the collation: sortByKey checks its result against compareRowKeys. */
function compareRowKeyUnits(a: RowTexts, b: RowTexts): number {
  return compareCodeUnits(a.time, b.time) || compareCodeUnits(a.id, b.id) || compareCodeUnits(a.type, b.type);
}

/**
 * Sorts the row numbers `rows` in place by `ms[row]`, and each run of rows of the same millisecond
 * with `sortTies` (which must keep equal rows in the order given): what a stable sort by
 * `ms[a] - ms[b] || texts(a, b)` gives when `sortTies` sorts by `texts`. By a counting sort on each
 * time's rank among the distinct times (sorted natively), so that the texts are compared only
 * within a millisecond. A row whose time is no number (none is: rows are made only from times that
 * parse) comes last. docs/performance.md "Session 35": one JavaScript comparison per step of the
 * whole sort, and a collation per pair of the same millisecond, cost 0.25 s over the findings-heavy
 * tree's 133,853 rows.
 */
export function sortRowsByTime(rows: number[], ms: Float64Array, sortTies: (run: number[]) => number[]): number[] {
  const timed: number[] = [];
  const untimed: number[] = [];
  for (const row of rows) (Number.isNaN(ms[row]!) ? untimed : timed).push(row);
  const n = timed.length;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = ms[timed[i]!]!;
  const distinct = Float64Array.from(times).sort();
  let last = 0;
  for (let i = 1; i < n; i++) if (distinct[i] !== distinct[last]) distinct[++last] = distinct[i]!;
  const distinctCount = n === 0 ? 0 : last + 1;
  // Each row's rank among the distinct times (binary search), then a stable counting sort by rank.
  const rank = new Uint32Array(n);
  const starts = new Uint32Array(distinctCount + 1);
  for (let i = 0; i < n; i++) {
    let lo = 0;
    let hi = distinctCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! < times[i]!) lo = mid + 1;
      else hi = mid;
    }
    rank[i] = lo;
    starts[lo + 1]!++;
  }
  for (let r = 0; r < distinctCount; r++) starts[r + 1]! += starts[r]!;
  const next = starts.slice(0, distinctCount);
  for (let i = 0; i < n; i++) rows[next[rank[i]!]!++] = timed[i]!;
  for (let r = 0; r < distinctCount; r++) {
    const from = starts[r]!;
    const to = starts[r + 1]!;
    if (to - from < 2) continue;
    const run = sortTies(rows.slice(from, to));
    for (let i = 0; i < run.length; i++) rows[from + i] = run[i]!;
  }
  const tail = untimed.length > 1 ? sortTies(untimed) : untimed;
  for (let i = 0; i < tail.length; i++) rows[n + i] = tail[i]!;
  return rows;
}

/** Time order, then finding id and type, so equal inputs give byte-identical output. */
export function sortTimeline(rows: TimelineRow[]): TimelineRow[] {
  return rows.sort((a, b) => compareRows(rowTimeMs(a.time), a.time, a.findingId, a.type, rowTimeMs(b.time), b.time, b.findingId, b.type));
}

/**
 * The scan's timeline, built from its findings: `add` each root's findings with their events,
 * `markAcquisitionTimes` once all are in, then `select` the shown findings' rows (and a window),
 * which puts them in time order. Iterating (or `toJSON`) builds each row as it is reached; the
 * rows are the ones `fileTimeRows` and the findings' events give, in `sortTimeline`'s order.
 */
export class FindingsTimeline implements Timeline {
  private findings: Finding[] = [];
  private events: Array<readonly TimelineEvent[] | undefined> = [];
  /** Per row: its finding (index into `findings`), its slot, its time in ms. */
  private rowFinding = new Uint32Array(256);
  private rowSlot = new Uint32Array(256);
  private rowMs = new Float64Array(256);
  private count = 0;
  private acquisition: AcquisitionRule | null = null;

  /** Appends the rows of `findings` (file times, then their usable events), in that order. */
  add(findings: readonly Finding[], eventsOf: ReadonlyMap<Finding, readonly TimelineEvent[]>): this {
    for (const f of findings) {
      const events = eventsOf.get(f);
      const index = this.findings.length;
      this.findings.push(f);
      this.events.push(events);
      for (const mask of fileTimeMasks(f.times)) this.push(index, mask, rowTimeMs(f.times[firstField(mask)]!));
      if (events) for (let i = 0; i < events.length; i++) if (usableEvent(events[i]!)) this.push(index, EVENT_SLOT + i, rowTimeMs(events[i]!.time));
    }
    return this;
  }

  private push(finding: number, slot: number, ms: number): void {
    if (this.count === this.rowFinding.length) {
      const size = this.count * 2;
      const grow = <T extends Uint32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
      this.rowFinding = grow(this.rowFinding, new Uint32Array(size));
      this.rowSlot = grow(this.rowSlot, new Uint32Array(size));
      this.rowMs = grow(this.rowMs, new Float64Array(size));
    }
    this.rowFinding[this.count] = finding;
    this.rowSlot[this.count] = slot;
    this.rowMs[this.count] = ms;
    this.count++;
  }

  private typeOf(k: number): string {
    return slotType(this.events[this.rowFinding[k]!], this.rowSlot[k]!);
  }

  private timeOf(k: number): string {
    const i = this.rowFinding[k]!;
    return slotTime(this.findings[i]!, this.events[i], this.rowSlot[k]!);
  }

  /** Marks acquisition times (acquisition.ts) over every row added so far; call once, after the last `add`. */
  markAcquisitionTimes(scanStartedAt: string | null): void {
    const rule = new AcquisitionRule(scanStartedAt);
    for (let k = 0; k < this.count; k++) rule.observe(this.typeOf(k), this.rowMs[k]!);
    this.acquisition = rule;
  }

  /**
   * Keeps only the rows of findings whose id is in `ids` (and whose time `inWindow` accepts, when
   * given), in time order (`sortTimeline`'s comparison, ties in the order the rows were added).
   * The findings and events of rows not kept are let go.
   */
  select(ids: ReadonlySet<string>, inWindow?: (time: string) => boolean): this {
    const kept: number[] = [];
    for (let k = 0; k < this.count; k++) {
      if (!ids.has(this.findings[this.rowFinding[k]!]!.id)) continue;
      if (inWindow && !inWindow(this.timeOf(k))) continue;
      kept.push(k);
    }
    // compareRows' order: the texts of a row are looked up once, and only for rows of the same millisecond.
    const textsOf = (k: number): RowTexts => ({ time: this.timeOf(k), id: this.findings[this.rowFinding[k]!]!.id, type: this.typeOf(k) });
    sortRowsByTime(kept, this.rowMs, (run) => sortByKey(run, textsOf, compareRowKeys, compareRowKeyUnits));
    const findings: Finding[] = [];
    const events: Array<readonly TimelineEvent[] | undefined> = [];
    const remap = new Map<number, number>();
    const rowFinding = new Uint32Array(kept.length);
    const rowSlot = new Uint32Array(kept.length);
    const rowMs = new Float64Array(kept.length);
    for (let n = 0; n < kept.length; n++) {
      const k = kept[n]!;
      const old = this.rowFinding[k]!;
      let index = remap.get(old);
      if (index === undefined) {
        index = findings.length;
        remap.set(old, index);
        findings.push(this.findings[old]!);
        events.push(this.events[old]);
      }
      rowFinding[n] = index;
      rowSlot[n] = this.rowSlot[k]!;
      rowMs[n] = this.rowMs[k]!;
    }
    this.findings = findings;
    this.events = events;
    this.rowFinding = rowFinding;
    this.rowSlot = rowSlot;
    this.rowMs = rowMs;
    this.count = kept.length;
    return this;
  }

  get length(): number {
    return this.count;
  }

  /** Row `k`, built now (a new object each time). */
  rowAt(k: number): TimelineRow {
    const i = this.rowFinding[k]!;
    const f = this.findings[i]!;
    const events = this.events[i];
    const slot = this.rowSlot[k]!;
    const acquisition = this.acquisition !== null && this.acquisition.isAcquisition(slotType(events, slot), this.rowMs[k]!);
    return rowOf(f, events, slot, f.host, acquisition);
  }

  *[Symbol.iterator](): Iterator<TimelineRow> {
    for (let k = 0; k < this.count; k++) yield this.rowAt(k);
  }

  /** `JSON.stringify` of a report writes the rows. */
  toJSON(): TimelineRow[] {
    return Array.from(this);
  }
}

/** The rows of findings and their events, as scoring returns them, in the order they were added (tests, one root). */
export function findingsTimeline(findings: readonly Finding[], eventsOf: ReadonlyMap<Finding, readonly TimelineEvent[]>): FindingsTimeline {
  return new FindingsTimeline().add(findings, eventsOf);
}
