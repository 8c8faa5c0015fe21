/**
 * A shadow copy scanned as a root of its own (evidence/image/vss) repeats what the live volume
 * still holds: its walk leaves out the files whose MFT record is unchanged (fs/ntfs.ts), and here a
 * finding of the copy that is the live volume's finding, the same evidence in the same state, is
 * left out too (counted in the copy's root). What remains is what changed or went since the copy
 * was made: an archive deleted before acquisition, a history before it was cleared.
 */
import type { Finding } from '../model/finding.js';
import { FINDING_KINDS, LOCATOR_FIELDS } from '../model/kinds.js';

/**
 * The same evidence in the same state: kind, path, locators, the file system's id of the file
 * behind it, and for a file's own evidence its size and modification time. An NTFS trace (a journal
 * life by its first USN, an MFT record life by entry and sequence, a name in `$I30` slack) is the
 * same evidence without them: the live volume tells the longer part of that life (a deletion after
 * the copy). Not the id (it hashes the root's label) nor the score (the copy's correlation sees
 * other neighbours).
 */
export function evidenceKey(f: Finding): string {
  const trace = FINDING_KINDS[f.kind].evidence === 'ntfs';
  const parts: unknown[] = [f.kind, f.path, f.fileId ?? null, trace ? null : f.size, trace ? null : (f.times.modified ?? null)];
  for (const field of LOCATOR_FIELDS) parts.push(f[field] ?? null);
  return JSON.stringify(parts);
}

/** The keys of each live volume's findings, by its label, for the copies scanned after it. */
export class LiveEvidence {
  private readonly byLabel = new Map<string, Set<string>>();

  remember(label: string, findings: readonly Finding[]): void {
    this.byLabel.set(label, new Set(findings.map(evidenceKey)));
  }

  /** The copy's findings that the live volume `liveLabel` does not have, and how many it has. */
  notInLive(liveLabel: string, findings: readonly Finding[]): { kept: Finding[]; asLive: number } {
    const live = this.byLabel.get(liveLabel);
    if (!live) return { kept: [...findings], asLive: 0 };
    const kept = findings.filter((f) => !live.has(evidenceKey(f)));
    return { kept, asLive: findings.length - kept.length };
  }
}
