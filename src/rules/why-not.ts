/**
 * "Why not higher" for `explain` (docs/scoring.md): the staging evidence that did not fire on a
 * file, the benign matches that lowered it, and the strong-reason cap, in plain sentences.
 */
import type { Reason } from '../model/finding.js';
import { WEAK_ONLY_CAP } from './engine.js';

export interface WhyNotInput {
  reasons: readonly Reason[];
  /** At least one positive reason comes from a strong rule. */
  strong: boolean;
  /** Sum of the reasons before caps. */
  raw: number;
  hotspot: string | null;
  /** The file is an archive or container a parser read (details.archive). */
  archive: boolean;
}

/** Staging evidence for an archive and what its absence means. */
const ARCHIVE_EVIDENCE: ReadonlyArray<[rules: string[], absent: string]> = [
  [['archive-encrypted', 'archive-headers-encrypted', 'container-high-entropy'], 'not encrypted (archive-encrypted, archive-headers-encrypted)'],
  [['archive-sensitive-contents', 'archive-user-data-contents', 'archive-multi-user-contents'], 'its entries are not user documents, mail, databases, keys or secrets (archive-user-data-contents, archive-sensitive-contents)'],
  [['archive-split-volume', 'archive-split-volume-staged', 'split-archive-volume'], 'not part of a volume set (archive-split-volume-staged)'],
  [['archive-extension-mismatch', 'fingerprint-archive-disguised'], 'not disguised under another extension (archive-extension-mismatch)'],
];

export function whyNotHigher(w: WhyNotInput): string[] {
  const fired = new Set(w.reasons.filter((r) => r.score > 0).map((r) => r.rule));
  const out: string[] = [];
  for (const r of w.reasons) if (r.score < 0) out.push(`lowered by ${r.rule} (${r.score}): ${r.message}`);
  if (!w.strong && w.raw > WEAK_ONLY_CAP) out.push(`no strong reason: the score is capped at ${WEAK_ONLY_CAP} (medium) however much weak context adds up`);
  else if (!w.strong && fired.size > 0) out.push('no strong reason: only weak context fired, so it cannot reach high');
  if (w.archive) for (const [rules, absent] of ARCHIVE_EVIDENCE) if (!rules.some((r) => fired.has(r))) out.push(absent);
  if (!w.hotspot) out.push('not in a staging hotspot (in-staging-location adds nothing)');
  if (!['named-in-history', 'named-in-registry', 'linked-recycle-bin'].some((r) => fired.has(r))) {
    out.push('no history command, archiver MRU or Recycle Bin record links to it here: `explain` reads one file; `scan` makes those links (named-in-history, named-in-registry, linked-recycle-bin)');
  }
  return out;
}
