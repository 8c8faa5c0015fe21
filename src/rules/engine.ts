/**
 * The one scoring engine (docs/scoring.md): hits are looked up in the rule catalog,
 * their points added and capped to 0..100, and the level derived from the score.
 * A finding reaches high or critical only when at least one positive hit comes from a
 * strong rule, so weak context (a location, an odd extension) cannot add up to an alert.
 */
import { hash } from 'node:crypto';
import type { Finding, Level, Reason } from '../model/finding.js';
import { NO_TIMES } from '../model/finding.js';
import type { RuleCatalog } from './catalog.js';
import type { Candidate, Hit } from './types.js';
import { copyLocators, locatorIdParts, type Locators } from '../model/kinds.js';

export const LEVEL_FLOORS: ReadonlyArray<[Level, number]> = [
  ['critical', 80],
  ['high', 60],
  ['medium', 40],
  ['low', 20],
  ['info', 0],
];

/** Highest score a finding without a strong reason may have (top of medium). */
export const WEAK_ONLY_CAP = 59;

export function levelForScore(score: number): Level {
  for (const [level, floor] of LEVEL_FLOORS) if (score >= floor) return level;
  return 'info';
}

export class UnknownRuleError extends Error {}

export interface ScoreResult {
  score: number;
  level: Level;
  reasons: Reason[];
  attack: string[];
  strong: boolean;
}

/**
 * Messages one reason keeps of the hits of its rule (the rest are counted): a history naming one
 * archive in 3,000 commands gave that archive a reason of 170,000 characters, unreadable and
 * searched by the episodes' link index.
 */
export const MAX_MESSAGES_PER_REASON = 20;

/** Same rule firing twice on one subject counts once (the higher score), with both messages (at most MAX_MESSAGES_PER_REASON). */
function mergeHits(hits: Hit[], catalog: RuleCatalog): Reason[] {
  const byRule = new Map<string, Reason & { messages: number; more: number }>();
  for (const hit of hits) {
    const rule = catalog.get(hit.rule);
    if (!rule) throw new UnknownRuleError(`hit for unknown rule '${hit.rule}'`);
    const score = hit.score ?? rule.score;
    const existing = byRule.get(hit.rule);
    if (!existing) byRule.set(hit.rule, { rule: hit.rule, score, message: hit.message, messages: 1, more: 0 });
    else {
      existing.score = Math.max(existing.score, score);
      if (existing.message === hit.message) continue;
      if (existing.messages < MAX_MESSAGES_PER_REASON) {
        existing.message = `${existing.message}; ${hit.message}`;
        existing.messages++;
      } else existing.more++;
    }
  }
  const reasons = [...byRule.values()].map(({ rule, score, message, more }): Reason => ({ rule, score, message: more > 0 ? `${message}; and ${more} more` : message }));
  // Strongest reasons first; ties by rule id for determinism.
  return reasons.sort((a, b) => b.score - a.score || a.rule.localeCompare(b.rule));
}

export function scoreHits(hits: Hit[], catalog: RuleCatalog): ScoreResult {
  const reasons = mergeHits(hits, catalog);
  const raw = reasons.reduce((sum, r) => sum + r.score, 0);
  const strong = reasons.some((r) => r.score > 0 && catalog.get(r.rule)!.strong);
  let score = Math.max(0, Math.min(100, raw));
  if (!strong) score = Math.min(score, WEAK_ONLY_CAP);
  const attack = new Set<string>();
  for (const r of reasons) if (r.score > 0) for (const t of catalog.get(r.rule)!.attack) attack.add(t);
  for (const h of hits) if (h.attack && (h.score ?? catalog.get(h.rule)!.score) > 0) for (const t of h.attack) if (/^T\d{4}(\.\d{3})?$/.test(t)) attack.add(t);
  const attackList = [...attack].sort((a, b) => (a === 'T1074.001' ? -1 : b === 'T1074.001' ? 1 : a.localeCompare(b)));
  return { score, level: levelForScore(score), reasons, attack: attackList, strong };
}

/**
 * The stable id: the same evidence in the same image gives the same id on every run. `c.path` is
 * the injective display form of the raw name bytes (util/text.ts decodeName: `\\` for a backslash,
 * `\xNN` for a byte that is not UTF-8), so the id derives from those bytes: a file named with the
 * byte 0xff and a decoy spelling `\xff` literally never share an id.
 */
export function findingId(label: string, c: Pick<Candidate, 'kind' | 'path'> & Locators): string {
  const parts = [label, c.kind, c.path, ...locatorIdParts(c)];
  // The first 8 bytes as 16 hex digits, one flat string (a slice of the whole hex digest would keep the 64 digits alive);
  // one-shot `hash`, not a Hash object per finding (1.4-2.0 against 2.7-3.4 µs).
  return hash('sha256', parts.join('\u0000'), 'buffer').toString('hex', 0, 8);
}

export interface FindingContext {
  root: string;
  rootLabel: string;
  hotspot: string | null;
}

export function toFinding(c: Candidate, ctx: FindingContext, catalog: RuleCatalog): Finding {
  const scored = scoreHits(c.hits, catalog);
  const finding: Finding = {
    id: findingId(ctx.rootLabel, c),
    root: ctx.root,
    path: c.path,
    kind: c.kind,
    level: scored.level,
    score: scored.score,
    reasons: scored.reasons,
    hotspot: ctx.hotspot,
    size: c.size ?? null,
    format: c.format ?? null,
    entropy: c.entropy ?? null,
    times: c.times ?? NO_TIMES,
    attack: scored.attack,
  };
  copyLocators(c, finding);
  if (c.deletedAt !== undefined) finding.deletedAt = c.deletedAt;
  if (c.user !== undefined) finding.user = c.user;
  if (c.details !== undefined) finding.details = c.details;
  return finding;
}
