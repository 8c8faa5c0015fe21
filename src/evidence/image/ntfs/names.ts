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

export class NameTable {
  private readonly rows = new Map<number, NameRow>();

  set(entry: number, row: NameRow): void {
    this.rows.set(entry, row);
  }

  /** The name row of `entry` (its preferred name and parent), if the table holds one. */
  get(entry: number): Readonly<NameRow> | undefined {
    return this.rows.get(entry);
  }

  get size(): number {
    return this.rows.size;
  }

  /**
   * True when `parentSequence` still names the record at `parentEntry`. Windows bumps a record's
   * sequence number when it frees it, so a deleted child's parent reference is one behind a parent
   * that was deleted too.
   */
  parentHolds(parentEntry: number, parentSequence: number): boolean {
    const p = this.rows.get(parentEntry);
    if (!p) return parentEntry === ENTRY.root;
    if (parentSequence === 0 || p.sequence === parentSequence) return true;
    return !p.inUse && p.sequence === ((parentSequence + 1) & 0xffff);
  }

  /** The full path of `entry` ('/' for the root), following parent references. */
  resolve(entry: number): ResolvedPath {
    if (entry === ENTRY.root) return { path: '/', orphan: false };
    const parts: string[] = [];
    const seen = new Set<number>();
    let current = entry;
    for (let depth = 0; depth < LIMITS.maxNtfsPathDepth; depth++) {
      const row = this.rows.get(current);
      if (!row || seen.has(current)) break;
      seen.add(current);
      parts.push(row.name);
      if (row.parentEntry === ENTRY.root && this.parentHolds(ENTRY.root, row.parentSequence)) {
        return { path: `/${parts.reverse().join('/')}`, orphan: false };
      }
      if (!this.parentHolds(row.parentEntry, row.parentSequence)) break;
      current = row.parentEntry;
    }
    return { path: `${ORPHAN_ROOT}/${parts.reverse().join('/')}`, orphan: true };
  }
}
