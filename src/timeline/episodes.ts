/**
 * Staging episodes (docs/episodes.md): findings grouped by cross-artifact links, shared place
 * and time into the story of one staging run, each scored by how many independent kinds of
 * evidence agree. Pure and deterministic: the same findings give byte-identical episodes.
 */
import { liveVolumeOf } from '../model/shadow-copy.js';
import { createHash } from 'node:crypto';
import { levelRank, type Finding, type Level } from '../model/finding.js';
import type { Episode } from '../model/report.js';
import { factsOf, timeSpan, type FindingFacts } from './evidence.js';
import { EVIDENCE_KINDS } from '../model/kinds.js';
import { narrate, UTC_CLOCK, type WallClock } from './narrative.js';
import { UnionFind } from './union-find.js';
import { maxOf, minOf, pushAll } from '../util/arrays.js';
import { isoFromMs } from '../util/filetime.js';
import { compareCodeUnits, compareText, sortExactly } from '../util/compare.js';

/** Two pieces of evidence further apart than this are separate runs unless a link joins them. */
export const EPISODE_GAP_MS = 30 * 60 * 1000;
/** Upper bound on findings grouped (the link-reason check is linkers x findings). */
export const MAX_EPISODE_FINDINGS = 20_000;
/**
 * Episode score (docs/episodes.md): rank rests on independent kinds of evidence and distinct
 * strong reasons, not on the top score of one finding. TOP_SHARE of the top finding's score, plus
 * KIND_POINTS per evidence kind beyond the first, plus STRONG_POINTS per distinct rule with points
 * of its high and critical findings (at most MAX_STRONG_COUNTED of them).
 */
const TOP_SHARE = 0.7;
const KIND_POINTS = 15;
const STRONG_POINTS = 3;
const MAX_STRONG_COUNTED = 6;
/** Reasons that only name the place or pair records: never counted as strong evidence of an episode. */
const NOT_EVIDENCE = new Set(['in-staging-location', 'recycle-bin-pair', 'known-benign-producer']);

/** ATT&CK ids an evidence kind stands for, on top of what each finding's rules say. */
const KIND_ATTACK: Record<string, string[]> = {
  file: ['T1005'],
  archive: ['T1560.001'],
  'recycle-bin': ['T1070.004'],
  history: [],
  registry: [],
  ntfs: ['T1070.004'],
  execution: ['T1560.001'],
};

/** Reasons written by correlate/ name other evidence; only findings carrying one can name another. */
const LINK_RULES = new Set(['named-in-execution-artifact', 'named-in-access-artifact', 'named-in-history', 'named-in-event-log', 'named-in-registry', 'linked-recycle-bin', 'recycle-bin-pair', 'linked-file-found', 'linked-file-present', 'named-path-missing', 'linked-ntfs-trace', 'ntfs-same-file']);

function push<K>(map: Map<K, number[]>, key: K, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

/**
 * Step 1: clusters of findings joined by links or by a shared place close in time. Indexed by
 * place, stem and named path so it grows linearly with the findings (a pairwise check took
 * about a minute on 12,000 findings: docs/performance.md).
 */
function linkClusters(facts: FindingFacts[]): number[][] {
  const uf = new UnionFind(facts.length);
  const byStem = new Map<string, number[]>();
  const byPlace = new Map<string, number[]>();
  const byPath = new Map<string, number[]>();
  const dirs = new Map<string, number[]>();
  const byNamed = new Map<string, number[]>();
  facts.forEach((f, i) => {
    if (f.stem !== null) push(byStem, f.stem, i);
    if (f.place !== null) push(byPlace, f.place, i);
    const own = f.finding.path.toLowerCase();
    push(byPath, own, i);
    if (f.finding.kind === 'directory') push(dirs, own, i);
    for (const n of new Set(f.named)) push(byNamed, n, i);
  });
  const unionAll = (list: number[]): void => list.forEach((i) => uf.union(list[0]!, i));
  // Same volume set, or the same named path: always one story.
  for (const list of byStem.values()) unionAll(list);
  for (const list of byNamed.values()) unionAll(list);
  // Same place: members close in time chain together; members without a time join all of them.
  for (const list of byPlace.values()) {
    const timed = list.filter((i) => facts[i]!.time !== null).sort((a, b) => facts[a]!.time! - facts[b]!.time!);
    const untimed = list.filter((i) => facts[i]!.time === null);
    if (untimed.length) unionAll(list);
    let maxEnd = -Infinity;
    let prev = -1;
    for (const i of timed) {
      const f = facts[i]!;
      if (prev >= 0 && f.time! - EPISODE_GAP_MS <= maxEnd) uf.union(prev, i);
      maxEnd = Math.max(maxEnd, f.end ?? f.time!);
      prev = i;
    }
  }
  // A finding naming another's path (a command's archive, an MRU target, an original path), its
  // volume set, or a directory above it.
  facts.forEach((a, i) => {
    for (const n of a.named) {
      for (const j of byPath.get(n) ?? []) uf.union(i, j);
      for (const j of byStem.get(n) ?? []) uf.union(i, j);
      for (let cut = n.lastIndexOf('/'); cut > 0; cut = n.lastIndexOf('/', cut - 1)) for (const j of dirs.get(n.slice(0, cut)) ?? []) uf.union(i, j);
    }
  });
  // Link reasons that name another finding's evidence: paths, history lines and registry keys, each through an index.
  const paths = new PathMentions(facts);
  const locators = new LocatorMentions(facts);
  const joined = new Set<readonly number[]>();
  facts.forEach((a, i) => {
    const text = a.finding.reasons.filter((r) => LINK_RULES.has(r.rule)).map((r) => r.message).join('\n');
    if (!text) return;
    const join = (j: number): void => {
      if (i !== j) uf.union(i, j);
    };
    paths.named(text, join, joined);
    locators.named(text, join, joined);
  });
  return uf.groups();
}

/**
 * Visits the findings of one group a text names (one path, one history line, one registry key in
 * one hive). With `joined` (linkClusters, whose visit is a union), a group is visited whole the
 * first time and by its first member afterwards: the others are joined through it already (six
 * thousand linkers naming one registry key of six thousand values were 36 million unions, 4.3 s).
 */
function visitGroup(group: readonly number[], visit: (index: number) => void, joined: Set<readonly number[]> | undefined): void {
  if (joined?.has(group)) {
    visit(group[0]!);
    return;
  }
  joined?.add(group);
  for (const j of group) visit(j);
}

/** Whether a name goes on at `end` of `text` (so a path ending there would be the prefix of a longer name). */
function nameContinues(text: string, end: number): boolean {
  return /^[A-Za-z0-9_-]/.test(text.slice(end, end + 1)) || /^\.[A-Za-z0-9]/.test(text.slice(end, end + 2));
}

/**
 * Which findings' paths a text names as whole paths (not the prefix of a longer name: 'out' in
 * 'out2' is not named; `nameContinues`), without testing every finding against every text (that
 * was linkers x findings: minutes for a Recycle Bin of thousands of linked records). A path can
 * only start where the text continues with its first segment; from each such start, the text is
 * looked up at the ends the index's paths under that segment could have.
 */
export class PathMentions {
  private readonly byPath = new Map<string, number[]>();
  /**
   * Per head (a path's first segment with its '/', or the whole path when it has none): the distinct
   * lengths of the paths it starts, so a text is looked up only at the ends a path could have.
   */
  private readonly lengthsByHead = new Map<string, number[]>();
  private longestHead = 0;
  /** The lengths of the paths of one segment (no '/'). */
  private readonly loneLengths: number[] = [];

  constructor(facts: readonly FindingFacts[]) {
    const lengths = new Map<string, Set<number>>();
    facts.forEach((f, i) => {
      const p = f.finding.path;
      if (f.finding.kind === 'history' || f.finding.kind === 'registry' || p.length < 3) return;
      push(this.byPath, p, i);
      const slash = p.indexOf('/');
      const head = slash < 0 ? '' : p.slice(0, slash + 1);
      const set = lengths.get(head) ?? new Set<number>();
      lengths.set(head, set.add(p.length));
    });
    for (const [head, set] of lengths) {
      if (head === '') for (const n of set) this.loneLengths.push(n);
      else this.lengthsByHead.set(head, [...set]);
      this.longestHead = Math.max(this.longestHead, head.length);
    }
  }

  named(text: string, visit: (index: number) => void, joined?: Set<readonly number[]>): void {
    if (this.byPath.size === 0) return;
    // Where the next '/' is at or after each place (text.length when none): each start's head in one step.
    const nextSlash = new Int32Array(text.length + 1);
    nextSlash[text.length] = text.length;
    for (let i = text.length - 1; i >= 0; i--) nextSlash[i] = text.charCodeAt(i) === 0x2f ? i : nextSlash[i + 1]!;
    const at = (start: number, length: number): void => {
      const end = start + length;
      if (end > text.length || nameContinues(text, end)) return;
      const group = this.byPath.get(text.slice(start, end));
      if (group) visitGroup(group, visit, joined);
    };
    for (let start = 0; start < text.length; start++) {
      const slash = nextSlash[start]!;
      if (slash < text.length && slash + 1 - start <= this.longestHead) for (const length of this.lengthsByHead.get(text.slice(start, slash + 1)) ?? []) at(start, length);
      // A path of one segment ends before the next '/'.
      for (const length of this.loneLengths) if (start + length <= slash) at(start, length);
    }
  }
}

/** How correlate/ names a history line ("bob's bash history at line 12 (home/bob/.bash_history)") and a registry value ("registry KEY\VALUE in HIVE"). */
const HISTORY_LINE_ANCHOR = 'history at line ';
const REGISTRY_ANCHOR = 'registry ';

/**
 * Which history-line and registry findings a text names, found from the text's own anchors
 * ("history at line N (PATH)", "registry KEY... in HIVE") and looked up, instead of testing every
 * such finding against every text: a history of 10,000 staging commands, each one's finding a
 * linker, took that pairwise check 11 s (docs/performance.md). Each look-up is bounded by the
 * longest path or key held.
 */
export class LocatorMentions {
  /** History findings by file path, then by line as written ('?' for none). */
  private readonly historyByPath = new Map<string, Map<string, number[]>>();
  private longestHistoryPath = 0;
  /** Registry findings by key, then by their hive's path. */
  private readonly registryByKey = new Map<string, Map<string, number[]>>();
  private longestKey = 0;

  constructor(facts: readonly FindingFacts[]) {
    facts.forEach((b, i) => {
      const f = b.finding;
      if (f.kind === 'history') {
        const byLine = this.historyByPath.get(f.path) ?? new Map<string, number[]>();
        this.historyByPath.set(f.path, byLine);
        push(byLine, String(f.line ?? '?'), i);
        this.longestHistoryPath = Math.max(this.longestHistoryPath, f.path.length);
      } else if (f.kind === 'registry' && f.key) {
        const byHive = this.registryByKey.get(f.key) ?? new Map<string, number[]>();
        this.registryByKey.set(f.key, byHive);
        push(byHive, f.path, i);
        this.longestKey = Math.max(this.longestKey, f.key.length);
      }
    });
  }

  named(text: string, visit: (index: number) => void, joined?: Set<readonly number[]>): void {
    if (this.historyByPath.size > 0) {
      for (let at = text.indexOf(HISTORY_LINE_ANCHOR); at >= 0; at = text.indexOf(HISTORY_LINE_ANCHOR, at + 1)) {
        const lineStart = at + HISTORY_LINE_ANCHOR.length;
        let lineEnd = lineStart;
        while (lineEnd < text.length && text.charCodeAt(lineEnd) >= 0x30 && text.charCodeAt(lineEnd) <= 0x39) lineEnd++;
        if (lineEnd === lineStart && text[lineEnd] === '?') lineEnd++;
        if (lineEnd === lineStart || !text.startsWith(' (', lineEnd)) continue;
        const line = text.slice(lineStart, lineEnd);
        // The path runs to a ')', but a path may hold one too: every ')' within the longest path is tried.
        const pathStart = lineEnd + 2;
        const last = pathStart + this.longestHistoryPath;
        for (let close = text.indexOf(')', pathStart); close >= 0 && close <= last; close = text.indexOf(')', close + 1)) {
          const group = this.historyByPath.get(text.slice(pathStart, close))?.get(line);
          if (group) visitGroup(group, visit, joined);
        }
      }
    }
    if (this.registryByKey.size > 0) {
      for (let at = text.indexOf(REGISTRY_ANCHOR); at >= 0; at = text.indexOf(REGISTRY_ANCHOR, at + 1)) {
        const keyStart = at + REGISTRY_ANCHOR.length;
        const last = Math.min(text.length - 1, keyStart + this.longestKey);
        // The key ends where its value name starts (a backslash) or where " in HIVE" does.
        for (let end = keyStart + 1; end <= last; end++) {
          if (text[end] !== '\\' && !text.startsWith(' in ', end)) continue;
          for (const [hive, group] of this.registryByKey.get(text.slice(keyStart, end)) ?? []) if (text.includes(` in ${hive}`)) visitGroup(group, visit, joined);
        }
      }
    }
  }
}

interface Cluster {
  members: number[];
  start: number | null;
  end: number | null;
  users: Set<string>;
  maxRank: number;
}

function toCluster(members: number[], facts: FindingFacts[]): Cluster {
  const times: number[] = [];
  const users = new Set<string>();
  let maxRank = -Infinity;
  for (const i of members) {
    const f = facts[i]!;
    if (f.time !== null) times.push(f.time);
    if (f.end !== null) times.push(f.end);
    for (const u of f.users) users.add(u);
    maxRank = Math.max(maxRank, levelRank(f.finding.level));
  }
  return { members, start: times.length ? minOf(times) : null, end: times.length ? maxOf(times) : null, users, maxRank };
}

function usersCompatible(a: Cluster, b: Cluster): boolean {
  if (a.users.size === 0 || b.users.size === 0) return true;
  return [...a.users].some((u) => b.users.has(u));
}

function merge(into: Cluster, from: Cluster): void {
  pushAll(into.members, from.members);
  into.start = into.start === null ? from.start : from.start === null ? into.start : Math.min(into.start, from.start);
  into.end = into.end === null ? from.end : from.end === null ? into.end : Math.max(into.end, from.end);
  for (const u of from.users) into.users.add(u);
  into.maxRank = Math.max(into.maxRank, from.maxRank);
}

/**
 * Step 2: anchor clusters (a medium or stronger finding) that follow each other within the gap,
 * with no conflicting user, are one run. Weaker clusters attach to the anchor whose span they
 * fall in but never bridge two anchors, so scattered noise cannot chain a whole disk together.
 */
function mergeByTime(clusters: Cluster[]): Cluster[] {
  const medium = levelRank('medium');
  const anchors = clusters.filter((c) => c.maxRank >= medium).sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity) || a.members[0]! - b.members[0]!);
  const runs: Cluster[] = [];
  for (const c of anchors) {
    const last = runs[runs.length - 1];
    if (last && c.start !== null && last.end !== null && c.start <= last.end + EPISODE_GAP_MS && usersCompatible(last, c)) merge(last, c);
    else runs.push({ ...c, members: [...c.members], users: new Set(c.users) });
  }
  // A lower cluster joins the first run whose window (its span widened by the gap) holds its start.
  // The windows are kept beside the runs as plain numbers (NaN: a run without a time, which no start
  // is in): the search is runs x lower clusters, and a closure per pair took 0.8 s for 10,000 of each
  // at MAX_EPISODE_FINDINGS (docs/performance.md "Session 40").
  const from: number[] = [];
  const to: number[] = [];
  const setWindow = (k: number): void => {
    const { start, end } = runs[k]!;
    const timed = start !== null && end !== null;
    from[k] = timed ? start - EPISODE_GAP_MS : NaN;
    to[k] = timed ? end + EPISODE_GAP_MS : NaN;
  };
  for (let k = 0; k < runs.length; k++) setWindow(k);
  for (const c of clusters.filter((x) => x.maxRank < medium)) {
    const start = c.start;
    let host = -1;
    if (start !== null) {
      for (let k = 0; k < runs.length; k++) {
        if (start >= from[k]! && start <= to[k]! && usersCompatible(runs[k]!, c)) {
          host = k;
          break;
        }
      }
    }
    if (host >= 0) merge(runs[host]!, c);
    else runs.push(c);
    setWindow(host >= 0 ? host : runs.length - 1);
  }
  return runs;
}

function levelFor(score: number, strong: boolean): Level {
  const capped = strong ? score : Math.min(score, 59);
  if (capped >= 80) return 'critical';
  if (capped >= 60) return 'high';
  if (capped >= 40) return 'medium';
  if (capped >= 20) return 'low';
  return 'info';
}

function iso(ms: number | null): string | null {
  return ms === null ? null : isoFromMs(ms);
}

/** Distinct rules of high and critical findings that carry points: the strong reasons of an episode. */
function strongRules(findings: readonly Finding[]): number {
  const rules = new Set<string>();
  for (const f of findings) {
    if (levelRank(f.level) < levelRank('high')) continue;
    for (const r of f.reasons) if (r.score > 0 && !NOT_EVIDENCE.has(r.rule)) rules.add(r.rule);
  }
  return rules.size;
}

export function episodeScore(findings: readonly Finding[], kinds: number): number {
  const top = maxOf(findings.map((f) => f.score));
  return Math.min(100, Math.round(top * TOP_SHARE) + KIND_POINTS * (kinds - 1) + STRONG_POINTS * Math.min(MAX_STRONG_COUNTED, strongRules(findings)));
}

/**
 * Each place (lower case) as the first finding (in member order) whose lower-cased path starts
 * with it spells it, or the place itself. The paths are lower-cased and sorted once, and each place
 * looks only at the run of paths it prefixes (a place per finding searched every finding: places x
 * findings, with a lower-cased copy of a path per test, in an episode of thousands of findings).
 */
function displayedLocations(locations: readonly string[], findings: readonly Finding[]): string[] {
  const lower = findings.map((f) => f.path.toLowerCase());
  const order = lower.map((_, i) => i).sort((a, b) => (lower[a]! < lower[b]! ? -1 : lower[a]! > lower[b]! ? 1 : a - b));
  return locations.map((l) => {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lower[order[mid]!]! < l) lo = mid + 1;
      else hi = mid;
    }
    let first = -1;
    for (let k = lo; k < order.length && lower[order[k]!]!.startsWith(l); k++) if (first < 0 || order[k]! < first) first = order[k]!;
    return first < 0 ? l : findings[first]!.path.slice(0, l.length);
  });
}

function buildEpisode(members: FindingFacts[], clock: WallClock): Episode {
  const findings = members.map((m) => m.finding);
  const kinds = EVIDENCE_KINDS.filter((k) => members.some((m) => m.kind === k));
  const score = episodeScore(findings, kinds.length);
  const strong = findings.some((f) => levelRank(f.level) >= levelRank('high'));
  const { first, last } = timeSpan(members);
  const users = [...new Set(members.flatMap((m) => m.users))].sort();
  const pathUsers = [...new Set(members.map((m) => m.pathUser).filter((u): u is string => !!u))].sort();
  const locations = [...new Set(members.map((m) => m.place).filter((p): p is string => !!p))].sort();
  const displayLocations = displayedLocations(locations, findings);
  // In first-seen order (the first stays first): a Set filled in loops, not from arrays of every finding's techniques.
  const attackSeen = new Set<string>(['T1074.001']);
  for (const k of kinds) for (const a of KIND_ATTACK[k] ?? []) attackSeen.add(a);
  for (const f of findings) for (const a of f.attack) attackSeen.add(a);
  const attack = [...attackSeen];
  // Code-unit order, as the default sort's, without its string conversion per comparison.
  const findingIds = findings.map((f) => f.id).sort(compareCodeUnits);
  const id = `ep-${createHash('sha256').update(findingIds.join('\n')).digest('hex').slice(0, 12)}`;
  const { steps, narrative } = narrate(members, { kinds: [...kinds], users: users.length ? users : pathUsers }, clock);
  return {
    id,
    score,
    level: levelFor(score, strong),
    confidence: kinds.length >= 3 ? 'high' : kinds.length === 2 ? 'moderate' : 'low',
    start: iso(first),
    end: iso(last),
    users: users.length ? users : pathUsers,
    locations: displayLocations,
    findingIds,
    evidenceKinds: [...kinds],
    attack: [attack[0]!, ...attack.slice(1).sort()],
    narrative,
    steps,
  };
}

/**
 * An episode needs a high finding, or a medium one confirmed by a second kind of evidence. Deletion
 * records alone ($I and $R of one deletion are one kind) need a high finding: one ordinary deletion
 * to the Recycle Bin is not a staging episode.
 */
function qualifies(members: FindingFacts[]): boolean {
  const ranks = members.map((m) => levelRank(m.finding.level));
  if (ranks.some((r) => r >= levelRank('high'))) return true;
  return ranks.some((r) => r >= levelRank('medium')) && new Set(members.map((m) => m.kind)).size >= 2;
}

/** Groups findings into staging episodes, most severe first. Findings in no episode are left out. */
export function buildEpisodes(findings: readonly Finding[], clock: WallClock = UTC_CLOCK): Episode[] {
  // By id in collation order, computed on code units and checked (util/compare.ts).
  const sorted = sortExactly([...findings], (a, b) => compareCodeUnits(a.id, b.id), (a, b) => compareText(a.id, b.id)).slice(0, MAX_EPISODE_FINDINGS);
  // Episodes never mix roots (issue 16): two hosts with the same folders are two stories. A volume
  // and its shadow copies are one volume at several times: one story (model/shadow-copy.ts).
  const byRoot = new Map<string, Finding[]>();
  for (const f of sorted) {
    const key = `${liveVolumeOf(f.root)}\u0000${f.host ?? ''}`;
    const list = byRoot.get(key);
    if (list) list.push(f);
    else byRoot.set(key, [f]);
  }
  const episodes: Episode[] = [];
  for (const rootFindings of byRoot.values()) {
    const facts = rootFindings.map(factsOf);
    const clusters = linkClusters(facts).map((m) => toCluster(m, facts));
    for (const c of mergeByTime(clusters)) {
      const members = c.members.sort((a, b) => a - b).map((i) => facts[i]!);
      if (qualifies(members)) episodes.push(buildEpisode(members, clock));
    }
  }
  return episodes.sort((a, b) => levelRank(b.level) - levelRank(a.level) || b.score - a.score || (a.start ?? '').localeCompare(b.start ?? '') || a.id.localeCompare(b.id));
}

/** Ids of findings that belong to no episode (shown separately in reports). */
export function unassignedFindings(findings: readonly Finding[], episodes: readonly Episode[]): Finding[] {
  const inEpisode = new Set(episodes.flatMap((e) => e.findingIds));
  return findings.filter((f) => !inEpisode.has(f.id));
}
