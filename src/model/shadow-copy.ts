/**
 * How a shadow copy's root is named, in one place: `<volume label>#vss<N>` (N = 1 for the oldest
 * copy; evidence/image/index.ts names them). A copy is a past state of its live volume: episodes
 * tell one story across both (timeline/episodes.ts).
 */
import type { Finding } from './finding.js';
import type { RootMeta } from './report.js';

export function shadowCopyLabel(volumeLabel: string, number: number): string {
  return `${volumeLabel}#vss${number}`;
}

/**
 * The label a copy's finding ids are made from: its store's identifier, which stays when other
 * copies are made or deleted (its number does not: 1 is the oldest there is).
 */
export function shadowCopyIdLabel(volumeLabel: string, storeId: string): string {
  return `${volumeLabel}#vss{${storeId}}`;
}

const COPY_LABEL = /^(.+)#vss(\d+)$/;

/** The root a story is told under: a shadow copy's live volume, any other root itself. */
export function liveVolumeOf(rootLabel: string): string {
  const m = COPY_LABEL.exec(rootLabel);
  return m ? m[1]! : rootLabel;
}

/**
 * ` in shadow copy N` for a finding of a shadow copy's root (a step of a story names where it was
 * read), with `, gone from the live volume` when its file is (pipeline/shadow-copies.ts
 * markCopyFindings); '' for any other root.
 */
export function inShadowCopy(f: Pick<Finding, 'root' | 'details'>): string {
  const m = COPY_LABEL.exec(f.root);
  if (!m) return '';
  const copy = f.details?.shadowCopy as { onLiveVolume?: string } | undefined;
  return ` in shadow copy ${m[2]}${copy?.onLiveVolume === 'gone' ? ', gone from the live volume' : ''}`;
}

/** "shadow copy 1 of case.E01#p2, made 2024-05-01T02:00:00.0000000Z", or null for any other root. */
export function shadowCopyText(root: RootMeta): string | null {
  const c = root.shadowCopy;
  return c ? `shadow copy ${c.number} of ${c.of}, made ${c.created ?? 'at an unknown time'}` : null;
}
