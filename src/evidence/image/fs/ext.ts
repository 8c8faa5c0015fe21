/**
 * ext2/3/4 reader over a ByteSource (the partition): superblock, group descriptors (32- or 64-byte),
 * inodes with nanosecond and creation times, extent trees and classic block maps, inline data,
 * linear and hashed directories (htree leaves are ordinary directory blocks, so one linear pass
 * reads both), deleted names recovered from directory-entry slack, symlink targets read (never
 * followed). Bounded: extent depth, extents per file, indirect blocks, directory size, entries.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { unitMappedSource } from './unit-mapped-source.js';
import { compactOf, compareEntries, type CompactListing, lookupPath, MAX_FS_LISTING, warn, type EvidenceFs, type FsEntry, type FsEntryType, type FsListing, type OpenedSource, unclosed, type FsTime, ListingCache, type FreeSpace } from '../../fs.js';
import { readExact } from '../container/block-source.js';
import { FreeRunBuilder, unitSpace, type FreeRun } from '../free-runs.js';

const EXT_MAGIC = 0xef53;
const INCOMPAT_FILETYPE = 0x2;
const INCOMPAT_EXTENTS = 0x40;
const INCOMPAT_64BIT = 0x80;
const INCOMPAT_INLINE_DATA = 0x8000;
const RO_COMPAT_HUGE_FILE = 0x8;
const FL_INDEX = 0x1000;
/** Group descriptor flag: the group's block bitmap was never initialised (nothing allocated in it). */
const BG_BLOCK_UNINIT = 0x2;
const FL_EXTENTS = 0x80000;
const FL_INLINE_DATA = 0x10000000;
const ROOT_INODE = 2;
/** Extent tree depth ext4 allows (the kernel's own limit is 5). */
const MAX_EXTENT_DEPTH = 5;
/** Extents kept per file before the rest reads as zeros. */
const MAX_EXTENTS_PER_FILE = 1_000_000;
/** Bytes of one directory read (a directory of a million long names is ~300 MiB; we stop earlier). */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
/**
 * Decoded inodes kept (then the cache starts again): enough for a folder's listing and the walk of
 * it that follows. 65,536 kept about 130 MB more at the peak of a walk of one folder of 100,000
 * files (docs/performance.md "ext listings built when asked").
 */
const INODE_CACHE_SIZE = 4096;

export function isExt(part: ByteSource): boolean {
  const sb = readExact(part, 1024, 128);
  return !!sb && sb.readUInt16LE(56) === EXT_MAGIC;
}

export interface ExtInode {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  flags: number;
  links: number;
  atime: FsTime;
  ctime: FsTime;
  mtime: FsTime;
  crtime?: FsTime;
  dtime: number;
  block: Buffer;
  raw: Buffer;
  allocated: boolean;
}

function extTime(lo: number, extra: number | undefined): FsTime {
  // Signed 32-bit seconds, plus (with the large inode) 2 epoch bits and 30 nanosecond bits.
  let sec = lo | 0;
  let nsec = 0;
  if (extra !== undefined) {
    const epoch = extra & 3;
    sec += epoch * 2 ** 32;
    nsec = extra >>> 2;
    if (nsec > 999_999_999) nsec = 0;
  }
  return { sec, nsec };
}

function typeOfMode(mode: number): FsEntryType {
  switch (mode & 0xf000) {
    case 0x8000:
      return 'file';
    case 0x4000:
      return 'directory';
    case 0xa000:
      return 'symlink';
    default:
      return 'other';
  }
}

/** Directory-entry file_type byte to an entry type (for names whose inode is gone). */
function typeOfDirent(t: number): FsEntryType {
  return t === 1 ? 'file' : t === 2 ? 'directory' : t === 7 ? 'symlink' : 'other';
}

export class ExtFs implements EvidenceFs {
  readonly kind: string;
  readonly warnings: string[] = [];
  readonly blockSize: number;
  readonly inodeCount: number;
  private readonly inodesPerGroup: number;
  private readonly inodeSize: number;
  private readonly descSize: number;
  private readonly groupCount: number;
  private readonly gdtAt: number;
  private readonly incompat: number;
  private readonly roCompat: number;
  private readonly hasExtraTimes: boolean;
  private readonly blocksPerGroup: number;
  private readonly blockCount: number;
  private readonly firstDataBlock: number;
  private readonly inodeCache = new Map<number, ExtInode | null>();
  private readonly allocCache = new Map<number, Buffer | null>();
  private readonly listCache = new ListingCache<number>();
  readonly volumeName: string;

  constructor(
    private readonly part: ByteSource,
    readonly label: string,
  ) {
    const sb = readExact(part, 1024, 1024);
    if (!sb || sb.readUInt16LE(56) !== EXT_MAGIC) throw new Error('ext: no superblock magic');
    const logBlock = sb.readUInt32LE(24);
    if (logBlock > 6) throw new Error(`ext: block size 2^(10+${logBlock}) not usable`);
    this.blockSize = 1024 << logBlock;
    this.inodeCount = sb.readUInt32LE(0);
    this.inodesPerGroup = sb.readUInt32LE(40);
    const rev = sb.readUInt32LE(76);
    this.inodeSize = rev === 0 ? 128 : sb.readUInt16LE(88);
    this.incompat = sb.readUInt32LE(96);
    this.roCompat = sb.readUInt32LE(100);
    this.descSize = this.incompat & INCOMPAT_64BIT ? sb.readUInt16LE(254) || 32 : 32;
    const blocksPerGroup = sb.readUInt32LE(32);
    const blocks = sb.readUInt32LE(4) + (this.incompat & INCOMPAT_64BIT ? sb.readUInt32LE(336) * 2 ** 32 : 0);
    const firstData = sb.readUInt32LE(20);
    if (!this.inodesPerGroup || !blocksPerGroup || this.inodeSize < 128 || this.inodeSize > this.blockSize || (this.inodeSize & (this.inodeSize - 1)) !== 0)
      throw new Error('ext: superblock geometry not usable');
    if (this.descSize < 32 || this.descSize > 1024) throw new Error(`ext: descriptor size ${this.descSize} not usable`);
    this.blocksPerGroup = blocksPerGroup;
    this.blockCount = blocks;
    this.firstDataBlock = firstData;
    this.groupCount = Math.ceil((blocks - firstData) / blocksPerGroup);
    const byInodes = Math.ceil(this.inodeCount / this.inodesPerGroup);
    if (this.groupCount > byInodes + 1 || this.groupCount * this.descSize > part.size) {
      warn(this.warnings, `ext: ${this.groupCount} groups by blocks, ${byInodes} by inodes; the smaller is used`);
      this.groupCount = Math.min(this.groupCount, byInodes);
    }
    this.gdtAt = (firstData + 1) * this.blockSize;
    this.hasExtraTimes = this.inodeSize > 128;
    const volName = sb.subarray(120, 136);
    const nul = volName.indexOf(0);
    this.volumeName = volName.subarray(0, nul < 0 ? 16 : nul).toString('utf8');
    this.kind = this.incompat & (INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_INLINE_DATA) ? 'ext4' : sb.readUInt32LE(92) & 0x4 ? 'ext3' : 'ext2';
    if (blocks * this.blockSize > part.size) warn(this.warnings, `ext: file system of ${blocks * this.blockSize} bytes in a ${part.size}-byte volume; blocks past the end read as zeros`);
  }

  private groupDesc(group: number): Buffer | null {
    if (group >= this.groupCount) return null;
    return readExact(this.part, this.gdtAt + group * this.descSize, this.descSize);
  }

  /** The blocks the groups' block bitmaps mark free, and their raw bytes (`scan --carve`). */
  freeSpace(): FreeSpace {
    const bs = this.blockSize;
    return unitSpace(this.part, { size: bs, name: 'block', end: this.blockCount, offsetOf: (block) => block * bs }, () => this.freeBlocks());
  }

  /**
   * Runs of free blocks, group by group. A group whose bitmap was never initialised (BLOCK_UNINIT:
   * nothing was ever allocated in it since mkfs) or cannot be read is not read as free.
   */
  private *freeBlocks(): Generator<FreeRun> {
    const runs = new FreeRunBuilder();
    for (let group = 0; group < this.groupCount; group++) {
      const base = this.firstDataBlock + group * this.blocksPerGroup;
      const count = Math.min(this.blocksPerGroup, this.blockCount - base);
      if (count <= 0) break;
      const d = this.groupDesc(group);
      const uninit = d !== null && (d.readUInt16LE(18) & BG_BLOCK_UNINIT) !== 0;
      const at = d ? d.readUInt32LE(0) + (this.descSize >= 64 ? d.readUInt32LE(0x20) * 2 ** 32 : 0) : 0;
      const bitmap = d && !uninit ? readExact(this.part, at * this.blockSize, Math.ceil(count / 8)) : null;
      if (!bitmap) {
        if (!uninit) warn(this.warnings, `ext: block bitmap of group ${group} unreadable; its blocks are not read as free`);
        yield* runs.close(base);
        continue;
      }
      // Runs go on across groups: the next group's blocks follow this one's.
      yield* runs.add(bitmap, base, count);
    }
    yield* runs.close(this.blockCount);
  }

  /** Whether inode `ino` is marked in use in its group's inode bitmap (unknown -> true). */
  private inodeAllocated(ino: number): boolean {
    const group = Math.floor((ino - 1) / this.inodesPerGroup);
    let bm = this.allocCache.get(group);
    if (bm === undefined) {
      const d = this.groupDesc(group);
      bm = null;
      if (d) {
        const blk = d.readUInt32LE(4) + (this.descSize >= 64 ? d.readUInt32LE(0x24) * 2 ** 32 : 0);
        const flags = d.readUInt16LE(18);
        // INODE_UNINIT: nothing in this group is in use
        bm = flags & 1 ? Buffer.alloc(Math.ceil(this.inodesPerGroup / 8)) : readExact(this.part, blk * this.blockSize, Math.ceil(this.inodesPerGroup / 8));
      }
      if (this.allocCache.size > 4096) this.allocCache.clear();
      this.allocCache.set(group, bm);
    }
    if (!bm) return true;
    const idx = (ino - 1) % this.inodesPerGroup;
    return ((bm[idx >> 3] ?? 0) & (1 << (idx & 7))) !== 0;
  }

  inode(ino: number): ExtInode | null {
    if (ino < 1 || ino > this.inodeCount) return null;
    if (this.inodeCache.has(ino)) return this.inodeCache.get(ino) ?? null;
    const group = Math.floor((ino - 1) / this.inodesPerGroup);
    const d = this.groupDesc(group);
    let result: ExtInode | null = null;
    if (d) {
      const table = d.readUInt32LE(8) + (this.descSize >= 64 ? d.readUInt32LE(0x28) * 2 ** 32 : 0);
      const raw = readExact(this.part, table * this.blockSize + ((ino - 1) % this.inodesPerGroup) * this.inodeSize, this.inodeSize);
      // A copy: the read may be a view of a whole cached block of the image, which a cached inode would keep alive
      // (65,536 cached inodes held about 150 MB of blocks on a folder of 100,000 files).
      if (raw) result = this.decodeInode(ino, Buffer.from(raw));
    }
    if (!result) warn(this.warnings, `ext: inode ${ino} unreadable`);
    if (this.inodeCache.size >= INODE_CACHE_SIZE) this.inodeCache.clear();
    this.inodeCache.set(ino, result);
    return result;
  }

  private decodeInode(ino: number, raw: Buffer): ExtInode {
    const extra = this.hasExtraTimes ? raw.readUInt16LE(128) : 0;
    const has = (end: number): boolean => this.hasExtraTimes && 128 + extra >= end;
    const mode = raw.readUInt16LE(0);
    let size = raw.readUInt32LE(4) + raw.readUInt32LE(108) * 2 ** 32;
    if (size > Number.MAX_SAFE_INTEGER) size = 0;
    return {
      ino,
      mode,
      uid: raw.readUInt16LE(2) | (raw.readUInt16LE(120) << 16),
      gid: raw.readUInt16LE(24) | (raw.readUInt16LE(122) << 16),
      size,
      flags: raw.readUInt32LE(32),
      links: raw.readUInt16LE(26),
      atime: extTime(raw.readUInt32LE(8), has(144) ? raw.readUInt32LE(140) : undefined),
      ctime: extTime(raw.readUInt32LE(12), has(136) ? raw.readUInt32LE(132) : undefined),
      mtime: extTime(raw.readUInt32LE(16), has(140) ? raw.readUInt32LE(136) : undefined),
      crtime: has(152) ? extTime(raw.readUInt32LE(144), raw.readUInt32LE(148)) : undefined,
      dtime: raw.readUInt32LE(20),
      block: raw.subarray(40, 100),
      raw,
      allocated: this.inodeAllocated(ino),
    };
  }

  /** The inode's content as a ByteSource of `size` bytes (holes and unmapped blocks read as zeros). */
  contentOf(ino: ExtInode, limitSize?: number): ByteSource {
    const size = limitSize ?? ino.size;
    const name = `inode ${ino.ino}`;
    if (ino.flags & FL_INLINE_DATA) {
      const data = Buffer.concat([ino.block, this.inlineXattr(ino) ?? Buffer.alloc(0)]);
      const buf = data.subarray(0, Math.min(size, data.length));
      return { size, name, read: (p, n) => (p < 0 || p >= size || n <= 0 ? Buffer.alloc(0) : padTo(buf.subarray(p, p + n), Math.min(n, size - p))) };
    }
    const map = ino.flags & FL_EXTENTS ? this.extentMapper(ino) : this.blockMapMapper(ino);
    const bs = this.blockSize;
    // Block 0 in a map is a hole (sparse file): read as zeros.
    return unitMappedSource(this.part, size, name, bs, (lb) => {
      const pb = map(lb);
      return pb ? pb * bs : null;
    });
  }

  /** The `system.data` extended attribute stored in the inode's extra space (inline data past 60 bytes). */
  private inlineXattr(ino: ExtInode): Buffer | null {
    if (!this.hasExtraTimes) return null;
    const start = 128 + ino.raw.readUInt16LE(128);
    if (start + 4 > ino.raw.length || ino.raw.readUInt32LE(start) !== 0xea020000) return null;
    const base = start + 4;
    let p = base;
    for (let i = 0; i < 256 && p + 16 <= ino.raw.length; i++) {
      const nameLen = ino.raw[p]!;
      const nameIndex = ino.raw[p + 1]!;
      const valueOffs = ino.raw.readUInt16LE(p + 2);
      const valueSize = ino.raw.readUInt32LE(p + 8);
      if (nameLen === 0 && nameIndex === 0) break;
      const name = ino.raw.toString('latin1', p + 16, p + 16 + nameLen);
      if (nameIndex === 7 && name === 'data') {
        const v = ino.raw.subarray(base + valueOffs, base + valueOffs + valueSize);
        return v;
      }
      p += (16 + nameLen + 3) & ~3;
    }
    return null;
  }

  private extentMapper(ino: ExtInode): (lb: number) => number {
    const extents: Array<{ lb: number; len: number; pb: number }> = [];
    const seen = new Set<number>();
    const walk = (node: Buffer, depth: number): void => {
      if (node.length < 12 || node.readUInt16LE(0) !== 0xf30a) {
        warn(this.warnings, `ext: inode ${ino.ino}: bad extent header`);
        return;
      }
      const entries = Math.min(node.readUInt16LE(2), Math.floor((node.length - 12) / 12));
      const d = node.readUInt16LE(6);
      if (d !== depth || depth > MAX_EXTENT_DEPTH) {
        warn(this.warnings, `ext: inode ${ino.ino}: extent depth ${d} where ${depth} expected`);
        return;
      }
      for (let i = 0; i < entries; i++) {
        const e = node.subarray(12 + 12 * i, 24 + 12 * i);
        if (depth === 0) {
          if (extents.length >= MAX_EXTENTS_PER_FILE) {
            warn(this.warnings, `ext: inode ${ino.ino}: more than ${MAX_EXTENTS_PER_FILE} extents; the rest reads as zeros`);
            return;
          }
          let len = e.readUInt16LE(4);
          const uninit = len > 32768;
          if (uninit) len -= 32768;
          const pb = e.readUInt16LE(6) * 2 ** 32 + e.readUInt32LE(8);
          // uninitialised extents read as zeros (allocated, never written)
          extents.push({ lb: e.readUInt32LE(0), len, pb: uninit ? 0 : pb });
        } else {
          const child = e.readUInt32LE(4) + e.readUInt16LE(8) * 2 ** 32;
          if (seen.has(child)) {
            warn(this.warnings, `ext: inode ${ino.ino}: extent tree loops at block ${child}`);
            continue;
          }
          seen.add(child);
          const b = readExact(this.part, child * this.blockSize, this.blockSize);
          if (!b) {
            warn(this.warnings, `ext: inode ${ino.ino}: extent block ${child} outside the volume`);
            continue;
          }
          walk(b, depth - 1);
        }
      }
    };
    const rootDepth = ino.block.readUInt16LE(6);
    walk(ino.block, Math.min(rootDepth, MAX_EXTENT_DEPTH + 1));
    extents.sort((a, b) => a.lb - b.lb);
    return (lb: number): number => {
      let lo = 0;
      let hi = extents.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const x = extents[mid]!;
        if (lb < x.lb) hi = mid - 1;
        else if (lb >= x.lb + x.len) lo = mid + 1;
        else return x.pb ? x.pb + (lb - x.lb) : 0;
      }
      return 0;
    };
  }

  private blockMapMapper(ino: ExtInode): (lb: number) => number {
    const per = this.blockSize / 4;
    const cache = new Map<number, Buffer | null>();
    const pointers = (blk: number): Buffer | null => {
      if (!blk) return null;
      let b = cache.get(blk);
      if (b === undefined) {
        b = readExact(this.part, blk * this.blockSize, this.blockSize);
        if (cache.size > 1024) cache.clear();
        cache.set(blk, b);
      }
      return b;
    };
    const ptr = (b: Buffer | null, i: number): number => (b ? b.readUInt32LE(4 * i) : 0);
    const direct = ino.block;
    return (lb: number): number => {
      if (lb < 12) return direct.readUInt32LE(4 * lb);
      let i = lb - 12;
      if (i < per) return ptr(pointers(direct.readUInt32LE(48)), i);
      i -= per;
      if (i < per * per) return ptr(pointers(ptr(pointers(direct.readUInt32LE(52)), Math.floor(i / per))), i % per);
      i -= per * per;
      if (i < per * per * per) {
        const l1 = pointers(direct.readUInt32LE(56));
        const l2 = pointers(ptr(l1, Math.floor(i / (per * per))));
        const l3 = pointers(ptr(l2, Math.floor(i / per) % per));
        return ptr(l3, i % per);
      }
      return 0;
    };
  }

  /** A symlink's target (fast symlinks live in i_block). */
  linkTarget(ino: ExtInode): string {
    const len = Math.min(ino.size, 4096);
    if (!(ino.flags & (FL_EXTENTS | FL_INLINE_DATA)) && ino.size < 60) return ino.block.subarray(0, len).toString('utf8');
    return this.contentOf(ino).read(0, len).toString('utf8');
  }

  private entryFor(ino: ExtInode | null, inoNumber: number, name: string, path: string, deleted: boolean, direntType: number): FsEntry {
    const type = ino && (!deleted || inoNumber) ? typeOfMode(ino.mode) : typeOfDirent(direntType);
    const e: FsEntry = {
      name,
      path,
      id: String(inoNumber),
      type,
      size: ino ? ino.size : 0,
      times: ino ? { atime: ino.atime, mtime: ino.mtime, ctime: ino.ctime, crtime: ino.crtime } : {},
      mode: ino?.mode ?? 0,
      uid: ino?.uid,
      gid: ino?.gid,
      hidden: name.startsWith('.'),
      system: false,
      readOnly: ino ? (ino.mode & 0o222) === 0 : false,
      deleted,
      reallocated: deleted && !!ino && ino.allocated,
      streams: [],
    };
    if (ino && type === 'symlink') e.linkTarget = this.linkTarget(ino);
    return e;
  }

  root(): FsEntry {
    const ino = this.inode(ROOT_INODE);
    if (!ino) throw new Error('ext: root inode unreadable');
    return this.entryFor(ino, ROOT_INODE, '', '/', false, 2);
  }

  list(dir: FsEntry): FsListing {
    const inoNumber = Number(dir.id);
    const cached = this.listCache.get(inoNumber);
    if (cached) return relocate(cached, dir.path);
    const ino = this.directoryInode(inoNumber);
    const out: FsEntry[] = [];
    let truncated = false;
    if (!ino) return { entries: [], truncated };
    const base = dir.path === '/' ? '' : dir.path;
    this.readDirectory(ino, (child, nameBytes, ftype, deleted) => {
      if (out.length >= MAX_FS_LISTING) {
        truncated = true;
        return;
      }
      const name = nameBytes.toString('utf8');
      if (!deleted && (name === '.' || name === '..')) return;
      out.push(this.entryFor(this.listedInode(child, deleted), child, name, `${base}/${name}`, deleted, ftype));
    }, () => truncated);
    out.sort(compareEntries);
    const listing = { entries: out, truncated };
    this.listCache.set(inoNumber, listing);
    return listing;
  }

  /**
   * The live entries of `list(dir)`, in its order, without an FsEntry per regular file: names,
   * inode numbers and sizes are kept, and a file's entry is built (its inode read again, from the
   * inode cache while the folder is walked) only when asked. A walk of a folder of 100,000 files
   * then holds one FsEntry at a time, and the listing is not cached (docs/performance.md "ext
   * listings built when asked"). Every read `list()` makes at listing time is made here too (each
   * entry's inode, a symbolic link's target, a deleted entry's whole entry), so warnings are the same
   * and in the same order; entries other than readable regular files are built at once, as list()
   * builds them.
   */
  listCompact(dir: FsEntry): CompactListing {
    const inoNumber = Number(dir.id);
    const cached = this.listCache.get(inoNumber);
    if (cached) return compactOf(relocate(cached, dir.path));
    const ino = this.directoryInode(inoNumber);
    if (!ino) return compactOf({ entries: [], truncated: false });
    const base = dir.path === '/' ? '' : dir.path;
    // Live entries in listing order: a regular file as (inode, direntry type, size), anything else built.
    const names: string[] = [];
    const inodes: number[] = [];
    const ftypes: number[] = [];
    const sizes: number[] = [];
    const built: Array<FsEntry | null> = [];
    let listed = 0;
    let truncated = false;
    this.readDirectory(ino, (child, nameBytes, ftype, deleted) => {
      if (listed >= MAX_FS_LISTING) {
        truncated = true;
        return;
      }
      const name = nameBytes.toString('utf8');
      if (!deleted && (name === '.' || name === '..')) return;
      listed++;
      const childIno = this.listedInode(child, deleted);
      const regular = !deleted && childIno !== null && typeOfMode(childIno.mode) === 'file';
      // Built now (the reads list() makes for it), except a readable regular file: the walk builds that one.
      const e = regular ? null : this.entryFor(childIno, child, name, `${base}/${name}`, deleted, ftype);
      if (deleted) return;
      names.push(name);
      inodes.push(child);
      ftypes.push(ftype);
      sizes.push(e ? e.size : childIno!.size);
      built.push(e);
    }, () => truncated);
    // list()'s order for its live entries: by name, equal names in listing order (its sort is stable).
    const order = names.map((_, k) => k).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : a - b));
    const entry = (i: number): FsEntry => {
      const k = order[i]!;
      const have = built[k];
      if (have) return have;
      const name = names[k]!;
      return this.entryFor(this.inode(inodes[k]!), inodes[k]!, name, `${base}/${name}`, false, ftypes[k]!);
    };
    return {
      count: order.length,
      listedCount: listed,
      name: (i) => names[order[i]!]!,
      type: (i) => built[order[i]!]?.type ?? 'file',
      size: (i) => sizes[order[i]!]!,
      entry,
      truncated,
    };
  }

  /** The directory's inode, or null when it is unreadable or not a directory. */
  private directoryInode(inoNumber: number): ExtInode | null {
    const ino = this.inode(inoNumber);
    return ino && typeOfMode(ino.mode) === 'directory' ? ino : null;
  }

  /** The inode a listed entry stands for: none for a deleted entry whose inode was freed and cleared since. */
  private listedInode(child: number, deleted: boolean): ExtInode | null {
    const childIno = child ? this.inode(child) : null;
    return deleted && childIno && !childIno.allocated && childIno.mode === 0 ? null : childIno;
  }

  /**
   * Every entry of a directory's blocks in on-disk order, live ones and the deleted names left in
   * their slack, handed to `push`; stops at the end of a block once `full()` says so.
   */
  private readDirectory(ino: ExtInode, push: (child: number, nameBytes: Buffer, ftype: number, deleted: boolean) => void, full: () => boolean): void {
    const inoNumber = ino.ino;
    let size = ino.size;
    if (size > MAX_DIRECTORY_BYTES) {
      warn(this.warnings, `ext: directory inode ${inoNumber} of ${size} bytes; the first ${MAX_DIRECTORY_BYTES} read`);
      size = MAX_DIRECTORY_BYTES;
    }
    const data = this.contentOf(ino, size).read(0, size);
    const hashed = (ino.flags & FL_INDEX) !== 0;
    const withType = (this.incompat & INCOMPAT_FILETYPE) !== 0;
    const bs = ino.flags & FL_INLINE_DATA ? data.length : this.blockSize;
    // inline directories start with the parent's inode number (4 bytes), then entries
    const start0 = ino.flags & FL_INLINE_DATA ? 4 : 0;
    for (let blockStart = 0; blockStart < data.length; blockStart += bs) {
      const blk = data.subarray(blockStart, Math.min(data.length, blockStart + bs));
      let p = blockStart === 0 ? start0 : 0;
      // an htree interior node is one empty entry spanning the block: nothing to list, no slack to read
      const isDxNode = hashed && blk.length >= 8 && blk.readUInt32LE(0) === 0 && blk.readUInt16LE(4) === blk.length;
      if (isDxNode) continue;
      while (p + 8 <= blk.length) {
        const child = blk.readUInt32LE(p);
        const recLen = blk.readUInt16LE(p + 4);
        const nameLen = blk[p + 6]!;
        const ftype = withType ? blk[p + 7]! : 0;
        if (recLen < 8 || recLen % 4 !== 0 || p + recLen > blk.length || (child && 8 + nameLen > recLen)) {
          warn(this.warnings, `ext: directory inode ${inoNumber}: bad entry at byte ${blockStart + p}; rest of the block skipped`);
          break;
        }
        if (child && child <= this.inodeCount && nameLen) push(child, blk.subarray(p + 8, p + 8 + nameLen), ftype, false);
        else if (!child && nameLen && ftype !== 0xde && p + 8 + nameLen <= blk.length) push(0, blk.subarray(p + 8, p + 8 + nameLen), ftype, true);
        // names of deleted entries survive in the slack after a live entry's name
        const used = child || nameLen ? (8 + nameLen + 3) & ~3 : 8;
        const isDxRoot = hashed && blockStart === 0;
        if (!isDxRoot && recLen > used) this.slackEntries(blk, p + used, p + recLen, push);
        p += recLen;
      }
      if (full()) break;
    }
  }

  private slackEntries(blk: Buffer, from: number, to: number, push: (child: number, name: Buffer, ftype: number, deleted: boolean) => void): void {
    let p = from;
    while (p + 8 <= to) {
      const child = blk.readUInt32LE(p);
      const nameLen = blk[p + 6]!;
      const ftype = blk[p + 7]!;
      const plausible = nameLen > 0 && p + 8 + nameLen <= to && child <= this.inodeCount && ftype <= 7 && !blk.subarray(p + 8, p + 8 + nameLen).includes(0) && !blk.subarray(p + 8, p + 8 + nameLen).includes(0x2f);
      if (!plausible) {
        p += 4;
        continue;
      }
      push(child, blk.subarray(p + 8, p + 8 + nameLen), ftype, true);
      // a deleted entry's own slack may hold older deleted names: step over its name only
      p += (8 + nameLen + 3) & ~3;
    }
  }

  lookup(path: string, caseInsensitive = false): FsEntry | null {
    return lookupPath(this, path, caseInsensitive);
  }

  open(entry: FsEntry, stream?: string): OpenedSource {
    if (stream) throw new Error('ext has no named streams');
    if (entry.type !== 'file') throw new Error(`${entry.path}: not a regular file`);
    const ino = this.inode(Number(entry.id));
    if (!ino) throw new Error(`${entry.path}: inode unreadable`);
    return unclosed(this.contentOf(ino));
  }

  get hugeFiles(): boolean {
    return (this.roCompat & RO_COMPAT_HUGE_FILE) !== 0;
  }

  close(): void {
    this.inodeCache.clear();
    this.listCache.clear();
  }
}

function padTo(b: Buffer, n: number): Buffer {
  return b.length >= n ? b.subarray(0, n) : Buffer.concat([b, Buffer.alloc(n - b.length)]);
}

/** A cached listing re-based on the path it is asked under (hard-linked directories do not exist, but ids are shared). */
function relocate(l: FsListing, dirPath: string): FsListing {
  const base = dirPath === '/' ? '' : dirPath;
  return { truncated: l.truncated, entries: l.entries.map((e) => (e.path === `${base}/${e.name}` ? e : { ...e, path: `${base}/${e.name}` })) };
}
