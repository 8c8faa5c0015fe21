/**
 * Paths from MFT parent references: every record's preferred $FILE_NAME (entry -> name, parent
 * entry and sequence), then a bounded walk up to the root. Shared by the volume reader and the
 * standalone $MFT parser. A parent whose sequence number no longer matches (its entry was reused)
 * or that is missing ends the walk: the path is then rooted at "/$OrphanFiles" (The Sleuth Kit's
 * name for the same thing) with as much of the chain as still holds.
 */
import { LIMITS } from '../../../util/limits.js';
import { ENTRY } from './layout.js';
import { namePreference, type FileNameAttribute, type MftRecord } from './record.js';
import { hasIndexAllocation, isPlainRecord, ownIndexSlack } from './summary.js';

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

  /** True when `entry` is in use and holds the file of `sequence` (that file still exists). */
  inUseWith(entry: number, sequence: number): boolean {
    return this.has(entry) && (this.flags[entry]! & ROW_IN_USE) !== 0 && this.sequences[entry] === sequence;
  }

  /** The name kept for `entry` (the preferred one), or null. */
  nameOf(entry: number): string | null {
    return this.has(entry) ? this.names[entry]! : null;
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

/** What the name pass over an MFT keeps: a name per entry, and which extension records belong to which base record. */
export interface MftIndex {
  names: NameTable;
  /** base entry -> entries of its in-use extension records (whose base reference names it). */
  extensions: Map<number, number[]>;
  /**
   * 1 for each record whose summary holds nothing but its names, sizes and times (`isPlainRecord`,
   * and no extension record names it as base): most of a volume. Its kept name is then the summary's
   * first name.
   */
  plain: Uint8Array;
  /**
   * In-use directory records whose $I30 index has slack to search: keys in the record's slack
   * (`ownIndexSlack`) or INDX blocks (`hasIndexAllocation`). A plain one is not read again by the
   * trace stage's pass; it reads these alone, record by record (docs/ntfs.md "$I30 slack").
   */
  directories: number[];
}

/** Extension records kept per base record, and names gathered from extension records (each a whole $FILE_NAME; real volumes have a handful). */
const MAX_EXTENSIONS_PER_BASE = 4096;
const MAX_EXTENSION_NAMES = 1_000_000;
const NO_NAME = 255;

/**
 * Builds an MftIndex from records fed in entry order: the one rule for names and extension records,
 * shared by the standalone $MFT parser's first pass (artifacts/ntfs/mft.ts) and the volume's
 * listing pass (volume.ts), so that a volume's own $MFT is indexed once for both.
 * Extension records are found by their own base reference (a standalone $MFT has no volume to read
 * a non-resident $ATTRIBUTE_LIST from); a long name kept in an extension record beats a short one
 * in the base record.
 */
export class MftIndexBuilder {
  readonly names = new NameTable();
  readonly extensions = new Map<number, number[]>();
  // Per base record, in columns: whether it may take a name (1 free, 2 in use), its sequence and
  // the preference of the name it has so far (NO_NAME: none in the base record, perhaps in an extension record).
  private readonly nameable: Uint8Array;
  private readonly sequences: Uint16Array;
  private readonly preference: Uint8Array;
  private readonly plain: Uint8Array;
  private readonly extensionNames: Array<{ base: number; baseSequence: number; fn: FileNameAttribute }> = [];
  private readonly directories: number[] = [];

  constructor(private readonly count: number) {
    this.nameable = new Uint8Array(count);
    this.sequences = new Uint16Array(count);
    this.preference = new Uint8Array(count);
    this.plain = new Uint8Array(count);
  }

  /** One parsed record and its $FILE_NAME attributes (in attribute order). */
  add(rec: MftRecord, fileNames: readonly FileNameAttribute[]): void {
    const entry = rec.entry;
    if (!(entry >= 0 && entry < this.count)) return;
    if (rec.base) {
      if (!rec.inUse) return;
      const list = this.extensions.get(rec.base.entry) ?? [];
      if (list.length < MAX_EXTENSIONS_PER_BASE) list.push(entry);
      this.extensions.set(rec.base.entry, list);
      for (const fn of fileNames) if (this.extensionNames.length < MAX_EXTENSION_NAMES) this.extensionNames.push({ base: rec.base.entry, baseSequence: rec.base.sequence, fn });
      return;
    }
    if (isPlainRecord(rec, fileNames)) this.plain[entry] = 1;
    if (rec.inUse && rec.isDirectory && (hasIndexAllocation(rec) || ownIndexSlack(rec).length > 0)) this.directories.push(entry);
    // the preferred name: long over short, the first of equals
    let fn: FileNameAttribute | null = null;
    for (const f of fileNames) if (!fn || namePreference(f.namespace) < namePreference(fn.namespace)) fn = f;
    // A deleted record is named only when its fixups hold: torn bytes would give a wrong name.
    if (fn && !(rec.inUse || rec.fixupsOk)) return;
    this.nameable[entry] = rec.inUse ? 2 : 1;
    this.sequences[entry] = rec.sequence;
    this.preference[entry] = fn ? namePreference(fn.namespace) : NO_NAME;
    if (fn) this.names.set(entry, { sequence: rec.sequence, inUse: rec.inUse, name: fn.name, parentEntry: fn.parent.entry, parentSequence: fn.parent.sequence });
  }

  finish(): MftIndex {
    for (const x of this.extensionNames) {
      const b = x.base;
      if (!(b < this.count) || this.nameable[b] === 0 || this.sequences[b] !== x.baseSequence) continue;
      const pref = namePreference(x.fn.namespace);
      if (pref >= this.preference[b]!) continue;
      this.preference[b] = pref;
      this.names.set(b, { sequence: this.sequences[b]!, inUse: this.nameable[b] === 2, name: x.fn.name, parentEntry: x.fn.parent.entry, parentSequence: x.fn.parent.sequence });
    }
    this.extensionNames.length = 0;
    for (const base of this.extensions.keys()) if (base < this.count) this.plain[base] = 0;
    return { names: this.names, extensions: this.extensions, plain: this.plain, directories: this.directories };
  }
}
