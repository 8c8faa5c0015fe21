/** Helpers shared by the $I, $R and INFO2 parsers: sibling lookup, SID folder, extensions. */
import type { DirEntryInfo } from '../types.js';
import { siblingNamed } from '../sibling-index.js';

export type DataFileStatus = 'file' | 'directory' | 'missing' | 'unknown';

/** Case-insensitive sibling lookup (NTFS names are case-insensitive). */
export function findSibling(siblings: readonly DirEntryInfo[] | undefined, name: string): DirEntryInfo | undefined {
  return siblings ? siblingNamed(siblings, name) : undefined;
}

export function dataFileStatus(siblings: readonly DirEntryInfo[] | undefined, name: string | null): DataFileStatus {
  if (!siblings || name === null) return 'unknown';
  const hit = findSibling(siblings, name);
  if (!hit) return 'missing';
  return hit.isDirectory ? 'directory' : 'file';
}

const RECYCLE_FOLDER = /^(\$recycle\.bin|recycler|recycled)$/i;

/** The SID folder a Recycle Bin file sits in (`$Recycle.Bin/<SID>/...`), or null. */
export function sidFromPath(relPath: string): string | null {
  const parts = relPath.split('/');
  const at = parts.findIndex((p) => RECYCLE_FOLDER.test(p));
  const next = at >= 0 ? parts[at + 1] : undefined;
  return next !== undefined && /^S-\d+(-\d+)+$/i.test(next) && at + 1 < parts.length - 1 ? next : null;
}

/** True when the path lies inside a Recycle Bin folder ($Recycle.Bin, RECYCLER, RECYCLED). */
export function inRecycleFolder(relPath: string): boolean {
  return relPath.split('/').slice(0, -1).some((p) => RECYCLE_FOLDER.test(p));
}

/**
 * True when the path lies inside a `$R…` directory of a recycle folder (a deleted folder's contents):
 * those files keep their own names and have no $I of their own.
 */
export function insideDeletedFolder(relPath: string): boolean {
  const dirs = relPath.split('/').slice(0, -1);
  const at = dirs.findIndex((p) => RECYCLE_FOLDER.test(p));
  return at >= 0 && dirs.slice(at + 1).some((p) => /^\$R/i.test(p));
}

/** Extension (with the dot) of the last component of a Windows or Unix path; '' when none. */
export function windowsExtension(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** u64 to a JS number when exact, else null (sizes above 2^53 are damage, not data). */
export function safeNumber(value: bigint): number | null {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}
