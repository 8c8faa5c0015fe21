/**
 * A non-resident attribute's content as a ByteSource: runs map VCNs to clusters of the volume,
 * sparse runs and bytes past the initialized size read as zeros, LZNT1 compression units are
 * decompressed one at a time (the last one is cached). Reads beyond the data size return less.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { LIMITS } from '../../../util/limits.js';
import { lznt1Decompress } from './lznt1.js';
import type { Run, WarningSink } from './record.js';

export interface StreamGeometry {
  clusterSize: number;
  runs: Run[];
  dataSize: number;
  initializedSize: number;
  /** log2 clusters per compression unit; 0 = not compressed. */
  compressionUnit: number;
}

/** A ByteSource that also tells where data resumes after a sparse hole (the $J reader skips holes this way). */
export interface SparseAwareSource extends ByteSource {
  /** The first offset >= `position` that is not inside a sparse run (or `size` when none). */
  nextDataOffset(position: number): number;
  /**
   * Present over a volume that fetches ahead (an EWF image): these bytes of the stream will be read
   * soon, so their blocks are decoded on the other core meanwhile (`willReadStream`).
   */
  willRead?(position: number, length: number): void;
}

function checkLength(length: number): number {
  if (!Number.isFinite(length) || length < 0) return 0;
  if (length > LIMITS.maxReadBytes) throw new RangeError(`read of ${length} bytes exceeds limit ${LIMITS.maxReadBytes}`);
  return Math.floor(length);
}

/** Index of the run holding `vcn`, or -1 (runs are sorted by vcn and do not overlap). */
function findRun(runs: Run[], vcn: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid];
    if (vcn < r.vcn) hi = mid - 1;
    else if (vcn >= r.vcn + r.length) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * Where byte `position` of a non-resident stream lies on the volume, and the stream position at
 * which its run ends; null when no run maps it or the run is sparse.
 */
function mappedAt(runs: Run[], clusterSize: number, position: number): { offset: number; runEnd: number } | null {
  const vcn = Math.floor(position / clusterSize);
  const i = findRun(runs, vcn);
  if (i < 0) return null;
  const r = runs[i]!;
  return r.lcn === null ? null : { offset: (r.lcn + (vcn - r.vcn)) * clusterSize + (position - vcn * clusterSize), runEnd: (r.vcn + r.length) * clusterSize };
}

/**
 * Tells a volume that fetches ahead (an EWF image: util/byte-source.ts `FetchAhead`) that bytes
 * [position, position + length) of a non-resident stream will be read next, run by run; a hint
 * only, so it stops at the first byte no run maps (or a sparse one).
 */
export function willReadStream(volume: ByteSource, runs: Run[], clusterSize: number, position: number, length: number): void {
  const ahead = volume.fetchAhead;
  if (!ahead || !(length > 0) || !(position >= 0)) return;
  const end = position + length;
  // Each step ends a run or the range: at most one step per run.
  for (let pos = position, steps = 0; pos < end && steps < runs.length; steps++) {
    const m = mappedAt(runs, clusterSize, pos);
    if (!m) return;
    const upto = Math.min(end, m.runEnd);
    ahead.willRead(m.offset, upto - pos);
    pos = upto;
  }
}

/** Reads `length` bytes of the volume at `offset`, zero-filling what the volume does not have. */
function readVolume(volume: ByteSource, offset: number, length: number, out: Buffer, at: number): void {
  let done = 0;
  while (done < length) {
    const n = Math.min(length - done, LIMITS.maxReadBytes);
    const got = volume.read(offset + done, n);
    got.copy(out, at + done);
    if (got.length < n) return; // past the end of the volume: out stays zero there
    done += n;
  }
}

export function attributeStream(volume: ByteSource, geometry: StreamGeometry, name: string, warnings: WarningSink): SparseAwareSource {
  const { clusterSize, runs, compressionUnit } = geometry;
  const sane = (n: number): number => (Number.isSafeInteger(n) && n > 0 ? n : 0);
  const size = sane(geometry.dataSize);
  const initialized = Math.min(sane(geometry.initializedSize), size);
  const unitClusters = compressionUnit > 0 && compressionUnit < 16 ? 2 ** compressionUnit : 0;
  const unitBytes = unitClusters * clusterSize;
  let cachedUnit = -1;
  let cachedData: Buffer = Buffer.alloc(0);

  /** Plain mapping: copies [pos, pos+n) of the stream into out at `at` (zeros where sparse or unmapped). */
  function readMapped(pos: number, n: number, out: Buffer, at: number): void {
    let done = 0;
    while (done < n) {
      const p = pos + done;
      const vcn = Math.floor(p / clusterSize);
      const i = findRun(runs, vcn);
      const within = p - vcn * clusterSize;
      if (i < 0) {
        // Unmapped (runlist cut short by damage): zeros up to the next run or the end.
        const next = runs.find((r) => r.vcn > vcn);
        const stop = next ? next.vcn * clusterSize : pos + n;
        done += Math.max(1, Math.min(n - done, stop - p));
        continue;
      }
      const r = runs[i];
      const runEnd = (r.vcn + r.length) * clusterSize;
      const take = Math.min(n - done, runEnd - p);
      if (r.lcn !== null) readVolume(volume, (r.lcn + (vcn - r.vcn)) * clusterSize + within, take, out, at + done);
      done += take;
    }
  }

  /**
   * A read that one allocated run holds whole: the volume's own bytes as it returns them, without
   * the zero-filled copy; null when it spans runs or holes.
   */
  function readWithinRun(pos: number, n: number): Buffer | null {
    const at = mappedAt(runs, clusterSize, pos);
    if (!at || pos + n > at.runEnd) return null;
    const got = volume.read(at.offset, n);
    return got.length === n ? got : null;
  }

  /** One compression unit, decompressed (or copied when stored whole, or zeros when sparse). */
  function unit(index: number): Buffer {
    if (index === cachedUnit) return cachedData;
    const firstVcn = index * unitClusters;
    let allocated = 0;
    for (let c = 0; c < unitClusters; c++) {
      const i = findRun(runs, firstVcn + c);
      if (i >= 0 && runs[i].lcn !== null) allocated++;
    }
    const raw = Buffer.alloc(unitBytes);
    let data: Buffer;
    if (allocated === 0) data = raw;
    else {
      readMapped(firstVcn * clusterSize, unitBytes, raw, 0);
      // A unit stored on every cluster is not compressed; otherwise its allocated clusters hold LZNT1 chunks.
      data = allocated === unitClusters ? raw : lznt1Decompress(raw.subarray(0, allocated * clusterSize), unitBytes, warnings);
    }
    cachedUnit = index;
    cachedData = data;
    return data;
  }

  return {
    size,
    name,
    ...(volume.fetchAhead && unitBytes === 0 ? { willRead: (position: number, length: number) => willReadStream(volume, runs, clusterSize, position, Math.min(length, size - position)) } : {}),
    read(position: number, length: number): Buffer {
      const n = checkLength(length);
      if (!(position >= 0) || position >= size || n === 0) return Buffer.alloc(0);
      const want = Math.min(n, size - position);
      if (unitBytes === 0 && position + want <= initialized) {
        const direct = readWithinRun(position, want);
        if (direct) return direct;
      }
      const out = Buffer.alloc(want);
      const mappedEnd = Math.min(position + want, initialized);
      if (mappedEnd > position) {
        if (unitBytes > 0) {
          let p = position;
          while (p < mappedEnd) {
            const u = Math.floor(p / unitBytes);
            const data = unit(u);
            const off = p - u * unitBytes;
            const take = Math.min(mappedEnd - p, unitBytes - off);
            data.copy(out, p - position, off, off + take);
            p += take;
          }
        } else readMapped(position, mappedEnd - position, out, 0);
      }
      return out;
    },
    nextDataOffset(position: number): number {
      let p = Math.max(0, position);
      while (p < size) {
        const vcn = Math.floor(p / clusterSize);
        const i = findRun(runs, vcn);
        if (i >= 0 && runs[i].lcn !== null) return p;
        if (i >= 0) p = (runs[i].vcn + runs[i].length) * clusterSize;
        else {
          const next = runs.find((r) => r.vcn > vcn);
          if (!next) return size;
          p = next.vcn * clusterSize;
        }
      }
      return size;
    },
  };
}

/** A resident value as a ByteSource. */
export function residentStream(value: Buffer, name: string): SparseAwareSource {
  return {
    size: value.length,
    name,
    read(position: number, length: number): Buffer {
      const n = checkLength(length);
      if (!(position >= 0) || position >= value.length || n === 0) return Buffer.alloc(0);
      return value.subarray(position, Math.min(value.length, position + n));
    },
    nextDataOffset: (position: number) => Math.max(0, position),
  };
}

/** Records in one window of `recordReader` (at least one). */
export function recordsPerWindow(windowBytes: number, recordSize: number): number {
  return Math.max(1, Math.floor(windowBytes / recordSize));
}

/**
 * Reads fixed-size records through a window (LIMITS.mftPassWindowBytes unless given): sequential
 * passes over an MFT make one read per window instead of one per record, and the walk's reads of
 * a directory's records, which mostly lie together, one per few records (the records are copied
 * before fixups are applied).
 */
export function recordReader(src: ByteSource, recordSize: number, windowBytes = LIMITS.mftPassWindowBytes): (entry: number) => Buffer {
  const windowRecords = recordsPerWindow(windowBytes, recordSize);
  let first = -1;
  let window: Buffer = Buffer.alloc(0);
  return (entry: number): Buffer => {
    if (first < 0 || entry < first || entry >= first + windowRecords) {
      // Aligned to the window's size: a window stays within one block of an image when the
      // stream's runs are aligned to the blocks, and can end in the next one when they are not.
      first = entry - (entry % windowRecords);
      window = src.read(first * recordSize, windowRecords * recordSize);
    }
    const at = (entry - first) * recordSize;
    return window.subarray(at, Math.min(window.length, at + recordSize));
  };
}
