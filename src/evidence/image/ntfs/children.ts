/**
 * The directory index of an NTFS volume, built from MFT parent references in the listing pass
 * (volume.ts): every long name of an in-use record under the entry its $FILE_NAME names as parent.
 * Kept in columns (typed arrays, one string per name) and grouped by parent with a counting sort,
 * instead of one object per name in a Map of arrays: about 30 bytes per name plus the string,
 * where the objects took several hundred (a million-record volume stays well under 100 MB).
 */
import { LIMITS } from '../../../util/limits.js';
import type { NtfsRef } from './record.js';

export interface NtfsDirEntry {
  name: string;
  ref: NtfsRef;
  isDirectory: boolean;
  /**
   * The unnamed stream's size as the listing pass read it from the base record, so that a listing
   * need not read the record again for it; NaN when only `stat()` can tell (the record unread or
   * damaged, or attributes kept in extension records).
   */
  size: number;
}

/** A listed name and the sequence number its parent reference carries (0: any). */
export interface IndexedChild extends NtfsDirEntry {
  parentSequence: number;
}

const UNSEEN = 0;
const FILE = 1;
const DIRECTORY = 2;

export class ChildIndex {
  /** Per base record (by entry): sequence number and whether it is a directory (UNSEEN until its record is read). */
  private readonly sequences: Uint16Array;
  private readonly kinds: Uint8Array;
  /** Per base record: the listed size (NtfsDirEntry.size), NaN until known. */
  private readonly sizes: Float64Array;
  // One row per name, in the order the pass found them.
  private owners = new Float64Array(1024);
  private parents = new Float64Array(1024);
  private parentSequences = new Uint16Array(1024);
  private nameSaysDirectory = new Uint8Array(1024);
  private readonly names: string[] = [];
  private rows = 0;
  // After finish(): rows grouped by parent entry (parents inside the MFT; the rest in `outside`).
  private firstRow: Uint32Array | null = null;
  private grouped: Uint32Array | null = null;
  private readonly outside = new Map<number, number[]>();

  constructor(private readonly recordCount: number) {
    this.sequences = new Uint16Array(recordCount);
    this.kinds = new Uint8Array(recordCount);
    this.sizes = new Float64Array(recordCount).fill(Number.NaN);
  }

  /** Facts of a base record that the listed names of it take (its sequence, directory flag and size: NaN when unknown). */
  setRecord(entry: number, sequence: number, isDirectory: boolean, size = Number.NaN): void {
    if (entry < 0 || entry >= this.recordCount) return;
    this.sequences[entry] = sequence;
    this.kinds[entry] = isDirectory ? DIRECTORY : FILE;
    this.sizes[entry] = size;
  }

  /** One name of record `owner` under `parent` (`nameSaysDirectory`: the $FILE_NAME's own flag, used when the record is unseen). */
  add(owner: number, name: string, parent: NtfsRef, nameSaysDirectory: boolean): void {
    if (this.rows === this.owners.length) this.grow();
    const i = this.rows++;
    this.owners[i] = owner;
    this.parents[i] = parent.entry;
    this.parentSequences[i] = parent.sequence;
    this.nameSaysDirectory[i] = nameSaysDirectory ? 1 : 0;
    this.names.push(name);
  }

  private grow(): void {
    const capacity = this.owners.length * 2;
    const owners = new Float64Array(capacity);
    owners.set(this.owners);
    this.owners = owners;
    const parents = new Float64Array(capacity);
    parents.set(this.parents);
    this.parents = parents;
    const parentSequences = new Uint16Array(capacity);
    parentSequences.set(this.parentSequences);
    this.parentSequences = parentSequences;
    const flags = new Uint8Array(capacity);
    flags.set(this.nameSaysDirectory);
    this.nameSaysDirectory = flags;
  }

  /** Groups the rows by parent (a counting sort, in pass order), at most LIMITS.maxNtfsDirectoryEntries per parent. */
  finish(): void {
    const n = this.rows;
    const counts = new Uint32Array(this.recordCount + 1);
    const keep = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const p = this.parents[i]!;
      if (p < this.recordCount) {
        if (counts[p + 1]! >= LIMITS.maxNtfsDirectoryEntries) continue;
        counts[p + 1]!++;
        keep[i] = 1;
      } else {
        let list = this.outside.get(p);
        if (!list) this.outside.set(p, (list = []));
        if (list.length < LIMITS.maxNtfsDirectoryEntries) list.push(i);
      }
    }
    for (let e = 0; e < this.recordCount; e++) counts[e + 1]! += counts[e]!;
    const grouped = new Uint32Array(counts[this.recordCount]!);
    const next = counts.slice(0, this.recordCount);
    for (let i = 0; i < n; i++) if (keep[i]) grouped[next[this.parents[i]!]!++] = i;
    this.firstRow = counts;
    this.grouped = grouped;
  }

  private child(i: number): IndexedChild {
    const entry = this.owners[i]!;
    const inMft = entry < this.recordCount;
    const kind = inMft ? this.kinds[entry]! : UNSEEN;
    return {
      name: this.names[i]!,
      ref: { entry, sequence: inMft ? this.sequences[entry]! : 0 },
      isDirectory: kind === UNSEEN ? this.nameSaysDirectory[i] === 1 : kind === DIRECTORY,
      size: inMft ? this.sizes[entry]! : Number.NaN,
      parentSequence: this.parentSequences[i]!,
    };
  }

  /** The names listed under `parent`, in pass order. */
  childrenOf(parent: number): IndexedChild[] {
    const out: IndexedChild[] = [];
    if (parent >= 0 && parent < this.recordCount && this.firstRow && this.grouped) {
      for (let k = this.firstRow[parent]!; k < this.firstRow[parent + 1]!; k++) out.push(this.child(this.grouped[k]!));
    } else for (const i of this.outside.get(parent) ?? []) out.push(this.child(i));
    return out;
  }
}
