/**
 * Scoring stage: candidates -> findings (rules engine), with the location reason and SID names
 * applied, plus their timeline rows; and the report's ordering and verdict.
 */
import type { Hotspot } from '../hotspots/catalog.js';
import { levelRank, type Finding, type Level } from '../model/finding.js';
import type { TimelineRow } from '../model/report.js';
import { loadRuleCatalog, type RuleCatalog } from '../rules/catalog.js';
import { toFinding } from '../rules/engine.js';
import type { Candidate } from '../rules/types.js';
import { benignProducerHit } from '../rules/producers.js';
import { eventRows, fileTimeRows } from '../timeline/timeline.js';
import { pushAll } from '../util/arrays.js';

export interface ScoredFindings {
  findings: Finding[];
  timeline: TimelineRow[];
}

export interface ScoreContext {
  root: string;
  rootLabel: string;
  /** The hotspot a path lies in (none for live evidence). */
  hotspotOf(path: string): Hotspot | null;
  /** SID -> user name from the image's ProfileList / SAM. */
  sidNames?: ReadonlyMap<string, string>;
  /** Whether a root-relative path exists (log rotation needs the live log next to a rotated one). */
  exists?(rel: string): boolean;
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
  const findings: Finding[] = [];
  const timeline: TimelineRow[] = [];
  for (const c of candidates) {
    if (!hasPositiveHit(c, catalog)) continue;
    applySidNames(c, ctx.sidNames);
    const hotspot = ctx.hotspotOf(c.path);
    addLocationReason(c, hotspot, ctx, catalog);
    const finding = toFinding(c, { root: ctx.root, rootLabel: ctx.rootLabel, hotspot: hotspot?.id ?? null }, catalog);
    findings.push(finding);
    pushAll(timeline, fileTimeRows(finding)); pushAll(timeline, eventRows(finding, c.events ?? []));
  }
  return { findings, timeline };
}

function earliest(f: Finding): string {
  return [f.times.born, f.times.modified, f.deletedAt ?? null].filter((t): t is string => !!t).sort()[0] ?? '';
}

/** Most severe first; then time; then path and id, so equal inputs give identical output. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => levelRank(b.level) - levelRank(a.level) || b.score - a.score || earliest(a).localeCompare(earliest(b)) || a.path.localeCompare(b.path) || a.id.localeCompare(b.id),
  );
}

export function verdictFor(byLevel: Record<Level, number>): string {
  if (byLevel.critical > 0) return 'Local data staging very likely: critical findings need immediate review';
  if (byLevel.high > 0) return 'Evidence consistent with local data staging: high findings need review';
  if (byLevel.medium > 0) return 'Some staging indicators: review the medium findings';
  if (byLevel.low > 0 || byLevel.info > 0) return 'Only weak indicators found';
  return 'No staging indicators found';
}
