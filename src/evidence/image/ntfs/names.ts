/**
 * Paths from MFT parent references: every record's preferred $FILE_NAME (entry -> name, parent
 * entry and sequence), then a bounded walk up to the root. Shared by the volume reader and the
 * standalone $MFT parser. A parent whose sequence number no longer matches (its entry was reused)
 * or that is missing ends the walk: the path is then rooted at "/$OrphanFiles" (The Sleuth Kit's
 * name for the same thing) with as much of the chain as still holds.
 */
import { LIMITS } from '../../../util/limits.js';
import { ENTRY } from './layout.js';

interface NameRow {
  sequence: number;
  inUse: boolean;
  name: string;
  parentEntry: number;
  parentSequence: number;
}

export interface ResolvedPath {
  path: string;
  /** True when the chain to the root is broken (parent gone or reused, or a loop). */
  orphan: boolean;
}

export const ORPHAN_ROOT = '/$OrphanFiles';

/** A parent entry no row can have (entries stop at LIMITS.maxMftRecords): stands for references beyond 2^32. */
const NO_ENTRY = 0xffffffff;
const ROW_PRESENT = 1;
const ROW_IN_USE = 2;

/**
 * Columns indexed by entry (typed arrays that grow by doubling) instead of an object per row: about
 * 17 bytes per entry plus the name, where a Map of row objects took several hundred. (Interning
 * equal names cost more time than it saved memory: measured in docs/performance.md.)
 */
export class NameTable {
  private sequences = new Uint16Array(0);
  private parentEntries = new Uint32Array(0);
  private parentSequences = new Uint16Array(0);
  private flags = new Uint8Array(0);
  private names: string[] = [];
  private count = 0;

  private grow(entry: number): void {
    let capacity = Math.max(1024, this.flags.length);
    while (capacity <= entry) capacity *= 2;
    const widen = <T extends Uint8Array | Uint16Array | Uint32Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.sequences = widen(this.sequences, new Uint16Array(capacity));
    this.parentEntries = widen(this.parentEntries, new Uint32Array(capacity));
    this.parentSequences = widen(this.parentSequences, new Uint16Array(capacity));
    this.flags = widen(this.flags, new Uint8Array(capacity));
    // filled densely: a write far past an array's end would turn it into a slow dictionary
    for (let i = this.names.length; i < capacity; i++) this.names.push('');
  }

  set(entry: number, row: NameRow): void {
    if (!(Number.isInteger(entry) && entry >= 0 && entry < LIMITS.maxMftRecords)) return;
    if (entry >= this.flags.length) this.grow(entry);
    if ((this.flags[entry]! & ROW_PRESENT) === 0) this.count++;
    this.sequences[entry] = row.sequence;
    this.parentEntries[entry] = row.parentEntry >= 0 && row.parentEntry < NO_ENTRY ? row.parentEntry : NO_ENTRY;
    this.parentSequences[entry] = row.parentSequence;
    this.flags[entry] = ROW_PRESENT | (row.inUse ? ROW_IN_USE : 0);
    this.names[entry] = row.name;
  }

  /** True when the table holds a name for `entry`. */
  has(entry: number): boolean {
    return entry >= 0 && entry < this.flags.length && (this.flags[entry]! & ROW_PRESENT) !== 0;
  }

  get size(): number {
    return this.count;
  }

  /**
   * True when `parentSequence` still names the record at `parentEntry`. Windows bumps a record's
   * sequence number when it frees it, so a deleted child's parent reference is one behind a parent
   * that was deleted too.
   */
  parentHolds(parentEntry: number, parentSequence: number): boolean {
    if (!this.has(parentEntry)) return parentEntry === ENTRY.root;
    const sequence = this.sequences[parentEntry]!;
    if (parentSequence === 0 || sequence === parentSequence) return true;
    return (this.flags[parentEntry]! & ROW_IN_USE) === 0 && sequence === ((parentSequence + 1) & 0xffff);
  }

  /** The full path of `entry` ('/' for the root), following parent references. */
  resolve(entry: number): ResolvedPath {
    if (entry === ENTRY.root) return { path: '/', orphan: false };
    const parts: string[] = [];
    const seen = new Set<number>();
    let current = entry;
    for (let depth = 0; depth < LIMITS.maxNtfsPathDepth; depth++) {
      if (!this.has(current) || seen.has(current)) break;
      seen.add(current);
      parts.push(this.names[current]!);
      const parentEntry = this.parentEntries[current]!;
      const parentSequence = this.parentSequences[current]!;
      if (parentEntry === ENTRY.root && this.parentHolds(ENTRY.root, parentSequence)) {
        return { path: `/${parts.reverse().join('/')}`, orphan: false };
      }
      if (!this.parentHolds(parentEntry, parentSequence)) break;
      current = parentEntry;
    }
    return { path: `${ORPHAN_ROOT}/${parts.reverse().join('/')}`, orphan: true };
  }
}
