/**
 * Plain-language story of an episode, generated only from its findings' evidence: collection
 * burst -> archives -> other staged files -> deletion -> registry and history traces.
 * Attacker text stays raw here; writers neutralise it where they render.
 */
import { HOLDS_ENCRYPTED_ARCHIVE } from '../model/finding.js';
import { inShadowCopy } from '../model/shadow-copy.js';
import type { EpisodeStep } from '../model/report.js';
import { burstOf, timeSpan, type FindingFacts } from './evidence.js';
import { maxOf, minOf, pushAll } from '../util/arrays.js';
import { isoFromMs } from '../util/filetime.js';

/** Steps spelled out in the narrative text (all are kept in `steps`, up to MAX_STEPS). */
const NARRATIVE_STEPS = 10;
export const MAX_STEPS = 60;
const MAX_QUOTE = 160;
const CONTEXT_RULES = /^(in-staging-location|archive-file|linked-|named-in-)/;

/**
 * The wall clock the story is told in: UTC for JSON; the human writers pass --timezone's
 * (src/report/time-zone.ts `wallClock`), so the timeline stage needs no zone code of its own.
 */
export interface WallClock {
  /** Named in the text: "UTC", "Europe/Berlin". */
  label: string;
  /** "2025-03-15" and "04:05" of an instant. */
  dayOf(ms: number): string;
  hhmmOf(ms: number): string;
}

export const UTC_CLOCK: WallClock = {
  label: 'UTC',
  dayOf: (ms) => new Date(ms).toISOString().slice(0, 10),
  hhmmOf: (ms) => new Date(ms).toISOString().slice(11, 16),
};

// The clock of the narrate() call under way: set and restored there (synchronous), so the many
// step builders below need no extra parameter.
let wall: WallClock = UTC_CLOCK;

function hhmm(ms: number): string {
  return wall.hhmmOf(ms);
}

function day(ms: number): string {
  return wall.dayOf(ms);
}

/** "Between 04:05 and 05:15 UTC on 2025-03-15", "At 04:05 UTC on ...", or across days (the zone label for another clock). */
export function spanPhrase(start: number | null, end: number | null): string {
  if (start === null || end === null) return 'At an unknown time';
  const zone = wall.label;
  if (hhmm(start) === hhmm(end) && day(start) === day(end)) return `At ${hhmm(start)} ${zone} on ${day(start)}`;
  if (day(start) === day(end)) return `Between ${hhmm(start)} and ${hhmm(end)} ${zone} on ${day(start)}`;
  return `Between ${day(start)} ${hhmm(start)} and ${day(end)} ${hhmm(end)} ${zone}`;
}

function clock(ms: number, refDay: string): string {
  return day(ms) === refDay ? hhmm(ms) : `${day(ms)} ${hhmm(ms)}`;
}

function quote(text: string, max = MAX_QUOTE): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The reason that says what the finding is, skipping context such as "in a staging location". */
function mainReason(m: FindingFacts): string {
  const reasons = [...m.finding.reasons].sort((a, b) => b.score - a.score);
  return (reasons.find((r) => !CONTEXT_RULES.test(r.rule)) ?? reasons[0])?.message ?? m.finding.kind;
}

interface Draft {
  time: number | null;
  /** Where an untimed step (a history line) sorts: after the evidence it names. */
  sortTime?: number | null;
  order: number;
  /**
   * The step's text, made when first needed (textOf): for the steps kept and for those whose time
   * and order tie with another's. An episode of thousands of findings keeps MAX_STEPS of its
   * thousands of steps (docs/performance.md "Session 36").
   */
  makeText: () => string;
  text?: string;
  ids: string[];
}

function textOf(d: Draft): string {
  return (d.text ??= d.makeText());
}

function burstStep(m: FindingFacts): Draft | null {
  const b = burstOf(m.finding);
  if (!b) return null;
  const types = b.types.length ? ` (${b.types.join(', ')})` : '';
  return { time: b.start, order: 0, makeText: () => `${spanPhrase(b.start, b.end)}, ${b.count} files${types} were written into ${m.finding.path}.`, ids: [m.finding.id] };
}

function archiveStep(group: FindingFacts[], refDay: string): Draft {
  const f = group[0]!.finding;
  const t = group[0]!.time;
  const makeText = (): string => {
    const reasons = group.flatMap((m) => m.finding.reasons);
    const wraps = reasons.some((r) => r.message.includes(HOLDS_ENCRYPTED_ARCHIVE));
    const encrypted = reasons.some((r) => (/encrypt/i.test(r.rule) || /encrypt/i.test(r.message)) && !r.message.includes(HOLDS_ENCRYPTED_ARCHIVE));
    const format = f.format === 'Z' ? 'compress (.Z)' : (f.format ?? 'archive').toUpperCase();
    const holding = wraps && !encrypted ? ' holding an encrypted archive' : '';
    const what = `${encrypted ? 'an encrypted ' : format === 'ARCHIVE' ? 'an ' : 'a '}${format === 'ARCHIVE' ? 'archive' : `${format} archive`}${holding}`;
    const volumes = group.length > 1 ? ` in ${group.length} volumes` : '';
    const names = group.map((m) => `${baseOf(m.finding.path)}${inShadowCopy(m.finding)}`).join(', ');
    const at = t === null ? 'Then' : `At ${clock(t, refDay)}`;
    return `${at} ${what}${volumes} was written to ${dirOf(f.path)} (${names}).`;
  };
  return { time: t, order: 1, makeText, ids: group.map((m) => m.finding.id) };
}

/** The files of one directory: `group` in any order (the text lists them by time, then path). */
function fileStep(group: FindingFacts[], refDay: string): Draft {
  const times = group.map((m) => m.time).filter((t): t is number => t !== null);
  const makeText = (): string => {
    group.sort((a, b) => (a.time ?? 0) - (b.time ?? 0) || a.finding.path.localeCompare(b.finding.path));
    const span = times.length === 0 ? 'Then' : minOf(times) === maxOf(times) ? `At ${clock(times[0]!, refDay)}` : `Between ${clock(minOf(times), refDay)} and ${clock(maxOf(times), refDay)}`;
    const items = group.map((m) => `${baseOf(m.finding.path)}${inShadowCopy(m.finding)} (${quote(mainReason(m))})`).join('; ');
    const noun = group.length === 1 ? 'a suspicious file appeared' : `${group.length} suspicious files appeared`;
    return `${span} ${noun} in ${dirOf(group[0]!.finding.path)}: ${items}.`;
  };
  return { time: times.length ? minOf(times) : null, order: 2, makeText, ids: group.map((m) => m.finding.id) };
}

function deletionStep(m: FindingFacts, refDay: string): Draft {
  const f = m.finding;
  const makeText = (): string => {
    const at = m.time === null ? 'Then' : `At ${clock(m.time, refDay)}`;
    const bin = f.kind === 'trash' ? 'Trash' : 'Recycle Bin';
    const who = m.users[0] ? ` by ${m.users[0]}` : '';
    return `${at} ${quote(f.originalPath ?? f.path)} was deleted to the ${bin}${who} (${baseOf(f.path)}).`;
  };
  return { time: m.time, order: 3, makeText, ids: [f.id] };
}

/** What a registry finding records: the archiver list and its target when known, else its main reason. */
function registryFact(m: FindingFacts): string {
  const d = m.finding.details ?? {};
  if (typeof d.tool === 'string' && typeof d.list === 'string' && typeof d.target === 'string') return `${d.tool} ${d.list}: ${d.target}`;
  return mainReason(m);
}

/**
 * An Explorer search (WordWheelQuery) told as what the user did: only the most recent search was
 * typed when the key was last written; the older ones were typed before it.
 */
function searchText(m: FindingFacts, refDay: string): string | null {
  const d = m.finding.details ?? {};
  if (d.list !== 'WordWheelQuery' || typeof d.term !== 'string') return null;
  const when = m.time === null ? 'Once' : `${d.mruPosition === 0 ? 'At' : 'Before'} ${clock(m.time, refDay)}`;
  const what = m.finding.reasons.some((r) => r.rule === 'registry-search-credentials') ? 'credentials' : 'every file of a kind';
  return `${when} ${m.users[0] ?? 'the user'} searched Explorer for "${quote(d.term)}" (${what}).`;
}

/** Registry findings saying the same thing at the same time (a hive and its copy) become one step. */
function registrySteps(members: FindingFacts[], refDay: string): Draft[] {
  return groupBy(members, (m) => `${m.time ?? ''}\u0000${registryFact(m)}`).map((g) => {
    const m = g[0]!;
    const makeText = (): string => {
      const search = searchText(m, refDay);
      if (search) return search;
      const hives = [...new Set(g.map((x) => baseOf(x.finding.path)))].join(', ');
      const at = m.time === null ? 'The registry' : `At ${clock(m.time, refDay)} the registry`;
      return `${at} (${hives}) records: ${quote(registryFact(m))}.`;
    };
    // Searches of one list share the key's time: the older ones (further down MRUListEx) are told first.
    const position = m.finding.details?.list === 'WordWheelQuery' ? Number(m.finding.details.mruPosition) : NaN;
    return { time: m.time, order: Number.isFinite(position) ? 4 - Math.min(position, 999) / 1000 : 4, makeText, ids: g.map((x) => x.finding.id) };
  });
}

/** Deleted content without its own record ($R files, files dropped in the bin root), one step per file. */
function binFileStep(group: FindingFacts[], refDay: string): Draft {
  const m = group[0]!;
  const makeText = (): string => {
    const at = m.time === null ? 'Then' : `At ${clock(m.time, refDay)}`;
    const what = [...new Set(group.map(mainReason))].map(quote).join('; ');
    return `${at} ${baseOf(m.finding.path)} in ${dirOf(m.finding.path)}: ${what}.`;
  };
  return { time: m.time, order: 3, makeText, ids: group.map((x) => x.finding.id) };
}

/** The latest time among the episode's evidence a history line names (it ran after that). */
/**
 * The latest time of the members an untimed command names (by path or volume set), looked up in an
 * index of the episode's members: checking every member for every command was quadratic (6,000
 * untimed history lines in one episode: 3.7 s).
 */
class NamedTimes {
  private readonly byKey = new Map<string, FindingFacts[]>();

  constructor(members: readonly FindingFacts[]) {
    for (const o of members) {
      if (o.time === null) continue;
      const path = o.finding.path.toLowerCase();
      this.add(path, o);
      if (o.stem !== null && o.stem !== path) this.add(o.stem, o);
    }
  }

  private add(key: string, o: FindingFacts): void {
    const list = this.byKey.get(key);
    if (list) list.push(o);
    else this.byKey.set(key, [o]);
  }

  of(m: FindingFacts): number | null {
    let latest: number | null = null;
    for (const n of m.named) {
      for (const o of this.byKey.get(n) ?? []) {
        if (o === m) continue;
        const t = o.end ?? o.time!;
        if (latest === null || t > latest) latest = t;
      }
    }
    return latest;
  }
}

function historyStep(m: FindingFacts, named: NamedTimes): Draft {
  const f = m.finding;
  const makeText = (): string => {
    const command = typeof f.details?.command === 'string' ? f.details.command : mainReason(m);
    const shell = f.details?.shell;
    const source = shell === 'powershell-transcript' ? 'PowerShell transcript' : `${typeof shell === 'string' ? `${shell} ` : ''}history`;
    // A transcript's time whose zone is unknown is told as written, marked local.
    const local = m.time === null && typeof f.details?.localTime === 'string' ? `, ${f.details.localTime.replace('T', ' ')} local time` : '';
    const who = m.users[0] ? `${m.users[0]}'s ` : 'A ';
    const missing = f.reasons.find((r) => r.rule === 'named-path-missing');
    const tail = missing ? ` ${quote(missing.message)}.` : '';
    return `${who}${source} (line ${f.line ?? '?'}${local}${inShadowCopy(f)}) shows: \`${quote(command)}\`.${tail}`;
  };
  return { time: m.time, sortTime: m.time ?? named.of(m), order: 5, makeText, ids: [f.id] };
}

/** An event-log finding: who ran what (or which file a process wrote), with its channel and record. */
function eventStep(m: FindingFacts, named: NamedTimes): Draft {
  const f = m.finding;
  const makeText = (): string => {
    const d = f.details ?? {};
    if (f.correlation !== undefined) {
      // A Sigma correlation's firing: what it counted, from its first record.
      const title = (d.correlation as { title?: unknown } | undefined)?.title;
      const summary = typeof d.summary === 'string' ? d.summary : mainReason(m);
      return `The event logs match the Sigma correlation "${quote(typeof title === 'string' ? title : f.correlation)}": ${quote(summary)} (from ${f.event?.channel ?? 'event'} log, event ${f.event?.eventId ?? '?'} record ${f.event?.recordId ?? '?'}${inShadowCopy(f)}).`;
    }
    const who = m.users[0] ? `${m.users[0]} ` : 'Someone ';
    const what = typeof d.command === 'string' ? `ran \`${quote(d.command)}\`` : typeof d.target === 'string' ? `${f.event?.eventId === 11 || f.event?.eventId === 15 ? 'wrote' : 'deleted'} ${quote(d.target)}` : quote(mainReason(m));
    const where = `${f.event?.channel ?? 'event'} log, event ${f.event?.eventId ?? '?'} record ${f.event?.recordId ?? '?'}`;
    return `${who}${what} (${where}${inShadowCopy(f)}).`;
  };
  return { time: m.time, sortTime: m.time ?? named.of(m), order: 5, makeText, ids: [f.id] };
}

/** An NTFS trace: the file's life as the journal and the MFT tell it, and what of it is gone and what remains. */
function ntfsStep(m: FindingFacts): Draft {
  const f = m.finding;
  const makeText = (): string => {
    const d = f.details ?? {};
    const life = typeof d.life === 'string' ? d.life : `${baseOf(f.path)}: ${mainReason(m)}`;
    const list = (v: unknown): string => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').join(', ') : '');
    const gone = list(d.gone);
    const remains = list(d.remains);
    const tail = gone || remains ? ` Gone: ${gone || 'nothing'}; remains: ${remains || 'nothing'}.` : '';
    // A file's whole life is one step: it may take two quotes' room.
    return `${quote(life, 2 * MAX_QUOTE)}.${tail}`;
  };
  return { time: m.time, order: 3, makeText, ids: [f.id] };
}

/** "Between 02:10 and 02:31 RAR.EXE ran 3 times (Prefetch: Windows/Prefetch/RAR.EXE-....pf)." */
function executionStep(m: FindingFacts, refDay: string): Draft {
  const f = m.finding;
  const makeText = (): string => {
    const d = f.details ?? {};
    const program = typeof d.program === 'string' ? d.program : typeof d.executable === 'string' ? d.executable : f.path;
    const count = typeof d.runCount === 'number' ? ` ${d.runCount} time${d.runCount === 1 ? '' : 's'}` : '';
    const span = m.time === null ? 'Then' : m.end !== null && m.end !== m.time ? `Between ${clock(m.time, refDay)} and ${clock(m.end, refDay)}` : `At ${clock(m.time, refDay)}`;
    const source = typeof d.source === 'string' ? d.source : 'execution record';
    const where = f.key ? `${source} key ${f.key} in ${f.path}` : `${source}: ${f.path}`;
    return `${span} ${quote(program)} ran${count} (${where}${inShadowCopy(f)}).`;
  };
  return { time: m.time, order: 1, makeText, ids: [f.id] };
}

/**
 * LNK, Jump List, ShellBags, ComDlg32 and TypedPaths findings naming one path become one step: "At 04:41 alice opened
 * C:\PerfLogs\1\data.7z (Jump List of 7-Zip File Manager; LNK data.7z.lnk)", "... browsed C:\PerfLogs\1 (ShellBags)".
 */
function accessSteps(members: FindingFacts[], refDay: string): Draft[] {
  return groupBy(members, (m) => String(m.finding.details?.target ?? m.finding.path).toLowerCase()).map((g) => {
    const sorted = [...g].sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
    const m = sorted[sorted.length - 1]!;
    const makeText = (): string => {
      const d = m.finding.details ?? {};
      const browsed = g.every((x) => x.finding.details?.source === 'ShellBags' || ((x.finding.details?.source === 'ComDlg32' || x.finding.details?.source === 'TypedPaths') && x.finding.details.folder === true));
      const sources = [...new Set(g.map((x) => {
        const xd = x.finding.details ?? {};
        if (xd.source === 'Jump List') return `Jump List of ${typeof xd.application === 'string' ? xd.application : 'an application'}`;
        if (xd.source === 'LNK') return `LNK ${baseOf(x.finding.path)}`;
        if (xd.source === 'TypedPaths') return 'typed into Explorer\'s address bar';
        if (xd.source === 'ComDlg32') return typeof xd.executable === 'string' ? `file dialog of ${xd.executable}` : `Open/Save dialog, ${typeof xd.list === 'string' ? xd.list : 'ComDlg32'}`;
        return `ShellBags in ${baseOf(x.finding.path)}`;
      }))].sort();
      const who = m.users[0] ?? 'the user';
      const at = m.time === null ? `${who[0]!.toUpperCase()}${who.slice(1)}` : `At ${clock(m.time, refDay)} ${who}`;
      return `${at} ${browsed ? 'browsed' : 'opened'} ${quote(String(d.target ?? m.finding.path))} (${sources.join('; ')}).`;
    };
    return { time: m.time, order: 4, makeText, ids: g.map((x) => x.finding.id) };
  });
}

function groupBy<T>(items: T[], key: (t: T) => string): T[][] {
  const map = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const group = map.get(k);
    if (group) group.push(it);
    else map.set(k, [it]);
  }
  return [...map.values()];
}

function drafts(members: FindingFacts[], refDay: string): Draft[] {
  const out: Draft[] = [];
  const files: FindingFacts[] = [];
  const archives: FindingFacts[] = [];
  const registry: FindingFacts[] = [];
  const binFiles: FindingFacts[] = [];
  const access: FindingFacts[] = [];
  const named = new NamedTimes(members);
  for (const m of members) {
    const burst = burstStep(m);
    if (burst) out.push(burst);
    else if (m.kind === 'recycle-bin' && (m.finding.originalPath || m.finding.deletedAt)) out.push(deletionStep(m, refDay));
    else if (m.kind === 'recycle-bin') binFiles.push(m);
    else if (m.kind === 'registry') registry.push(m);
    else if (m.kind === 'history') out.push(historyStep(m, named));
    else if (m.kind === 'event') out.push(eventStep(m, named));
    else if (m.kind === 'ntfs') out.push(ntfsStep(m));
    // A carved archive is told by its life too (what it was, where its content still is): it was not written where its path says.
    // It has no time: the strongest carves come first (the headline is the narrative's first steps).
    else if (m.finding.kind === 'carved') out.push({ ...ntfsStep(m), order: 3 + (100 - m.finding.score) / 1000 });
    else if (m.kind === 'execution') out.push(executionStep(m, refDay));
    else if (m.kind === 'access') access.push(m);
    else if (m.kind === 'archive') archives.push(m);
    else files.push(m);
  }
  pushAll(out, registrySteps(registry, refDay));
  pushAll(out, accessSteps(access, refDay));
  for (const g of groupBy(binFiles, (m) => m.finding.path)) out.push(binFileStep(g, refDay));
  for (const g of groupBy(archives, (m) => m.stem ?? m.finding.path)) out.push(archiveStep(g.sort((a, b) => a.finding.path.localeCompare(b.finding.path)), refDay));
  for (const g of groupBy(files, (m) => dirOf(m.finding.path))) out.push(fileStep(g, refDay));
  return out;
}

/** Timed steps in time order, then untimed ones (history lines) by kind and line. */
function ordered(list: Draft[]): Draft[] {
  const at = (d: Draft): number | null => (d.time !== null ? d.time : (d.sortTime ?? null));
  return list.sort((a, b) => {
    const ta = at(a);
    const tb = at(b);
    if ((ta === null) !== (tb === null)) return ta === null ? 1 : -1;
    return (ta ?? 0) - (tb ?? 0) || a.order - b.order || textOf(a).localeCompare(textOf(b));
  });
}

export function narrate(members: FindingFacts[], ctx: { kinds: string[]; users: string[] }, clock: WallClock = UTC_CLOCK): { steps: EpisodeStep[]; narrative: string } {
  const previous = wall;
  wall = clock;
  try {
    return tell(members, ctx);
  } finally {
    wall = previous;
  }
}

function tell(members: FindingFacts[], ctx: { kinds: string[]; users: string[] }): { steps: EpisodeStep[]; narrative: string } {
  const { first: start, last: end } = timeSpan(members);
  const refDay = start === null ? '' : day(start);
  const steps = ordered(drafts(members, refDay)).slice(0, MAX_STEPS);
  const who = ctx.users.length ? `by ${ctx.users.join(', ')}` : 'by an unknown user';
  const head = `${spanPhrase(start, end)}: data staging ${who}, ${members.length} findings.`;
  const body = steps.slice(0, NARRATIVE_STEPS).map(textOf);
  if (steps.length > NARRATIVE_STEPS) body.push(`(${steps.length - NARRATIVE_STEPS} more steps in the episode's evidence list.)`);
  const confidence = ctx.kinds.length >= 3 ? 'high' : ctx.kinds.length === 2 ? 'moderate' : 'low';
  const tail = `Evidence: ${ctx.kinds.length} independent kind${ctx.kinds.length === 1 ? '' : 's'} (${ctx.kinds.join(', ')}); confidence ${confidence}.`;
  return {
    steps: steps.map((s) => ({ time: s.time === null ? null : isoFromMs(s.time), text: textOf(s), findingIds: [...s.ids].sort() })),
    narrative: [head, ...body, tail].join(' '),
  };
}
