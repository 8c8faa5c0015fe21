/**
 * exFAT reader over a ByteSource (the partition): the boot sector, the FAT (the active one of two),
 * the cluster heap, the allocation bitmap (located, used to tell deleted content that was reused),
 * and directory entry sets: a File entry (0x85), its Stream Extension (0xC0: size, first cluster,
 * NoFatChain) and its File Name entries (0xC1, 15 UTF-16 units each). A set whose entries have the
 * in-use bit cleared (0x05 / 0x40 / 0x41) is a deleted file, listed as deleted with its content read
 * contiguously from its first cluster (exFAT does not keep a chain for it). The name hash is not
 * checked (it needs the up-case table and only speeds up lookups); the set checksum is, with a
 * warning. Ids are The Sleuth Kit's inode numbers (the File entry's address, as on FAT), so listings
 * compare with fls. Times are local times with an optional UTC offset; with the offset they are
 * converted to UTC, without it they are read as UTC (as FAT times are).
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { compareEntries, lookupPath, MAX_FS_LISTING, unclosed, warn, type EvidenceFs, type FreeSpace, type FsEntry, type FsListing, type FsTime, type OpenedSource, ListingCache } from '../../fs.js';
import { readExact } from '../container/block-source.js';
import { unitMappedSource } from './unit-mapped-source.js';
import { FreeRunBuilder, unitSpace, type FreeRun } from '../free-runs.js';

const ATTR_READONLY = 0x01;
const ATTR_HIDDEN = 0x02;
const ATTR_SYSTEM = 0x04;
const ATTR_DIRECTORY = 0x10;
const TYPE_IN_USE = 0x80;
const TYPE_FILE = 0x05;
const TYPE_STREAM = 0x40;
const TYPE_NAME = 0x41;
const TYPE_LABEL = 0x83;
/** The root directory's Allocation Bitmap entry: one bit per cluster of the heap, set when in use. */
const TYPE_BITMAP = 0x81;
const FLAG_NO_FAT_CHAIN = 0x02;
/** A name is at most 255 UTF-16 units: 17 name entries, plus the stream entry. */
const MAX_SECONDARY = 18;
/** Bytes of one directory read (exFAT allows 256 MiB; 16 MiB holds ~170,000 entry sets of three). */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;
const ROOT_ID = '2';
const FAT_END = 0xfffffff7;

/**
 * Where an entry's data lies, kept on the entry itself (a symbol property, as DirectoryFs keeps an
 * entry's host location): the file system holds nothing per listed entry (a map of them grew with
 * every file of the volume), and an entry of another volume is told apart by `owner`.
 */
interface ExfatNode {
  owner: ExfatFs;
  firstCluster: number;
  /** Contiguous clusters (NoFatChain), or a FAT chain. */
  contiguous: boolean;
  /** Bytes allocated to it (directories are read up to this). */
  dataLength: number;
}

/** An exFAT timestamp (DOS date and time, 10 ms increments, UTC offset in 15-minute steps). */
export function exfatTime(stamp: number, tenMs: number, utcOffset: number): FsTime | undefined {
  const date = stamp >>> 16;
  const time = stamp & 0xffff;
  const day = date & 31;
  const month = (date >> 5) & 15;
  if (!date || !day || !month || month > 12) return undefined;
  let sec = Date.UTC(1980 + (date >> 9), month - 1, day, time >> 11, (time >> 5) & 63, (time & 31) * 2) / 1000 + Math.floor(Math.min(tenMs, 199) / 100);
  if (utcOffset & 0x80) {
    const quarters = utcOffset & 0x40 ? (utcOffset & 0x7f) - 0x80 : utcOffset & 0x7f; // 7-bit signed
    sec -= quarters * 15 * 60;
  }
  return { sec, nsec: (Math.min(tenMs, 199) % 100) * 10_000_000 };
}

export function isExfatBoot(s: Buffer): boolean {
  return s.length >= 512 && s.toString('latin1', 3, 11) === 'EXFAT   ';
}

const NODE = Symbol('exfat node');
type NodedEntry = FsEntry & { [NODE]?: ExfatNode };

export class ExfatFs implements EvidenceFs {
  readonly kind = 'exfat';
  readonly warnings: string[] = [];
  volumeLabel = '';
  private readonly bps: number;
  private readonly clusterSize: number;
  private readonly fatAt: number;
  private readonly fatBytes: number;
  private readonly heapSector: number;
  private readonly clusterCount: number;
  private readonly rootEntry: NodedEntry;
  /** The active FAT's index (0 or 1): a TexFAT volume keeps one allocation bitmap per FAT. */
  private readonly activeFat: number;
  /** The allocation bitmap the root directory names (first cluster, bytes); null when it names none. */
  private allocationBitmap: { firstCluster: number; length: number } | null = null;
  private readonly listCache = new ListingCache<string>();

  constructor(
    private readonly part: ByteSource,
    readonly label: string,
  ) {
    const b = readExact(part, 0, 512);
    if (!b || !isExfatBoot(b)) throw new Error('exFAT: boot sector not found');
    const bpsShift = b[108]!;
    const spcShift = b[109]!;
    const fats = b[110]!;
    if (bpsShift < 9 || bpsShift > 12 || spcShift > 25 - bpsShift || (fats !== 1 && fats !== 2)) throw new Error('exFAT: boot parameters not usable');
    this.bps = 2 ** bpsShift;
    this.clusterSize = this.bps * 2 ** spcShift;
    const fatOffset = b.readUInt32LE(80);
    const fatLength = b.readUInt32LE(84);
    this.heapSector = b.readUInt32LE(88);
    const declared = b.readUInt32LE(92);
    const rootCluster = b.readUInt32LE(96);
    if (!fatOffset || !fatLength || !this.heapSector || !declared) throw new Error('exFAT: boot parameters not usable');
    // VolumeFlags bit 0: the second FAT is the active one.
    const activeFat = fats === 2 && b.readUInt16LE(106) & 1 ? 1 : 0;
    this.activeFat = activeFat;
    this.fatAt = (fatOffset + activeFat * fatLength) * this.bps;
    this.fatBytes = fatLength * this.bps;
    const fit = Math.max(0, Math.floor((part.size - this.heapSector * this.bps) / this.clusterSize));
    this.clusterCount = Math.min(declared, fit, Math.floor(this.fatBytes / 4) - 2);
    if (this.clusterCount < declared) warn(this.warnings, `exFAT: ${declared} clusters declared, ${this.clusterCount} readable`);
    const rootNode: ExfatNode = { owner: this, firstCluster: rootCluster, contiguous: false, dataLength: MAX_DIRECTORY_BYTES };
    const rootEntry: NodedEntry = { name: '', path: '/', id: ROOT_ID, type: 'directory', size: 0, times: {}, hidden: false, system: false, readOnly: false, deleted: false, streams: [], [NODE]: rootNode };
    rootEntry.size = this.clustersOf(rootNode, MAX_DIRECTORY_BYTES, '/').length * this.clusterSize;
    this.rootEntry = rootEntry;
    this.list(rootEntry); // reads the volume label
  }

  /** The data location an entry of this volume carries; null for an entry of another one. */
  private nodeOf(entry: FsEntry): ExfatNode | null {
    const node = (entry as NodedEntry)[NODE];
    return node && node.owner === this ? node : null;
  }

  private validCluster(c: number): boolean {
    return c >= 2 && c < this.clusterCount + 2;
  }

  /** The FAT chain from `first`, at most `max` clusters; loops and wild links end it with a warning. */
  private chain(first: number, max: number, what: string): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    let c = first;
    while (c >= 2 && out.length < max) {
      if (!this.validCluster(c)) {
        warn(this.warnings, `exFAT: ${what}: cluster ${c} outside the volume; chain ends`);
        break;
      }
      if (seen.has(c)) {
        warn(this.warnings, `exFAT: ${what}: cluster chain loops at ${c}`);
        break;
      }
      seen.add(c);
      out.push(c);
      const next = readExact(this.part, this.fatAt + c * 4, 4)?.readUInt32LE(0) ?? 0xffffffff;
      if (next >= FAT_END || next < 2) break;
      c = next;
    }
    return out;
  }

  /** The clusters holding `bytes` of a node (contiguous run or FAT chain), bounded by the volume. */
  private clustersOf(node: ExfatNode, bytes: number, what: string): number[] {
    const need = Math.ceil(bytes / this.clusterSize);
    if (!node.contiguous) return this.chain(node.firstCluster, need, what);
    const out: number[] = [];
    for (let k = 0; k < need && this.validCluster(node.firstCluster + k); k++) out.push(node.firstCluster + k);
    return out;
  }

  private clusterOffset(c: number): number {
    return this.heapSector * this.bps + (c - 2) * this.clusterSize;
  }

  /**
   * The clusters the allocation bitmap marks free, and their raw bytes (`scan --carve`): exFAT keeps
   * no FAT chain for a contiguous file, so the bitmap, not the FAT, says what is in use. Null when
   * the root directory names no bitmap.
   */
  freeSpace(): FreeSpace | null {
    const bm = this.allocationBitmap;
    if (!bm) return null;
    return unitSpace(this.part, { size: this.clusterSize, name: 'cluster', end: this.clusterCount + 2, offsetOf: (c) => this.clusterOffset(c) }, () => this.freeClusters(bm));
  }

  private *freeClusters(bm: { firstCluster: number; length: number }): Generator<FreeRun> {
    const runs = new FreeRunBuilder();
    const bytes = Math.min(bm.length, Math.ceil(this.clusterCount / 8));
    const clusters = this.chain(bm.firstCluster, Math.ceil(bytes / this.clusterSize), 'allocation bitmap');
    const src = this.chainSource(clusters, Math.min(bytes, clusters.length * this.clusterSize), 'allocation bitmap');
    // Bit i is cluster i + 2; read 64 KiB at a time (a 2 TiB volume of 4 KiB clusters has a 64 MiB bitmap).
    const STEP = 65536;
    let told = 0;
    for (let at = 0; at < src.size; at += STEP) {
      const piece = src.read(at, STEP);
      const n = Math.min(this.clusterCount - told, piece.length * 8);
      yield* runs.add(piece, told + 2, n);
      told += n;
      if (piece.length < Math.min(STEP, src.size - at)) break;
    }
    if (told < this.clusterCount) warn(this.warnings, `exFAT: the allocation bitmap covers ${told} of ${this.clusterCount} clusters; the rest are not read as free`);
    yield* runs.close(told + 2);
  }

  private chainSource(clusters: number[], size: number, name: string): ByteSource {
    return unitMappedSource(this.part, size, name, this.clusterSize, (k) => (k < clusters.length ? this.clusterOffset(clusters[k]!) : null));
  }

  root(): FsEntry {
    return this.rootEntry;
  }

  list(dir: FsEntry): FsListing {
    const cached = this.listCache.get(dir.id);
    if (cached) return cached;
    const node = this.nodeOf(dir);
    if (!node || dir.type !== 'directory') return { entries: [], truncated: false };
    const clusters = this.clustersOf(node, Math.min(node.dataLength, MAX_DIRECTORY_BYTES), `directory ${dir.path}`);
    if (node.dataLength > MAX_DIRECTORY_BYTES) warn(this.warnings, `exFAT: ${dir.path}: directory of ${node.dataLength} bytes; the first ${MAX_DIRECTORY_BYTES} read`);
    const data = this.chainSource(clusters, clusters.length * this.clusterSize, dir.path).read(0, clusters.length * this.clusterSize);
    const perSector = this.bps / 32;
    const sectorOf = (o: number): number => this.heapSector + (clusters[Math.floor(o / this.clusterSize)]! - 2) * (this.clusterSize / this.bps) + Math.floor((o % this.clusterSize) / this.bps);
    const base = dir.path === '/' ? '' : dir.path;
    const out: FsEntry[] = [];
    let truncated = false;
    for (let p = 0; p + 32 <= data.length; p += 32) {
      const type = data[p]!;
      if (type === 0) break; // end of directory
      // BitmapFlags bit 0 says which FAT the bitmap goes with (TexFAT keeps two).
      if (type === TYPE_BITMAP && dir.id === ROOT_ID && (data[p + 1]! & 1) === this.activeFat && !this.allocationBitmap) {
        this.allocationBitmap = { firstCluster: data.readUInt32LE(p + 20), length: Number(data.readBigUInt64LE(p + 24)) };
        continue;
      }
      if (type === TYPE_LABEL && dir.id === ROOT_ID) {
        const n = Math.min(data[p + 1]!, 11);
        this.volumeLabel = data.toString('utf16le', p + 2, p + 2 + n * 2);
        continue;
      }
      if ((type & 0x7f) !== TYPE_FILE) continue;
      const inUse = (type & TYPE_IN_USE) !== 0;
      const set = this.entrySet(data, p, inUse, dir.path);
      if (!set) continue;
      if (out.length >= MAX_FS_LISTING) {
        truncated = true;
        break;
      }
      const f = data.subarray(p, p + 32);
      const attr = f.readUInt16LE(4);
      const isDir = (attr & ATTR_DIRECTORY) !== 0;
      const id = String((sectorOf(p) - this.heapSector) * perSector + ((p / 32) % perSector) + 3);
      const entry: NodedEntry = {
        name: set.name,
        path: `${base}/${set.name}`,
        id,
        type: isDir ? 'directory' : 'file',
        size: set.dataLength,
        times: {
          mtime: exfatTime(f.readUInt32LE(12), f[21]!, f[23]!),
          atime: exfatTime(f.readUInt32LE(16), 0, f[24]!),
          crtime: exfatTime(f.readUInt32LE(8), f[20]!, f[22]!),
        },
        hidden: (attr & ATTR_HIDDEN) !== 0,
        system: (attr & ATTR_SYSTEM) !== 0,
        readOnly: (attr & ATTR_READONLY) !== 0,
        deleted: !inUse,
        streams: [],
        // A deleted directory's clusters are free and may be reused: it is listed, not entered.
        [NODE]: { owner: this, firstCluster: set.firstCluster, contiguous: set.contiguous || !inUse, dataLength: inUse || !isDir ? set.dataLength : 0 },
      };
      out.push(entry);
      p += set.secondaryCount * 32; // the set's entries are consumed
    }
    out.sort(compareEntries);
    const listing = { entries: out, truncated };
    this.listCache.set(dir.id, listing);
    return listing;
  }

  /**
   * The stream and name entries following a File entry at `p`, of the same state (in use or
   * deleted); null when they are missing or broken (a deleted set partly overwritten).
   */
  private entrySet(data: Buffer, p: number, inUse: boolean, dirPath: string): { name: string; secondaryCount: number; firstCluster: number; dataLength: number; contiguous: boolean } | null {
    const secondaryCount = data[p + 1]!;
    const want = (t: number): number => (inUse ? t | TYPE_IN_USE : t);
    if (secondaryCount < 2 || secondaryCount > MAX_SECONDARY || p + (secondaryCount + 1) * 32 > data.length) {
      if (inUse) warn(this.warnings, `exFAT: ${dirPath}: entry set at byte ${p} with ${secondaryCount} secondary entries; skipped`);
      return null;
    }
    const s = p + 32;
    if (data[s] !== want(TYPE_STREAM)) {
      if (inUse) warn(this.warnings, `exFAT: ${dirPath}: entry set at byte ${p} has no stream entry; skipped`);
      return null;
    }
    const nameLength = data[s + 3]!;
    const nameEntries = secondaryCount - 1;
    if (nameLength === 0 || Math.ceil(nameLength / 15) > nameEntries) {
      if (inUse) warn(this.warnings, `exFAT: ${dirPath}: entry set at byte ${p}: name of ${nameLength} units in ${nameEntries} entries; skipped`);
      return null;
    }
    let name = '';
    for (let k = 0; k < nameEntries; k++) {
      const q = s + 32 + k * 32;
      if (data[q] !== want(TYPE_NAME)) {
        if (inUse) warn(this.warnings, `exFAT: ${dirPath}: entry set at byte ${p}: name entry ${k + 1} missing; skipped`);
        return null;
      }
      name += data.toString('utf16le', q + 2, q + 32);
    }
    name = name.slice(0, nameLength);
    if (name.includes('/') || name.includes('\0') || name === '.' || name === '..') {
      warn(this.warnings, `exFAT: ${dirPath}: entry set at byte ${p}: invalid name; skipped`);
      return null;
    }
    if (inUse && setChecksum(data.subarray(p, p + (secondaryCount + 1) * 32)) !== data.readUInt16LE(p + 2))
      warn(this.warnings, `exFAT: ${dirPath}/${name}: entry set checksum mismatch (listed anyway)`);
    const dataLength = Number(data.readBigUInt64LE(s + 24));
    const maxBytes = this.clusterCount * this.clusterSize;
    if (dataLength > maxBytes) warn(this.warnings, `exFAT: ${dirPath}/${name}: ${dataLength} bytes declared, larger than the volume`);
    return { name, secondaryCount, firstCluster: data.readUInt32LE(s + 20), dataLength: Math.min(dataLength, maxBytes), contiguous: (data[s + 1]! & FLAG_NO_FAT_CHAIN) !== 0 };
  }

  lookup(path: string, caseInsensitive = true): FsEntry | null {
    return lookupPath(this, path, caseInsensitive);
  }

  open(entry: FsEntry, stream?: string): OpenedSource {
    if (stream) throw new Error('exFAT has no named streams');
    const node = this.nodeOf(entry);
    if (!node || entry.type !== 'file') throw new Error(`${entry.path}: not a regular file of this volume`);
    const clusters = entry.size && node.firstCluster ? this.clustersOf(node, entry.size, entry.path) : [];
    const need = Math.ceil(entry.size / this.clusterSize);
    if (clusters.length < need) warn(this.warnings, `exFAT: ${entry.path}: ${clusters.length} of ${need} clusters; the rest reads as zeros`);
    return unclosed(this.chainSource(clusters, entry.size, entry.path));
  }

  close(): void {
    this.listCache.clear();
  }
}

/** The entry set checksum (exFAT spec 6.3.3): every byte of the set except the checksum field itself. */
function setChecksum(set: Buffer): number {
  let sum = 0;
  for (let i = 0; i < set.length; i++) {
    if (i === 2 || i === 3) continue;
    sum = (((sum & 1) << 15) | (sum >>> 1)) + set[i]!;
    sum &= 0xffff;
  }
  return sum;
}
