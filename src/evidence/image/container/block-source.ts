/**
 * A ByteSource assembled from fixed-size blocks (EWF chunks, VHD/VHDX blocks, VMDK grains, QCOW2
 * clusters), each fetched on demand by the container's reader and kept in a small LRU cache.
 * Every container reader only has to answer "what are the bytes of block i" (null = zeros).
 */
import { LIMITS } from '../../../util/limits.js';
import type { ByteSource, FetchAhead } from '../../../util/byte-source.js';
import { BlockFetcher, type BlockLocation } from './block-fetch.js';

/** Bytes of decoded blocks kept per container (a few MiB: enough for directory and table re-reads). */
export const BLOCK_CACHE_BYTES = 16 * 1024 * 1024;

export interface BlockReader {
  name: string;
  /** Logical media size in bytes. */
  size: number;
  blockSize: number;
  /** The block's bytes (may be shorter than blockSize: the rest reads as zeros), or null for a sparse/unallocated block. */
  readBlock(index: number): Buffer | null;
  /**
   * Where block `index` lies in an evidence file, for a worker to read and decode it ahead
   * (block-fetch.ts) exactly as `readBlock` would; null: only `readBlock` can (sparse, damaged,
   * not in a file). Absent: the container's blocks are not fetched ahead.
   */
  locate?(index: number): BlockLocation | null;
}

export function blockSource(reader: BlockReader): ByteSource {
  const { size, blockSize } = reader;
  // The decoded blocks live in one buffer, a place per block, reused as blocks are let go (least
  // recently read first); reads copy out of it. A fresh buffer per decoded block outlived the
  // collector's young generation in the cache and was freed only by a full collection: 100 MB and
  // more of them waited at a time in a 100,000-file E01 scan (docs/performance.md).
  const places = Math.max(1, Math.min(Math.max(4, Math.floor(BLOCK_CACHE_BYTES / blockSize)), Math.ceil(size / blockSize)));
  const placeOf = new Map<number, number>();
  const freePlaces: number[] = [];
  let unused = 0;
  let slab: Buffer | null = null;
  /** The place holding block `i`, read and decoded into it when it is not there. */
  const placeOfBlock = (i: number): number => {
    const hit = placeOf.get(i);
    if (hit !== undefined) {
      placeOf.delete(i);
      placeOf.set(i, hit);
      return hit;
    }
    slab ??= Buffer.allocUnsafeSlow(places * blockSize);
    let place = freePlaces.pop();
    if (place === undefined) {
      if (unused < places) place = unused++;
      else {
        const [oldest, itsPlace] = placeOf.entries().next().value as [number, number];
        placeOf.delete(oldest);
        place = itsPlace;
      }
    }
    const at = place * blockSize;
    try {
      // The fetcher copies the block into its place; a block handed over elsewhere is copied here.
      const data = fetcher?.take(i, slab, at) ?? reader.readBlock(i);
      const inPlace = data !== null && data.buffer === slab.buffer && data.byteOffset === slab.byteOffset + at;
      const n = data === null ? 0 : inPlace ? Math.min(data.length, blockSize) : data.copy(slab, at, 0, Math.min(data.length, blockSize));
      if (n < blockSize) slab.fill(0, at + n, at + blockSize);
    } catch (err) {
      freePlaces.push(place);
      throw err;
    }
    placeOf.set(i, place);
    return place;
  };
  let fetcher: BlockFetcher | null = null;
  const locate = reader.locate?.bind(reader);
  const fetchAhead: FetchAhead | undefined =
    locate && BlockFetcher.available(blockSize)
      ? {
          start(): Promise<void> | null {
            // Another file system of the same image asking again: the thread is there (or gone).
            if (fetcher) return fetcher.running ? Promise.resolve() : null;
            fetcher = new BlockFetcher(blockSize, locate);
            return fetcher.start();
          },
          willRead(position: number, length: number): void {
            if (!fetcher?.running || !(length > 0) || position < 0 || position >= size) return;
            const last = Math.floor((Math.min(size, position + length) - 1) / blockSize);
            for (let i = Math.floor(position / blockSize); i <= last; i++) {
              const place = placeOf.get(i);
              if (place === undefined) fetcher.hint(i);
              else {
                // Decoded already: made the most recently used, so that it is still here when read.
                placeOf.delete(i);
                placeOf.set(i, place);
              }
            }
          },
          stop(): void {
            fetcher?.stop();
          },
        }
      : undefined;
  return {
    size,
    name: reader.name,
    fetchAhead,
    read(position: number, length: number): Buffer {
      if (!Number.isFinite(length) || length <= 0 || position < 0 || position >= size) return Buffer.alloc(0);
      if (length > LIMITS.maxReadBytes) throw new RangeError(`read of ${length} bytes exceeds limit ${LIMITS.maxReadBytes}`);
      const end = Math.min(size, position + Math.floor(length));
      // A copy, never a view: a place is reused for another block while a caller may hold what it read.
      const out = Buffer.allocUnsafe(end - position);
      let pos = position;
      while (pos < end) {
        const i = Math.floor(pos / blockSize);
        const within = pos - i * blockSize;
        const n = Math.min(blockSize - within, end - pos);
        const at = placeOfBlock(i) * blockSize + within;
        slab!.copy(out, pos - position, at, at + n);
        pos += n;
      }
      return out;
    },
  };
}

/** Several sources one after the other (split raw segments, VMDK extents). */
export function concatSources(parts: ByteSource[], name: string): ByteSource {
  const starts: number[] = [];
  let total = 0;
  for (const p of parts) {
    starts.push(total);
    total += p.size;
  }
  return {
    size: total,
    name,
    read(position: number, length: number): Buffer {
      if (!Number.isFinite(length) || length <= 0 || position < 0 || position >= total) return Buffer.alloc(0);
      if (length > LIMITS.maxReadBytes) throw new RangeError(`read of ${length} bytes exceeds limit ${LIMITS.maxReadBytes}`);
      const end = Math.min(total, position + Math.floor(length));
      let pos = position;
      // binary search for the first part holding `pos`
      let lo = 0;
      let hi = parts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= pos) lo = mid;
        else hi = mid - 1;
      }
      // Inside one part (nearly every read): that part's bytes as they come, no copy.
      if (end - starts[lo]! <= parts[lo]!.size) {
        const got = parts[lo]!.read(pos - starts[lo]!, end - pos);
        if (got.length === end - pos) return got;
      }
      const out = Buffer.alloc(end - position);
      for (let k = lo; k < parts.length && pos < end; k++) {
        const within = pos - starts[k]!;
        const n = Math.min(parts[k]!.size - within, end - pos);
        if (n <= 0) continue;
        const got = parts[k]!.read(within, n);
        got.copy(out, pos - position);
        pos += n; // a short read leaves zeros
      }
      return out;
    },
  };
}

/** A window [offset, offset+length) of a source: a partition of a disk. */
export function sliceSource(src: ByteSource, offset: number, length: number, name: string): ByteSource {
  const size = Math.max(0, Math.min(length, src.size - offset));
  const ahead = src.fetchAhead;
  return {
    size,
    name,
    fetchAhead: ahead && {
      start: () => ahead.start(),
      willRead(position: number, len: number): void {
        if (position >= 0 && position < size) ahead.willRead(offset + position, Math.min(len, size - position));
      },
      stop: () => ahead.stop(),
    },
    read(position: number, len: number): Buffer {
      if (!Number.isFinite(len) || len <= 0 || position < 0 || position >= size) return Buffer.alloc(0);
      return src.read(offset + position, Math.min(len, size - position));
    },
  };
}

/** Reads exactly `length` bytes or returns null (truncated structure). */
export function readExact(src: ByteSource, position: number, length: number): Buffer | null {
  if (position < 0 || length < 0 || position + length > src.size) return null;
  const b = src.read(position, length);
  return b.length === length ? b : null;
}
