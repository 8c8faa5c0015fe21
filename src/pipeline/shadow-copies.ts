/**
 * A shadow copy scanned as a root of its own (evidence/image/vss) repeats what the live volume
 * still holds: its walk leaves out the files whose MFT record is unchanged (fs/ntfs.ts), and here a
 * finding of the copy that is the live volume's finding, the same evidence in the same state, is
 * left out too (counted in the copy's root). What remains is what changed or went since the copy
 * was made: an archive deleted before acquisition, a history before it was cleared.
 */
import type { Finding, FindingKind } from '../model/finding.js';
import { LOCATOR_FIELDS } from '../model/kinds.js';

type Content = (f: Finding) => unknown;
/** A file's own evidence: its size and modification time (a changed archive is other evidence). */
const fileState: Content = (f) => [f.size, f.times.modified ?? null];
/** A record inside a file that keeps growing (a history line, an event, a registry value): what it says, not the file's state. */
const recordSays: Content = (f) => {
  const d = f.details ?? {};
  return [d.command ?? d.target ?? d.program ?? d.what ?? null, d.time ?? null];
};
/** An NTFS trace: a journal life by its first USN, an MFT record by entry and sequence, a name in $I30 slack (the locators). */
const traceLife: Content = () => null;

/**
 * What, beyond kind, path, file reference and locators, makes a copy's finding the live volume's:
 * a file's state; what a record says, whatever the state of the file that holds it (the history
 * or the log grew since the copy; its old lines are the same evidence); nothing more for an NTFS
 * trace (the live volume tells the longer part of that life). A new kind must be given a row.
 */
const CONTENT: Readonly<Record<FindingKind, Content>> = {
  file: fileState,
  directory: fileState,
  'archive-entry': fileState,
  summary: fileState,
  'recycle-bin': fileState,
  trash: fileState,
  history: recordSays,
  event: recordSays,
  registry: recordSays,
  execution: recordSays,
  access: recordSays,
  'mft-record': traceLife,
  'i30-entry': traceLife,
  'usn-record': traceLife,
  'logfile-record': traceLife,
  // never made for a shadow copy (its free space is the live volume's business); its size if one were
  carved: fileState,
};

/**
 * The same evidence in the same state, by `CONTENT`. Not the id (it hashes the root's label) nor
 * the score (the copy's correlation sees other neighbours).
 */
export function evidenceKey(f: Finding): string {
  const parts: unknown[] = [f.kind, f.path, f.fileId ?? null, CONTENT[f.kind](f)];
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

/** What a copy's finding says of its file on the live volume, from the file's MFT reference. */
export type LiveFileLife = (fileId: string) => 'present' | 'gone' | null;

/**
 * The copy a kept finding was read from, and whether its file is gone from the live volume since
 * (its MFT entry freed or reused) or still there in another state: `details.shadowCopy`, which the
 * stories and reports show ("gone from the live volume").
 */
export function markCopyFindings(findings: readonly Finding[], copy: { number: number; created: string | null }, lifeOf: LiveFileLife | null): void {
  for (const f of findings) {
    const life = f.fileId && lifeOf ? lifeOf(f.fileId) : null;
    f.details = { ...(f.details ?? {}), shadowCopy: { number: copy.number, created: copy.created, ...(life ? { onLiveVolume: life === 'gone' ? 'gone' : 'changed' } : {}) } };
  }
}

