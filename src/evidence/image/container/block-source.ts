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
  const cache = new Map<number, Buffer>();
  const maxCached = Math.max(4, Math.floor(BLOCK_CACHE_BYTES / blockSize));
  const zero = Buffer.alloc(blockSize);
  const block = (i: number): Buffer => {
    const hit = cache.get(i);
    if (hit) {
      cache.delete(i);
      cache.set(i, hit);
      return hit;
    }
    let data = fetcher?.take(i) ?? reader.readBlock(i) ?? zero;
    if (data.length < blockSize) {
      const whole = Buffer.alloc(blockSize);
      data.copy(whole);
      data = whole;
    } else if (data.length > blockSize) data = data.subarray(0, blockSize);
    cache.set(i, data);
    if (cache.size > maxCached) cache.delete(cache.keys().next().value as number);
    return data;
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
            for (let i = Math.floor(position / blockSize); i <= last; i++) if (!cache.has(i)) fetcher.hint(i);
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
      const first = Math.floor(position / blockSize);
      // Within one block (head reads, MFT records, clusters): a view of the cached block, no copy.
      // Sources are read-only to their callers (as bufferSource's views already are).
      if (Math.floor((end - 1) / blockSize) === first) {
        const within = position - first * blockSize;
        return block(first).subarray(within, within + (end - position));
      }
      const out = Buffer.allocUnsafe(end - position);
      let pos = position;
      while (pos < end) {
        const i = Math.floor(pos / blockSize);
        const within = pos - i * blockSize;
        const n = Math.min(blockSize - within, end - pos);
        block(i).copy(out, pos - position, within, within + n);
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
