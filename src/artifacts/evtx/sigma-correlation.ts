/**
 * Sigma correlation rules (Sigma 2.0, docs/eventlogs.md "Sigma correlations"): event_count,
 * value_count, temporal and temporal_ordered over the records the rules they name matched, grouped
 * by fields (with aliases), within a timespan; chains (a correlation naming a correlation); and the
 * older aggregation in a rule's condition (`selection | count(Field) by Group > N` with
 * `timeframe`), read as the event_count or value_count correlation it means.
 *
 * The rules a correlation names match records as any rule does (sigma.ts, sigma-index.ts); each
 * match is kept here as a small hit (time, group values, the counted value, where the record is),
 * for every event log of a root, so a correlation sees the machine's logs together. After the walk
 * `evaluate` finds, per correlation and group, each window the condition holds for: a window starts
 * at a hit and holds the hits within the timespan after it; once one fires, the next starts after
 * it (a burst is one finding, not one per record). Rules come from the user (trusted); the values
 * grouped and counted come from the evidence (hostile): each is capped at MAX_VALUE_CHARS, and the
 * hits kept per root and the work of an ordered search are bounded.
 */
import type { Candidate, Hit } from '../../rules/types.js';
import type { EvtxEvent } from './record.js';
import type { SigmaLevel, SigmaRule } from './sigma.js';
import { fieldsOf } from './sigma.js';
import { LIMITS } from '../../util/limits.js';
import { eventLocatorText } from '../../model/kinds.js';

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered';
const TYPES: ReadonlySet<string> = new Set(['event_count', 'value_count', 'temporal', 'temporal_ordered']);

/** A count's bounds: every one given must hold (`gt: 100, lte: 200` is 101 to 200). */
export interface CountCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
}
const BOUNDS = ['gt', 'gte', 'lt', 'lte', 'eq'] as const;

/** What a correlation reads: a rule's matches or another correlation's firings. */
export type CorrelationInput = SigmaRule | SigmaCorrelation;

/** A rule or correlation feeding a correlation, as the `index`-th of its inputs. */
export interface Feed {
  correlation: SigmaCorrelation;
  index: number;
}

export interface SigmaCorrelation {
  kind: 'correlation';
  title: string;
  id: string | null;
  name: string | null;
  file: string;
  level: SigmaLevel;
  attack: string[];
  type: CorrelationType;
  /** The rules and correlations named, as written (an id or a name); `inputs` once linked. */
  refs: readonly string[];
  inputs: CorrelationInput[];
  groupBy: readonly string[];
  /** alias -> input name -> field (Sigma's `aliases`). */
  aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Infinity: the older aggregation without a timeframe counts over the whole of the logs. */
  timespanMs: number;
  condition: CountCondition;
  /** value_count: the field whose distinct values are counted. */
  field: string | null;
  /** The named rules also make their own findings (`generate: true`); by default only the correlation does. */
  generate: boolean;
  /** The correlations that read this one's firings (chains). */
  feeds: Feed[];
}

/** Longest group or counted value kept (the evidence's text). */
const MAX_VALUE_CHARS = 256;
/** Records listed in a finding's details (the count says how many there were). */
const MAX_LISTED = 20;
/** Distinct values listed in a value_count finding. */
const MAX_VALUES_LISTED = 20;

/** Why a correlation document cannot be used (sigma.ts turns it into an unsupported rule). */
export class CorrelationUnsupported extends Error {}

/** A Sigma timespan (`90m`: a number and s, m, h or d) in milliseconds; also an aggregation's `timeframe`. */
export function timespanMsOf(v: unknown): number {
  const m = typeof v === 'string' ? /^(\d{1,9})([smhd])$/.exec(v.trim()) : null;
  if (!m) throw new CorrelationUnsupported(`timespan ${JSON.stringify(v)} (a number and s, m, h or d)`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function conditionOf(v: unknown, type: CorrelationType, inputs: number): { condition: CountCondition; field: string | null } {
  if (v === undefined && (type === 'temporal' || type === 'temporal_ordered')) return { condition: { gte: inputs }, field: null };
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CorrelationUnsupported('condition is not a map of gt, gte, lt, lte, eq');
  const condition: CountCondition = {};
  let field: string | null = null;
  for (const [k, n] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'field' && typeof n === 'string' && n !== '') field = n;
    else if ((BOUNDS as readonly string[]).includes(k) && typeof n === 'number' && Number.isFinite(n)) condition[k as (typeof BOUNDS)[number]] = n;
    else throw new CorrelationUnsupported(`condition ${k}: ${JSON.stringify(n)}`);
  }
  if (Object.keys(condition).length === 0) throw new CorrelationUnsupported('condition has no bound (gt, gte, lt, lte, eq)');
  if (type === 'value_count' && field === null) throw new CorrelationUnsupported('value_count without condition.field');
  return { condition, field };
}

function stringList(v: unknown, what: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x === '')) throw new CorrelationUnsupported(`${what} is not a list of names`);
  return list as string[];
}

/** One correlation document; `meta` is what the rule header gave (title, id, level, tags). */
export function compileCorrelation(doc: Record<string, unknown>, meta: Pick<SigmaCorrelation, 'title' | 'id' | 'name' | 'file' | 'level' | 'attack'>): SigmaCorrelation {
  const c = doc.correlation;
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new CorrelationUnsupported('correlation is not a map');
  const body = c as Record<string, unknown>;
  const type = String(body.type ?? '');
  if (!TYPES.has(type)) throw new CorrelationUnsupported(`correlation type ${JSON.stringify(body.type)}`);
  const refs = stringList(body.rules, 'rules');
  const groupBy = body['group-by'] === undefined ? [] : stringList(body['group-by'], 'group-by');
  const aliases: Record<string, Record<string, string>> = {};
  if (body.aliases !== undefined) {
    if (!body.aliases || typeof body.aliases !== 'object') throw new CorrelationUnsupported('aliases is not a map');
    for (const [alias, map] of Object.entries(body.aliases as Record<string, unknown>)) {
      if (!map || typeof map !== 'object') throw new CorrelationUnsupported(`alias ${alias} is not a map`);
      aliases[alias] = Object.fromEntries(Object.entries(map as Record<string, unknown>).map(([k, f]) => [k, String(f)]));
    }
  }
  const { condition, field } = conditionOf(body.condition, type as CorrelationType, refs.length);
  const generate = doc.generate === true || body.generate === true;
  return { kind: 'correlation', ...meta, type: type as CorrelationType, refs, inputs: [], groupBy, aliases, timespanMs: timespanMsOf(body.timespan), condition, field, generate, feeds: [] };
}

/**
 * The older aggregation after a rule's condition: `| count() by G > N` (event_count) or `| count(F)
 * by G > N` (value_count); null when the text has none. Other aggregations (min, max, sum, avg,
 * near) are refused.
 */
export function aggregationOf(text: string): { type: 'event_count' | 'value_count'; field: string | null; groupBy: string[]; condition: CountCondition } {
  const m = /^\s*count\(\s*([\w.-]*)\s*\)\s*(?:by\s+([\w.-]+(?:\s*,\s*[\w.-]+)*)\s*)?(>=|<=|==|=|>|<)\s*(\d{1,9})\s*$/i.exec(text);
  if (!m) throw new CorrelationUnsupported(`aggregation "${text.trim()}" (only count() and count(field), by fields, compared with a number)`);
  const n = Number(m[4]);
  const op = m[3]!;
  const condition: CountCondition = op === '>' ? { gt: n } : op === '>=' ? { gte: n } : op === '<' ? { lt: n } : op === '<=' ? { lte: n } : { eq: n };
  return { type: m[1] ? 'value_count' : 'event_count', field: m[1] || null, groupBy: m[2] ? m[2].split(',').map((s) => s.trim()) : [], condition };
}

/**
 * Resolves every correlation's names to the rules and correlations loaded with it (an id first,
 * then a name), wires the feeds and silences the rules a correlation reads unless one says
 * `generate: true`. Returns the correlations that could not be linked, with the reason (a name
 * nothing has, a chain that loops).
 */
export function linkCorrelations(rules: readonly SigmaRule[], correlations: readonly SigmaCorrelation[]): { linked: SigmaCorrelation[]; failed: { correlation: SigmaCorrelation; reason: string }[] } {
  const byRef = new Map<string, CorrelationInput>();
  for (const r of [...rules, ...correlations]) if (r.name && !byRef.has(r.name)) byRef.set(r.name, r);
  for (const r of [...rules, ...correlations]) if (r.id) byRef.set(r.id, r);
  const failed: { correlation: SigmaCorrelation; reason: string }[] = [];
  const unresolved = new Set<SigmaCorrelation>();
  for (const c of correlations) {
    // An aggregation in a rule's condition made its correlation with the rule as its input already.
    if (c.inputs.length > 0) continue;
    const inputs = c.refs.map((ref) => byRef.get(ref));
    const missing = c.refs.filter((_, i) => !inputs[i]);
    if (missing.length > 0) {
      failed.push({ correlation: c, reason: `correlation names no loaded rule: ${missing.join(', ')}` });
      unresolved.add(c);
      continue;
    }
    c.inputs = inputs as CorrelationInput[];
  }
  // A chain through a failed or looping correlation fails whole: its firings would never come.
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of correlations) {
      if (unresolved.has(c)) continue;
      const bad = c.inputs.find((i): i is SigmaCorrelation => i.kind === 'correlation' && (unresolved.has(i) || loops(i, c)));
      if (!bad) continue;
      failed.push({ correlation: c, reason: bad === c || loops(bad, c) ? `correlation chain loops through ${bad.name ?? bad.id ?? bad.title}` : `correlation reads ${bad.name ?? bad.id ?? bad.title}, which could not be loaded` });
      unresolved.add(c);
      changed = true;
    }
  }
  const linked = correlations.filter((c) => !unresolved.has(c));
  for (const c of linked) {
    c.inputs.forEach((input, index) => input.feeds.push({ correlation: c, index }));
  }
  for (const r of rules) if (r.feeds.length > 0 && !r.feeds.some((f) => f.correlation.generate)) r.standalone = false;
  // A correlation read by another one (and not generating) is a step of the chain, not a finding of its own.
  for (const c of linked) if (c.feeds.length > 0 && !c.feeds.some((f) => f.correlation.generate)) c.generate = false;
  return { linked, failed };
}

/** True when `from`'s inputs reach `to` (bounded by the number of correlations a chain can pass). */
function loops(from: SigmaCorrelation, to: SigmaCorrelation): boolean {
  const seen = new Set<SigmaCorrelation>();
  const stack: SigmaCorrelation[] = [from];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (c === to) return true;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const i of c.inputs) if (i.kind === 'correlation') stack.push(i);
  }
  return false;
}

/** Where a hit's record is: the log file and the record in it. */
export interface HitPlace {
  path: string;
  channel: string | null;
  recordId: number;
  eventId: number | null;
  recovered?: true;
}

interface CorrelationHit {
  /** Which of the correlation's inputs matched. */
  input: number;
  timeMs: number;
  /** The record's time as the log gave it (to the 100 ns; `timeMs` orders and measures). */
  time: string;
  /** The group values as one key (JSON: a value holding any separator cannot join two groups). */
  key: string;
  groupValues: readonly string[];
  /** value_count: the counted field's value (null: the record has none). */
  value: string | null;
  place: HitPlace;
  /** A chained correlation's firing: the records it counted. */
  through?: Firing;
}

interface Firing {
  correlation: SigmaCorrelation;
  groupValues: readonly string[];
  hits: CorrelationHit[];
  /** Distinct inputs (temporal), events (event_count) or values (value_count) the condition held for. */
  count: number;
  values: string[];
}

function capped(v: string | undefined): string | null {
  if (v === undefined) return null;
  return v.length > MAX_VALUE_CHARS ? `${v.slice(0, MAX_VALUE_CHARS)}...` : v;
}

/** A group field as input `index` of `c` names it (its alias for that input's name, else itself). */
function fieldFor(c: SigmaCorrelation, field: string, index: number): string {
  const alias = c.aliases[field];
  const name = c.inputs[index]?.name;
  return (alias && name && alias[name]) || field;
}

function holds(cond: CountCondition, n: number): boolean {
  return (cond.gt === undefined || n > cond.gt) && (cond.gte === undefined || n >= cond.gte) && (cond.lt === undefined || n < cond.lt) && (cond.lte === undefined || n <= cond.lte) && (cond.eq === undefined || n === cond.eq);
}

/**
 * The hits of one root's event logs for its correlations, and their evaluation. One per root in a
 * scan (every log of a machine together); `detectEvents` makes one per log when it is given none (a
 * log detected outside a scan).
 */
export class CorrelationHits {
  private readonly hits = new Map<SigmaCorrelation, CorrelationHit[]>();
  private kept = 0;
  private dropped = 0;
  private untimed = 0;

  /** The records `rule` matched feed each correlation that reads it. */
  add(rule: SigmaRule, e: EvtxEvent, time: string | null, place: HitPlace): void {
    const timeMs = time === null ? NaN : Date.parse(time);
    if (!Number.isFinite(timeMs)) {
      this.untimed++;
      return;
    }
    const get = fieldsOf(e, rule.logsource);
    for (const feed of rule.feeds) {
      const c = feed.correlation;
      const groupValues = c.groupBy.map((g) => capped(get(fieldFor(c, g, feed.index))) ?? '');
      const value = c.field === null ? null : capped(get(fieldFor(c, c.field, feed.index)));
      this.push(c, { input: feed.index, timeMs, time: time!, key: JSON.stringify(groupValues), groupValues, value, place });
    }
  }

  private push(c: SigmaCorrelation, hit: CorrelationHit): void {
    if (this.kept >= LIMITS.maxSigmaCorrelationHits) {
      this.dropped++;
      return;
    }
    this.kept++;
    let list = this.hits.get(c);
    if (!list) this.hits.set(c, (list = []));
    list.push(hit);
  }

  /** The findings of every correlation that fired, children before the chains that read them. */
  evaluate(): { candidates: Candidate[]; warnings: string[] } {
    const candidates: Candidate[] = [];
    const budget: SearchBudget = { steps: LIMITS.maxSigmaCorrelationSteps, spent: false };
    for (const c of evaluationOrder([...this.hits.keys()])) {
      const firings = fire(c, this.hits.get(c) ?? [], budget);
      let made = 0;
      for (const f of firings) {
        // A chain's step: its firing is a hit of the correlations that read it (the time it completed).
        for (const feed of c.feeds) {
          const p = feed.correlation;
          const last = f.hits[f.hits.length - 1]!;
          const groupValues = p.groupBy.map((g) => {
            const own = fieldFor(p, g, feed.index);
            const at = c.groupBy.indexOf(own);
            return at >= 0 ? f.groupValues[at]! : '';
          });
          this.push(p, { input: feed.index, timeMs: last.timeMs, time: last.time, key: JSON.stringify(groupValues), groupValues, value: null, place: last.place, through: f });
        }
        if ((!c.generate && c.feeds.length > 0) || made >= LIMITS.maxFindingsPerArtifact) continue;
        made++;
        candidates.push(firingCandidate(f));
      }
    }
    const warnings: string[] = [];
    if (this.dropped > 0) warnings.push(`sigma correlations: only the first ${LIMITS.maxSigmaCorrelationHits} matches of their rules were kept (limit); ${this.dropped} more left out`);
    if (this.untimed > 0) warnings.push(`sigma correlations: ${this.untimed} matching records without a time were left out`);
    if (budget.spent) warnings.push(`sigma correlations: an ordered search stopped after ${LIMITS.maxSigmaCorrelationSteps} steps (limit); later windows were not tried`);
    return { candidates, warnings };
  }
}

/** Correlations with hits, and the chains above them, each after the correlations it reads (a chain's steps first). */
function evaluationOrder(start: SigmaCorrelation[]): SigmaCorrelation[] {
  const out: SigmaCorrelation[] = [];
  const seen = new Set<SigmaCorrelation>();
  const visit = (c: SigmaCorrelation, depth: number): void => {
    if (seen.has(c) || depth > 64) return;
    seen.add(c);
    for (const i of c.inputs) if (i.kind === 'correlation') visit(i, depth + 1);
    out.push(c);
  };
  // The chains' parents too: they have no hits until their steps fire.
  const all = new Set<SigmaCorrelation>();
  const up = (c: SigmaCorrelation, depth: number): void => {
    if (all.has(c) || depth > 64) return;
    all.add(c);
    for (const f of c.feeds) up(f.correlation, depth + 1);
  };
  for (const c of start) up(c, 0);
  for (const c of [...all].sort((a, b) => a.file.localeCompare(b.file) || a.title.localeCompare(b.title))) visit(c, 0);
  return out;
}

/** What is left of the steps an ordered search may take, and whether it ran out. */
interface SearchBudget {
  steps: number;
  spent: boolean;
}

/** Every window of each group the condition holds for, in time order. */
function fire(c: SigmaCorrelation, hits: CorrelationHit[], budget: SearchBudget): Firing[] {
  const groups = new Map<string, CorrelationHit[]>();
  for (const h of hits) {
    let g = groups.get(h.key);
    if (!g) groups.set(h.key, (g = []));
    g.push(h);
  }
  const out: Firing[] = [];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    // Stable: records of one time keep the order the logs gave them.
    g.sort((a, b) => a.timeMs - b.timeMs);
    if (c.type === 'temporal_ordered') orderedWindows(c, g, out, budget);
    else windows(c, g, out);
  }
  return out.sort((a, b) => a.hits[0]!.timeMs - b.hits[0]!.timeMs);
}

/**
 * event_count, value_count, temporal: the window from a hit over the timespan. With a lower bound
 * (gt, gte) the window slides hit by hit until the count reaches it (a burst may start anywhere);
 * with only an upper bound or eq it moves window by window from the group's first hit (a sliding
 * window would always end in one of a single record, which any "fewer than" holds).
 */
function windows(c: SigmaCorrelation, g: CorrelationHit[], out: Firing[]): void {
  const sliding = c.condition.gt !== undefined || c.condition.gte !== undefined;
  const counts = new Map<string | number, number>();
  const keyOf = (h: CorrelationHit): string | number | null => (c.type === 'value_count' ? h.value : c.type === 'temporal' ? h.input : 0);
  const add = (h: CorrelationHit, d: number): void => {
    const k = keyOf(h);
    if (k === null) return;
    const n = (counts.get(k) ?? 0) + d;
    if (n === 0) counts.delete(k);
    else counts.set(k, n);
  };
  let end = 0;
  let i = 0;
  while (i < g.length) {
    while (end < g.length && g[end]!.timeMs - g[i]!.timeMs <= c.timespanMs) add(g[end++]!, 1);
    const n = c.type === 'event_count' ? end - i : counts.size;
    if (holds(c.condition, n)) {
      const hits = g.slice(i, end);
      out.push({ correlation: c, groupValues: hits[0]!.groupValues, hits, count: n, values: c.type === 'value_count' ? [...counts.keys()].map(String).sort().slice(0, MAX_VALUES_LISTED) : [] });
      counts.clear();
      i = end;
      continue;
    }
    if (sliding) {
      add(g[i]!, -1);
      i++;
    } else {
      counts.clear();
      i = end;
    }
  }
}

/** temporal_ordered: from each hit of the first input, the inputs in their order within the timespan. */
function orderedWindows(c: SigmaCorrelation, g: CorrelationHit[], out: Firing[], budget: SearchBudget): void {
  const needed = c.inputs.length;
  let i = 0;
  while (i < g.length) {
    if (g[i]!.input !== 0) {
      i++;
      continue;
    }
    const chain: CorrelationHit[] = [g[i]!];
    let j = i + 1;
    for (; j < g.length && chain.length < needed && g[j]!.timeMs - g[i]!.timeMs <= c.timespanMs; j++) {
      if (--budget.steps < 0) {
        budget.spent = true;
        return;
      }
      if (g[j]!.input === chain.length) chain.push(g[j]!);
    }
    if (chain.length === needed && holds(c.condition, needed)) {
      out.push({ correlation: c, groupValues: chain[0]!.groupValues, hits: chain, count: needed, values: [] });
      i = j;
    } else i++;
  }
}

/** The records behind a firing, a chain's steps opened up to the records they counted (at most MAX_LISTED). */
function recordsOf(f: Firing, out: ListedRecord[] = []): ListedRecord[] {
  for (const h of f.hits) {
    if (out.length >= MAX_LISTED) break;
    if (h.through) recordsOf(h.through, out);
    else out.push({ ...h.place, time: h.time, rule: f.correlation.inputs[h.input]!.title });
  }
  return out;
}

/** A record a finding lists: where it is, when, and which rule matched it. */
interface ListedRecord extends HitPlace {
  time: string;
  rule: string;
}

function spanText(ms: number): string {
  if (!Number.isFinite(ms)) return 'in the logs';
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  const [unit, name] = units.find(([u]) => ms % u === 0) ?? [1000, 's'];
  return `within ${ms / unit}${name}`;
}

function what(f: Firing): string {
  const c = f.correlation;
  if (c.type === 'event_count') return `${f.count} records of ${c.inputs.map((i) => `"${i.title}"`).join(', ')}`;
  if (c.type === 'value_count') return `${f.count} distinct ${c.field} in ${f.hits.length} records of ${c.inputs.map((i) => `"${i.title}"`).join(', ')}`;
  return `${c.inputs.map((i) => `"${i.title}"`).join(c.type === 'temporal_ordered' ? ' then ' : ', ')}`;
}

/** The finding of one firing: at its first record, with the correlation and the group as its locator. */
function firingCandidate(f: Firing): Candidate {
  const c = f.correlation;
  const last = f.hits[f.hits.length - 1]!;
  const group = c.groupBy.map((g, i) => `${g}=${f.groupValues[i] || '(none)'}`).join(', ');
  // A chain's steps are opened up to the records they counted: the finding starts at the first of them.
  const records = recordsOf(f);
  const first = records[0]!;
  const firstTime = first.time;
  const lastTime = last.time;
  const locator = { channel: first.channel, recordId: first.recordId, eventId: first.eventId, ...(first.recovered ? { recovered: true as const } : {}) };
  const text = `${what(f)} ${spanText(c.timespanMs)}${group ? ` by ${group}` : ''}, ${firstTime} to ${lastTime}`;
  const hit: Hit = { rule: `sigma-${c.level}`, attack: c.attack, message: `Sigma correlation "${c.title}"${c.id ? ` (${c.id})` : ''} from ${c.file}: ${text}` };
  const userField = c.groupBy.findIndex((g, i) => /user/i.test(g) && f.groupValues[i]);
  return {
    kind: 'event',
    path: first.path,
    hits: [hit],
    user: userField >= 0 ? f.groupValues[userField]! : null,
    format: 'evtx',
    event: locator,
    correlation: `${c.id ?? c.title}${group ? ` by ${group}` : ''}`,
    details: {
      source: 'Sigma correlation',
      time: firstTime,
      summary: text,
      correlation: {
        type: c.type,
        title: c.title,
        id: c.id,
        file: c.file,
        rules: c.inputs.map((i) => i.title),
        groupBy: Object.fromEntries(c.groupBy.map((g, i) => [g, f.groupValues[i] ?? ''])),
        count: f.count,
        records: f.hits.length,
        first: firstTime,
        last: lastTime,
        ...(c.type === 'value_count' ? { field: c.field, values: f.values } : {}),
        listed: records,
      },
      sigma: [{ title: c.title, id: c.id, level: c.level, file: c.file, attack: c.attack }],
    },
    names: [],
    events: [{ time: firstTime, type: 'event', description: `Sigma correlation "${c.title}" (${eventLocatorText({ ...locator, channel: locator.channel ?? 'event log' })}): ${text.slice(0, 300)}` }],
  };
}
