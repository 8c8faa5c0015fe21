/**
 * A whole EvidenceFs as The Sleuth Kit bodyfile lines (`fls -r -p -m /` format:
 * MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime), for `stagehunt image` and for the
 * conformance tests against fls. The walk is iterative, bounded in depth and visits each directory
 * id once (a directory loop in a damaged image ends).
 */
import { LIMITS } from '../../util/limits.js';
import type { EvidenceFs, FsEntry, FsTime } from '../fs.js';

/** Entries visited by one walk before it stops (a warning says so). */
export const MAX_WALK_ENTRIES = 5_000_000;

export function* walkFs(fs: EvidenceFs): Generator<FsEntry> {
  const visited = new Set<string>();
  const stack: Array<{ dir: FsEntry; depth: number }> = [{ dir: fs.root(), depth: 0 }];
  visited.add(fs.root().id);
  let count = 0;
  while (stack.length) {
    const { dir, depth } = stack.pop()!;
    const listing = fs.list(dir);
    if (listing.truncated) fs.warnings.push(`${dir.path}: listing truncated`);
    const subdirs: FsEntry[] = [];
    for (const e of listing.entries) {
      if (++count > MAX_WALK_ENTRIES) {
        fs.warnings.push(`walk stopped after ${MAX_WALK_ENTRIES} entries`);
        return;
      }
      yield e;
      if (e.type === 'directory' && !e.deleted) {
        if (visited.has(e.id)) {
          fs.warnings.push(`${e.path}: directory ${e.id} already visited (loop); not entered again`);
          continue;
        }
        if (depth + 1 >= LIMITS.maxWalkDepth) {
          fs.warnings.push(`${e.path}: deeper than ${LIMITS.maxWalkDepth}; not entered`);
          continue;
        }
        visited.add(e.id);
        subdirs.push(e);
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ dir: subdirs[i]!, depth: depth + 1 });
  }
}

const TYPE_CHAR: Record<string, string> = { file: 'r', directory: 'd', symlink: 'l', other: '-' };

function metaTypeChar(mode: number): string {
  switch (mode & 0xf000) {
    case 0x8000:
      return 'r';
    case 0x4000:
      return 'd';
    case 0xa000:
      return 'l';
    case 0x2000:
      return 'c';
    case 0x6000:
      return 'b';
    case 0x1000:
      return 'p';
    case 0xc000:
      return 'h';
    default:
      return '-';
  }
}

function perms(mode: number): string {
  const bit = (m: number, c: string): string => (mode & m ? c : '-');
  const x = (m: number, special: number, on: string, off: string): string => (mode & special ? (mode & m ? on : off) : bit(m, 'x'));
  return (
    bit(0o400, 'r') + bit(0o200, 'w') + x(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') + bit(0o020, 'w') + x(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') + bit(0o002, 'w') + x(0o001, 0o1000, 't', 'T')
  );
}

/** TSK's mode column: name type / meta type + permissions (FAT: rwx for all, w dropped when read-only). */
export function modeString(e: FsEntry): string {
  // devices, FIFOs and sockets are 'other' to the interface; TSK names them by their mode
  const nameType = e.type === 'other' && e.mode ? metaTypeChar(e.mode) : (TYPE_CHAR[e.type] ?? '-');
  if (e.mode === undefined) return `${nameType}/${nameType}${e.readOnly ? 'r-xr-xr-x' : 'rwxrwxrwx'}`;
  return `${nameType}/${metaTypeChar(e.mode)}${perms(e.mode)}`;
}

const sec = (t: FsTime | undefined): number => (t ? t.sec : 0);

export function bodyfileLine(e: FsEntry): string {
  let name = e.path;
  if (e.type === 'symlink' && e.linkTarget !== undefined) name += ` -> ${e.linkTarget}`;
  if (e.deleted) name += e.reallocated ? ' (deleted-realloc)' : ' (deleted)';
  const t = e.times;
  return `0|${name}|${e.id}|${modeString(e)}|${e.uid ?? 0}|${e.gid ?? 0}|${e.size}|${sec(t.atime)}|${sec(t.mtime)}|${sec(t.ctime)}|${sec(t.crtime)}`;
}

export function bodyfile(fs: EvidenceFs): string[] {
  const out: string[] = [];
  for (const e of walkFs(fs)) out.push(bodyfileLine(e));
  return out;
}
