/**
 * Scoring stage: candidates -> findings (rules engine), with the location reason and SID names
 * applied, plus the events that become their timeline rows (src/timeline/timeline.ts
 * `FindingsTimeline` builds the rows when a writer reads them); and the report's ordering and verdict.
 */
import { relDirOf } from '../model/evidence.js';
import type { Hotspot } from '../hotspots/catalog.js';
import { levelRank, NO_TIMES, type Finding, type Level } from '../model/finding.js';
import { loadRuleCatalog, type RuleCatalog } from '../rules/catalog.js';
import { findingId, toFinding } from '../rules/engine.js';
import type { Candidate, TimelineEvent } from '../rules/types.js';
import { benignProducerHit } from '../rules/producers.js';
import { pushAll } from '../util/arrays.js';
import { compareCodeUnits, compareText, sortByKey } from '../util/compare.js';

export interface ScoredFindings {
  findings: Finding[];
  /** The timeline events of the findings that have any (folded findings have none: the summary stands for them). */
  events: Map<Finding, readonly TimelineEvent[]>;
}

export interface ScoreContext {
  root: string;
  rootLabel: string;
  /** The hotspot a path lies in (none for live evidence). */
  hotspotOf(path: string): Hotspot | null;
  /** SID -> user name from the image's ProfileList / SAM. */
  sidNames?: ReadonlyMap<string, string>;
  /** Whether a root-relative path exists (log rotation needs the live log next to a rotated one). */
  exists?(relPath: string): boolean;
  /** Keep this many low/info findings per rule and directory, fold the rest into one summary finding (absent: keep all). */
  foldLowAfter?: number;
}

/** Kinds of evidence whose own path can lie in a hotspot (a registry value's hive path says nothing). */
const LOCATED_KINDS = new Set(['file', 'directory', 'archive-entry']);
/**
 * Deleted items ($I/$R in a SID folder, Trash files and info): the bin is where deletion puts
 * them, so their place says nothing; the original folder is scored by the deletion rules.
 */
const DELETED_ITEM = /(^|\/)((\$recycle\.bin|recycler)\/s-1-[0-9-]+|\.local\/share\/trash|\.trash(-\d+)?)\//i;

/**
 * The place, scored once (docs/scoring.md): a known-benign producer's own folder lowers the
 * finding instead, unless independent evidence points at staging; otherwise the hotspot's weight.
 */
function placeHit(c: Candidate, hotspot: Hotspot | null, ctx: Pick<ScoreContext, 'exists'>): Candidate['hits'][number] | null {
  if (!LOCATED_KINDS.has(c.kind)) return null;
  const producer = benignProducerHit(c.path, c.hits, ctx.exists);
  if (producer) return producer;
  if (!hotspot || DELETED_ITEM.test(c.path)) return null;
  return { rule: 'in-staging-location', score: hotspot.weight, message: `${hotspot.description} (${hotspot.id})` };
}

function applySidNames(c: Candidate, sidNames: ReadonlyMap<string, string> | undefined): void {
  if (!sidNames || !c.user || !/^S-1-/i.test(c.user)) return;
  const name = sidNames.get(c.user.toUpperCase());
  if (name) c.user = `${name} (${c.user})`;
}

/** A candidate becomes a finding when at least one reason adds points. */
export function hasPositiveHit(c: Candidate, catalog: RuleCatalog): boolean {
  return c.hits.some((h) => (h.score ?? catalog.get(h.rule)?.score ?? 0) > 0);
}

/**
 * Location is a reason of its own, added only to evidence that already has one (docs/scoring.md).
 * Shared by the scan and `explain`, so both give the same reasons.
 */
export function addLocationReason(c: Candidate, hotspot: Hotspot | null, ctx: Pick<ScoreContext, 'exists'>, catalog: RuleCatalog): void {
  if (!hasPositiveHit(c, catalog)) return;
  const place = placeHit(c, hotspot, ctx);
  if (place) c.hits.push(place);
}

/** Candidates with at least one positive reason become findings; the rest are dropped. */
export function scoreCandidates(candidates: readonly Candidate[], ctx: ScoreContext): ScoredFindings {
  const catalog = loadRuleCatalog();
  const scored: Finding[] = [];
  const eventsOf = new Map<Finding, readonly TimelineEvent[]>();
  for (const c of candidates) {
    if (!hasPositiveHit(c, catalog)) continue;
    applySidNames(c, ctx.sidNames);
    const hotspot = ctx.hotspotOf(c.path);
    addLocationReason(c, hotspot, ctx, catalog);
    const finding = toFinding(c, { root: ctx.root, rootLabel: ctx.rootLabel, hotspot: hotspot?.id ?? null }, catalog);
    scored.push(finding);
    if (c.events?.length) eventsOf.set(finding, c.events);
  }
  // Folded findings never get timeline rows: the summary stands for them.
  const findings = ctx.foldLowAfter === undefined ? scored : foldLowFindings(scored, ctx.foldLowAfter, ctx.rootLabel);
  if (findings !== scored) {
    const kept = new Set(findings);
    for (const f of eventsOf.keys()) if (!kept.has(f)) eventsOf.delete(f);
  }
  return { findings, events: eventsOf };
}

/** Levels that may be folded; medium and above are always listed one by one. */
const FOLDABLE: ReadonlySet<Level> = new Set<Level>(['info', 'low']);

/**
 * Beyond `keep` low/info findings whose top reason is the same rule in the same directory, keeps
 * the first `keep` (report order) and replaces the rest by one `summary` finding that says how many
 * of which rule were folded there (docs/output.md, "Summary findings"). Order of the others is kept.
 */
export function foldLowFindings(findings: Finding[], keep: number, rootLabel: string): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const rule = f.reasons[0]?.rule;
    if (!FOLDABLE.has(f.level) || rule === undefined) continue;
    const key = `${relDirOf(f.path)}\u0000${rule}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const folded = new Set<Finding>();
  const summaries: Finding[] = [];
  for (const group of groups.values()) {
    if (group.length <= keep) continue;
    const rest = sortFindings(group).slice(keep);
    for (const f of rest) folded.add(f);
    summaries.push(summaryOf(rest, keep, rootLabel));
  }
  if (summaries.length === 0) return findings;
  const out = findings.filter((f) => !folded.has(f));
  pushAll(out, summaries);
  return out;
}

/** The one finding that stands for `rest`: same root, directory, rule; the highest level and score among them. */
function summaryOf(rest: readonly Finding[], kept: number, rootLabel: string): Finding {
  const first = rest[0]!;
  const rule = first.reasons[0]!.rule;
  const relDir = relDirOf(first.path);
  const byLevel: Partial<Record<Level, number>> = {};
  const kinds: Record<string, number> = {};
  let score = 0;
  const attack = new Set<string>();
  for (const f of rest) {
    for (const t of f.attack) attack.add(t);
    byLevel[f.level] = (byLevel[f.level] ?? 0) + 1;
    kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    if (f.score > score) score = f.score;
  }
  const level = byLevel.low ? 'low' : 'info';
  const where = relDir === '' ? 'the root directory' : relDir;
  return {
    // One summary per directory and rule: the rule is part of what the id hashes.
    id: findingId(rootLabel, { kind: 'summary', path: `${relDir}\u0000${rule}` }),
    root: first.root,
    path: relDir,
    kind: 'summary',
    level,
    score,
    reasons: [{ rule, score, message: `${rest.length} more ${level === 'low' ? 'low/info' : 'info'} findings of rule ${rule} in ${where}, folded: the first ${kept} are listed (--keep-all-low lists every one)` }],
    hotspot: first.hotspot,
    size: null,
    format: null,
    entropy: null,
    times: NO_TIMES,
    attack: [...attack].sort((a, b) => (a === 'T1074.001' ? -1 : b === 'T1074.001' ? 1 : compareText(a, b))),
    details: { summarised: { rule, folded: rest.length, kept, byLevel, kinds } },
  };
}

/** The earliest of a finding's born, modified and deletion times (code-unit order of the ISO strings), or ''. */
function earliest(f: Finding): string {
  let min = f.times.born || '';
  const modified = f.times.modified;
  if (modified && (min === '' || modified < min)) min = modified;
  const deleted = f.deletedAt;
  if (deleted && (min === '' || deleted < min)) min = deleted;
  return min;
}

interface FindingSortKey {
  rank: number;
  score: number;
  earliest: string;
  path: string;
  id: string;
}

function findingSortKey(f: Finding): FindingSortKey {
  return { rank: levelRank(f.level), score: f.score, earliest: earliest(f), path: f.path, id: f.id };
}

function compareFindingKeys(a: FindingSortKey, b: FindingSortKey): number {
  return b.rank - a.rank || b.score - a.score || compareText(a.earliest, b.earliest) || compareText(a.path, b.path) || compareText(a.id, b.id);
}

/** The same keys with text compared by code units (sortExactly checks the result against the collation). */
function compareFindingKeysFast(a: FindingSortKey, b: FindingSortKey): number {
  return b.rank - a.rank || b.score - a.score || compareCodeUnits(a.earliest, b.earliest) || compareCodeUnits(a.path, b.path) || compareCodeUnits(a.id, b.id);
}

/** Most severe first; then time; then path and id, so equal inputs give identical output. Keys are computed once per finding. */
export function sortFindings(findings: Finding[]): Finding[] {
  return sortByKey(findings, findingSortKey, compareFindingKeys, compareFindingKeysFast);
}

export function verdictFor(byLevel: Record<Level, number>): string {
  if (byLevel.critical > 0) return 'Local data staging very likely: critical findings need immediate review';
  if (byLevel.high > 0) return 'Evidence consistent with local data staging: high findings need review';
  if (byLevel.medium > 0) return 'Some staging indicators: review the medium findings';
  if (byLevel.low > 0 || byLevel.info > 0) return 'Only weak indicators found';
  return 'No staging indicators found';
}
