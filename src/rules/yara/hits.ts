/**
 * A YARA rule's match as a scan's reason: the level the rule claims (its meta `level` or
 * `severity` word, else its `score` as THOR and Loki read it, 0-100, on stagehunt's bands), the
 * ATT&CK ids it names (tags such as T1074_001, meta `mitre_attack`/`attack`/`technique`), and a
 * message naming the rule, its file and where its strings matched. Pure: tested table by table.
 */
import { printable } from '../../artifacts/archive/indicators.js';
import type { Hit } from '../types.js';
import type { WireMatch } from './protocol.js';

export const YARA_LEVELS = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type YaraLevel = (typeof YARA_LEVELS)[number];

/** Without a level or score, a match is high: a rule the analyst brought is an indicator they chose (Loki's default score, 70, is its warning). */
export const DEFAULT_YARA_LEVEL: YaraLevel = 'high';

const LEVEL_WORDS: Readonly<Record<string, YaraLevel>> = {
  critical: 'critical',
  alert: 'critical',
  high: 'high',
  warning: 'high',
  medium: 'medium',
  notice: 'medium',
  low: 'low',
  info: 'informational',
  informational: 'informational',
};

/** A score 0-100 on stagehunt's level floors (critical 80, high 60, medium 40, low 20). */
export function levelForYaraScore(score: number): YaraLevel {
  if (score >= 80) return 'critical';
  if (score >= 60) return 'high';
  if (score >= 40) return 'medium';
  if (score >= 20) return 'low';
  return 'informational';
}

function metaValue(meta: WireMatch['meta'], names: readonly string[]): string | number | boolean | undefined {
  for (const [key, value] of meta) if (names.includes(key.toLowerCase())) return value;
  return undefined;
}

function numeric(value: string | number | boolean | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

/** The level a rule claims: a level word in `level`/`severity`, else a number there or in `score`; DEFAULT_YARA_LEVEL without either. */
export function yaraLevel(meta: WireMatch['meta']): YaraLevel {
  const word = metaValue(meta, ['level', 'severity']);
  if (typeof word === 'string' && LEVEL_WORDS[word.trim().toLowerCase()]) return LEVEL_WORDS[word.trim().toLowerCase()]!;
  const score = numeric(word) ?? numeric(metaValue(meta, ['score']));
  return score === null ? DEFAULT_YARA_LEVEL : levelForYaraScore(score);
}

const TECHNIQUE = /\bT(\d{4})(?:[._](\d{3}))?(?![\d])/gi;
const ATTACK_META = ['mitre_attack', 'mitre_att', 'attack', 'technique', 'mitre_technique', 'mitre'];

/** ATT&CK technique ids a rule names in its tags or its ATT&CK meta values, as T1234 or T1234.001. */
export function yaraAttack(match: Pick<WireMatch, 'tags' | 'meta'>): string[] {
  const texts = [...match.tags];
  for (const [key, value] of match.meta) if (ATTACK_META.includes(key.toLowerCase()) && typeof value === 'string') texts.push(value);
  const ids = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(TECHNIQUE)) ids.add(`T${m[1]}${m[2] ? `.${m[2]}` : ''}`);
  return [...ids].sort();
}

/** Patterns named in a message (the rest are counted). */
const PATTERNS_SHOWN = 5;

function patternText(p: WireMatch['patterns'][number]): string {
  const at = `0x${p.offsets[0]!.toString(16)}`;
  return p.count === 1 ? `${p.id} at ${at}` : `${p.id} ${p.count} times, first at ${at}`;
}

/** "YARA rule Staging_Script (staging.yar) matched: description; $a at 0x10, $b 3 times, first at 0x2f" (`matched archive member "docs/run.bat"` for a member). */
export function yaraMessage(match: WireMatch, file: string): string {
  const description = metaValue(match.meta, ['description']);
  const shown = match.patterns.slice(0, PATTERNS_SHOWN).map(patternText);
  if (match.patterns.length > PATTERNS_SHOWN) shown.push(`and ${match.patterns.length - PATTERNS_SHOWN} more patterns`);
  const where = shown.length > 0 ? shown.join(', ') : 'its condition alone (no string)';
  const what = match.member === undefined ? 'matched' : `matched archive member "${printable(match.member, 160)}"`;
  return `YARA rule ${match.rule} (${file}) ${what}${typeof description === 'string' && description ? `: ${description}` : ''}; ${where}`;
}

/** The rule id of a match's level in the catalog (src/rules/data/yara.json). */
export function yaraRuleId(level: YaraLevel): string {
  return `yara-${level}`;
}

export function yaraHit(match: WireMatch, file: string): Hit {
  const attack = yaraAttack(match);
  return { rule: yaraRuleId(yaraLevel(match.meta)), message: yaraMessage(match, file), ...(attack.length > 0 ? { attack } : {}) };
}

/** What a finding's `details.yara` lists for each rule that matched (JSON consumers: rule, file, tags, strings). */
export interface YaraDetail {
  rule: string;
  /** The archive member the rule matched, by its path in the archive (schema 1.5); absent: the file itself. Offsets are in the member's bytes. */
  member?: string;
  file: string;
  level: YaraLevel;
  tags: string[];
  strings: Array<{ id: string; count: number; offsets: number[] }>;
}

export function yaraDetail(match: WireMatch, file: string): YaraDetail {
  return { rule: match.rule, ...(match.member !== undefined ? { member: match.member } : {}), file, level: yaraLevel(match.meta), tags: match.tags, strings: match.patterns };
}
