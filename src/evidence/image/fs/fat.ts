/**
 * FAT12/16/32 reader over a ByteSource (the partition): BIOS parameter block, FAT cluster chains
 * (loops and out-of-range links end the chain with a warning), 8.3 names with their case flags,
 * VFAT long names (checksummed against their short entry), deleted entries (0xE5) listed as deleted
 * with TSK's '_' for the lost first character and their content read contiguously from the first
 * cluster, as The Sleuth Kit does. Ids are TSK's FAT inode numbers (directory-entry addresses), so
 * listings compare with fls. FAT times are local times without a zone; they are read as UTC.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { unitMappedSource } from './unit-mapped-source.js';
import { compareEntries, lookupPath, MAX_FS_LISTING, warn, type EvidenceFs, type FsEntry, type FsListing, type OpenedSource, unclosed, type FsTime, ListingCache, type FreeSpace } from '../../fs.js';
import { readExact } from '../container/block-source.js';
import { FreeRunBuilder, unitSpace, type FreeRun } from '../free-runs.js';

const ATTR_READONLY = 0x01;
const ATTR_HIDDEN = 0x02;
const ATTR_SYSTEM = 0x04;
const ATTR_VOLUME = 0x08;
const ATTR_DIRECTORY = 0x10;
const ATTR_LFN = 0x0f;
/** Bytes of one directory read (65536 entries of 32 bytes is the FAT maximum: 2 MiB). */
const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;
const ROOT_ID = '2';

export function dosTime(date: number, time: number, tenths = 0): FsTime | undefined {
  if (!date) return undefined;
  const day = date & 31;
  const month = (date >> 5) & 15;
  const year = 1980 + (date >> 9);
  if (!day || !month || month > 12) return undefined;
  const sec = Date.UTC(year, month - 1, day, time >> 11, (time >> 5) & 63, (time & 31) * 2) / 1000 + Math.floor(tenths / 100);
  return { sec, nsec: (tenths % 100) * 10_000_000 };
}

export class FatFs implements EvidenceFs {
  readonly kind: string;
  readonly warnings: string[] = [];
  readonly volumeLabel: string;
  private readonly bps: number;
  private readonly clusterSize: number;
  private readonly fatAt: number;
  private readonly fatBytes: number;
  /** TSK's "first data sector": the FAT12/16 root directory, or the cluster area on FAT32. */
  private readonly tskFirstDataSector: number;
  private readonly clusterAreaSector: number;
  private readonly rootDirSector: number;
  private readonly rootDirSectors: number;
  private readonly rootCluster: number;
  private readonly clusterCount: number;
  private readonly bits: 12 | 16 | 32;
  /**
   * The root's entry. Other entries are found again by their id, which is TSK's address of their
   * directory entry: `open` and `list` read its 32 bytes back for the first cluster, so nothing is
   * held per listed entry (a map of them grew with every file of the volume).
   */
  private readonly rootEntry: FsEntry;
  private readonly listCache = new ListingCache<string>();

  constructor(
    private readonly part: ByteSource,
    readonly label: string,
  ) {
    const b = readExact(part, 0, 512);
    if (!b) throw new Error('FAT: boot sector truncated');
    this.bps = b.readUInt16LE(11);
    const spc = b[13]!;
    const reserved = b.readUInt16LE(14);
    const fats = b[16]!;
    const rootEntries = b.readUInt16LE(17);
    const total = b.readUInt16LE(19) || b.readUInt32LE(32);
    const fatSize = b.readUInt16LE(22) || b.readUInt32LE(36);
    if (![512, 1024, 2048, 4096].includes(this.bps) || !spc || (spc & (spc - 1)) !== 0 || !reserved || !fats || fats > 4 || !fatSize || !total)
      throw new Error('FAT: boot parameters not usable');
    this.clusterSize = this.bps * spc;
    this.fatAt = reserved * this.bps;
    this.fatBytes = fatSize * this.bps;
    this.rootDirSector = reserved + fats * fatSize;
    this.rootDirSectors = Math.ceil((rootEntries * 32) / this.bps);
    this.clusterAreaSector = this.rootDirSector + this.rootDirSectors;
    this.tskFirstDataSector = this.rootDirSector;
    this.clusterCount = Math.max(0, Math.floor((total - this.clusterAreaSector) / spc));
    this.bits = this.clusterCount < 4085 ? 12 : this.clusterCount < 65525 ? 16 : 32;
    this.rootCluster = this.bits === 32 ? b.readUInt32LE(44) : 0;
    this.kind = `fat${this.bits}`;
    const lab = b.toString('latin1', this.bits === 32 ? 71 : 43, this.bits === 32 ? 82 : 54).trimEnd();
    this.volumeLabel = lab === 'NO NAME' ? '' : lab;
    if (total * this.bps > part.size) warn(this.warnings, `FAT: ${total} sectors declared, the volume holds ${Math.floor(part.size / this.bps)}`);
    const rootEntry: FsEntry = { name: '', path: '/', id: ROOT_ID, type: 'directory', size: 0, times: {}, hidden: false, system: false, readOnly: false, deleted: false, streams: [] };
    this.rootEntry = rootEntry;
  }

  private fatEntry(cluster: number): number {
    if (cluster * (this.bits / 8) >= this.fatBytes) return 0x0fffffff; // past the FAT: end of chain
    if (this.bits === 32) {
      const b = readExact(this.part, this.fatAt + cluster * 4, 4);
      return b ? b.readUInt32LE(0) & 0x0fffffff : 0x0fffffff;
    }
    if (this.bits === 16) {
      const b = readExact(this.part, this.fatAt + cluster * 2, 2);
      return b ? b.readUInt16LE(0) : 0xffff;
    }
    const off = Math.floor(cluster * 1.5);
    const b = readExact(this.part, this.fatAt + off, 2);
    if (!b) return 0xfff;
    const v = b.readUInt16LE(0);
    return cluster & 1 ? v >> 4 : v & 0xfff;
  }

  private isEnd(v: number): boolean {
    const eoc = this.bits === 32 ? 0x0ffffff7 : this.bits === 16 ? 0xfff7 : 0xff7;
    return v >= eoc || v < 2;
  }

  /** The cluster chain from `first`, at most `max` clusters; loops and wild links end it with a warning. */
  chain(first: number, max: number, what: string): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    let c = first;
    while (c >= 2 && out.length < max) {
      if (c >= this.clusterCount + 2) {
        warn(this.warnings, `FAT: ${what}: cluster ${c} outside the volume; chain ends`);
        break;
      }
      if (seen.has(c)) {
        warn(this.warnings, `FAT: ${what}: cluster chain loops at ${c}`);
        break;
      }
      seen.add(c);
      out.push(c);
      const next = this.fatEntry(c);
      if (this.isEnd(next)) break;
      c = next;
    }
    return out;
  }

  private clusterOffset(c: number): number {
    return this.clusterAreaSector * this.bps + (c - 2) * this.clusterSize;
  }

  /** The clusters the FAT marks free (entry 0), and their raw bytes (`scan --carve`). */
  freeSpace(): FreeSpace {
    return unitSpace(this.part, { size: this.clusterSize, name: 'cluster', end: this.clusterCount + 2, offsetOf: (c) => this.clusterOffset(c) }, () => this.freeClusters());
  }

  /** Runs of clusters whose FAT entry is 0, read from the FAT 64 Ki entries at a time; a FAT cut short ends them. */
  private *freeClusters(): Generator<FreeRun> {
    const runs = new FreeRunBuilder();
    const STEP = 65536;
    const end = this.clusterCount + 2;
    for (let c0 = 2; c0 < end; c0 += STEP) {
      const n = Math.min(STEP, end - c0);
      const entries = this.fatEntries(c0, n);
      if (!entries) {
        warn(this.warnings, `FAT: the FAT ends before cluster ${c0 + n - 1}; the clusters past ${c0} are not read as free`);
        yield* runs.close(c0);
        return;
      }
      // The FAT's entries as an allocation bitmap: a set bit for every entry that is not 0.
      const inUse = Buffer.alloc(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) if (entries[i] !== 0) inUse[i >> 3]! |= 1 << (i & 7);
      yield* runs.add(inUse, c0, n);
    }
    yield* runs.close(end);
  }

  /** FAT entries of clusters [first, first + n) in one read; null when the FAT does not hold them all. */
  private fatEntries(first: number, n: number): Uint32Array | null {
    const out = new Uint32Array(n);
    if (this.bits === 12) {
      // 12-bit entries: cluster c's lies in the two bytes at floor(1.5 c), its high or low 12 bits.
      const at = Math.floor(first * 1.5);
      const last = Math.floor((first + n - 1) * 1.5) + 2;
      if (last > this.fatBytes) return null;
      const b = readExact(this.part, this.fatAt + at, last - at);
      if (!b) return null;
      for (let i = 0; i < n; i++) {
        const c = first + i;
        const o = Math.floor(c * 1.5) - at;
        const v = b[o]! | (b[o + 1]! << 8);
        out[i] = c & 1 ? v >> 4 : v & 0xfff;
      }
      return out;
    }
    const size = this.bits / 8;
    if ((first + n) * size > this.fatBytes) return null;
    const b = readExact(this.part, this.fatAt + first * size, n * size);
    if (!b) return null;
    for (let i = 0; i < n; i++) out[i] = size === 4 ? b.readUInt32LE(i * 4) & 0x0fffffff : b.readUInt16LE(i * 2);
    return out;
  }

  /** Content of a chain of clusters as a ByteSource of `size` bytes. */
  private chainSource(clusters: number[], size: number, name: string): ByteSource {
    return unitMappedSource(this.part, size, name, this.clusterSize, (k) => (k < clusters.length ? this.clusterOffset(clusters[k]!) : null));
  }

  root(): FsEntry {
    return this.rootEntry;
  }

  /** The directory's raw bytes plus the absolute sector of each of its sectors (for TSK ids). */
  private directoryBytes(dir: FsEntry, firstCluster: number): { data: Buffer; sectorOf: (byteOffset: number) => number } {
    if (dir.id === ROOT_ID && this.bits !== 32) {
      const data = this.part.read(this.rootDirSector * this.bps, this.rootDirSectors * this.bps);
      return { data, sectorOf: (o) => this.rootDirSector + Math.floor(o / this.bps) };
    }
    const clusters = this.chain(firstCluster, Math.ceil(MAX_DIRECTORY_BYTES / this.clusterSize), `directory ${dir.path}`);
    const data = this.chainSource(clusters, clusters.length * this.clusterSize, dir.path).read(0, clusters.length * this.clusterSize);
    const spc = this.clusterSize / this.bps;
    return {
      data,
      sectorOf: (o) => {
        const k = Math.floor(o / this.clusterSize);
        return this.clusterAreaSector + (clusters[k]! - 2) * spc + Math.floor((o % this.clusterSize) / this.bps);
      },
    };
  }

  /** TSK's id of the directory entry in slot `slot` (0-based) of absolute sector `sector`: its place in the volume. */
  private direntId(sector: number, slot: number): string {
    return String((sector - this.tskFirstDataSector) * (this.bps / 32) + slot + 3);
  }

  /** The byte offset in the volume of the directory entry an id names (direntId read backwards), or null. */
  private direntOffset(id: string): number | null {
    const n = Number(id);
    if (!Number.isSafeInteger(n) || n < 3) return null;
    const perSector = this.bps / 32;
    return (this.tskFirstDataSector + Math.floor((n - 3) / perSector)) * this.bps + ((n - 3) % perSector) * 32;
  }

  /**
   * The first cluster of a listed entry, read back from its directory entry; the root's is the
   * boot sector's. Null when the id names no directory entry of this volume of that entry's kind.
   */
  private firstClusterOf(entry: FsEntry): number | null {
    if (entry.id === ROOT_ID) return entry.type === 'directory' ? this.rootCluster : null;
    const at = this.direntOffset(entry.id);
    const e = at === null ? null : this.part.read(at, 32);
    if (!e || e.length !== 32) return null;
    const attr = e[11]!;
    // The same kind of entry as listed: not a long-name part or volume label, a directory only for a directory.
    if ((attr & 0x3f) === ATTR_LFN || attr & ATTR_VOLUME || ((attr & ATTR_DIRECTORY) !== 0) !== (entry.type === 'directory')) return null;
    return this.clusterIn(e);
  }

  /** The first cluster a 32-byte directory entry names (its high half only on FAT32). */
  private clusterIn(e: Buffer): number {
    return (this.bits === 32 ? e.readUInt16LE(20) << 16 : 0) + e.readUInt16LE(26);
  }

  list(dir: FsEntry): FsListing {
    const cached = this.listCache.get(dir.id);
    if (cached) return cached;
    const firstCluster = dir.type === 'directory' ? this.firstClusterOf(dir) : null;
    if (firstCluster === null) return { entries: [], truncated: false };
    const { data, sectorOf } = this.directoryBytes(dir, firstCluster);
    const perSector = this.bps / 32;
    const out: FsEntry[] = [];
    let truncated = false;
    let lfn: { parts: Map<number, string>; checksum: number } | null = null;
    const base = dir.path === '/' ? '' : dir.path;
    for (let p = 0; p + 32 <= data.length; p += 32) {
      const e = data.subarray(p, p + 32);
      const first = e[0]!;
      if (first === 0) break;
      const attr = e[11]!;
      const deleted = first === 0xe5;
      if ((attr & 0x3f) === ATTR_LFN) {
        if (deleted) {
          lfn = null;
          continue;
        }
        const ord = first & 0x1f;
        if (first & 0x40 || !lfn) lfn = { parts: new Map(), checksum: e[13]! };
        const chars = Buffer.concat([e.subarray(1, 11), e.subarray(14, 26), e.subarray(28, 32)]).toString('utf16le');
        lfn.parts.set(ord, chars);
        continue;
      }
      const longName = lfn;
      lfn = null;
      if (attr & ATTR_VOLUME) continue;
      const short = shortName(e);
      if (short === '.' || short === '..') continue;
      let name = short;
      if (!deleted && longName && longName.checksum === shortChecksum(e.subarray(0, 11))) {
        let s = '';
        for (let k = 1; k <= longName.parts.size; k++) s += longName.parts.get(k) ?? '';
        const end = s.indexOf('\0');
        name = end < 0 ? s : s.slice(0, end);
        name = name.replace(/\uffff+$/, '');
      }
      if (deleted) name = `_${name.slice(1)}`;
      if (out.length >= MAX_FS_LISTING) {
        truncated = true;
        break;
      }
      const id = this.direntId(sectorOf(p), (p / 32) % perSector);
      const isDir = (attr & ATTR_DIRECTORY) !== 0;
      const firstCluster = this.clusterIn(e);
      let size = e.readUInt32LE(28);
      if (isDir) size = deleted ? 0 : this.chain(firstCluster, Math.ceil(MAX_DIRECTORY_BYTES / this.clusterSize), `${base}/${name}`).length * this.clusterSize;
      const entry: FsEntry = {
        name,
        path: `${base}/${name}`,
        id,
        type: isDir ? 'directory' : 'file',
        size,
        times: {
          mtime: dosTime(e.readUInt16LE(24), e.readUInt16LE(22)),
          atime: dosTime(e.readUInt16LE(18), 0),
          crtime: dosTime(e.readUInt16LE(16), e.readUInt16LE(14), e[13]!),
        },
        hidden: (attr & ATTR_HIDDEN) !== 0,
        system: (attr & ATTR_SYSTEM) !== 0,
        readOnly: (attr & ATTR_READONLY) !== 0,
        deleted,
        streams: [],
      };
      out.push(entry);
    }
    out.sort(compareEntries);
    const listing = { entries: out, truncated };
    this.listCache.set(dir.id, listing);
    return listing;
  }

  lookup(path: string, caseInsensitive = true): FsEntry | null {
    return lookupPath(this, path, caseInsensitive);
  }

  open(entry: FsEntry, stream?: string): OpenedSource {
    if (stream) throw new Error('FAT has no named streams');
    const firstCluster = entry.type === 'file' ? this.firstClusterOf(entry) : null;
    if (firstCluster === null) throw new Error(`${entry.path}: not a regular file of this volume`);
    const need = Math.ceil(entry.size / this.clusterSize);
    let clusters: number[];
    if (entry.deleted) {
      // the chain is freed on deletion: read contiguously from the first cluster (TSK does the same)
      clusters = [];
      for (let k = 0; k < need && firstCluster + k < this.clusterCount + 2; k++) clusters.push(firstCluster + k);
    } else {
      clusters = this.chain(firstCluster, need, entry.path);
      if (clusters.length < need && entry.size) warn(this.warnings, `FAT: ${entry.path}: ${clusters.length} of ${need} clusters; the rest reads as zeros`);
    }
    return unclosed(this.chainSource(clusters, entry.size, entry.path));
  }

  close(): void {
    this.listCache.clear();
  }
}

function shortName(e: Buffer): string {
  const nt = e[12]!;
  const raw = Buffer.from(e.subarray(0, 11));
  if (raw[0] === 0x05) raw[0] = 0xe5;
  let b = raw.toString('latin1', 0, 8).trimEnd();
  let x = raw.toString('latin1', 8, 11).trimEnd();
  if (nt & 0x08) b = b.toLowerCase();
  if (nt & 0x10) x = x.toLowerCase();
  return x ? `${b}.${x}` : b;
}

function shortChecksum(name11: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + name11[i]!) & 0xff;
  return sum;
}
