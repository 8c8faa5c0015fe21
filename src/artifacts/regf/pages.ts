/**
 * A hive's bytes read through its ByteSource a page at a time, with a bounded cache of recent
 * pages. Cells point anywhere in the file, so the walk needs random access, but not the whole
 * file in memory: a hive of 1 GiB is walked with at most MAX_CACHED_PAGES * PAGE_BYTES of it held.
 * The reads are a Buffer's (layout.ts reads a `HiveBytes`), with a Buffer's bounds: a numeric read
 * outside the hive throws RangeError (layout.ts checks offsets first), strings and slices clamp.
 */
import type { ByteSource } from '../../util/byte-source.js';

/** Largest hive read; a bigger file is read up to this size, with a warning (parse.ts). */
export const MAX_HIVE_BYTES = 1024 * 1024 * 1024;
/** Hive bins are 4 KiB multiples; a 64 KiB page holds a run of them (one read syscall per page). */
const PAGE_BYTES = 64 * 1024;
/** Pages kept (16 MiB): a key's cells usually sit in the same few bins, so a small cache keeps most reads in memory. */
const MAX_CACHED_PAGES = 256;

/** The reads layout.ts makes on a hive: a Buffer has them, and so does PagedHive. */
export interface HiveBytes {
  readonly length: number;
  readUInt16LE(pos: number): number;
  readUInt32LE(pos: number): number;
  readInt32LE(pos: number): number;
  readBigUInt64LE(pos: number): bigint;
  toString(encoding: 'latin1' | 'utf16le', start: number, end: number): string;
  /** Bytes [start, end), clamped to the hive. A PagedHive copies them: a record never holds a page. */
  subarray(start: number, end: number): Buffer;
}

/** Page size and count of the cache (the defaults, or tiny ones in tests to force every boundary and eviction). */
export interface PageCacheSize {
  pageBytes: number;
  maxPages: number;
}

export class PagedHive implements HiveBytes {
  readonly length: number;
  /** Page index -> bytes, in least-recently-used order (a Map keeps insertion order). */
  private readonly pages = new Map<number, Buffer>();
  private lastIndex = -1;
  private lastPage: Buffer = Buffer.alloc(0);

  private readonly pageBytes: number;
  private readonly maxPages: number;

  constructor(private readonly src: ByteSource, cache: PageCacheSize = { pageBytes: PAGE_BYTES, maxPages: MAX_CACHED_PAGES }) {
    this.length = Math.min(src.size, MAX_HIVE_BYTES);
    this.pageBytes = Math.max(8, cache.pageBytes);
    this.maxPages = Math.max(1, cache.maxPages);
  }

  readUInt16LE(pos: number): number {
    const off = this.fixed(pos, 2);
    return off >= 0 ? this.lastPage.readUInt16LE(off) : this.span(pos, pos + 2).readUInt16LE(0);
  }

  readUInt32LE(pos: number): number {
    const off = this.fixed(pos, 4);
    return off >= 0 ? this.lastPage.readUInt32LE(off) : this.span(pos, pos + 4).readUInt32LE(0);
  }

  readInt32LE(pos: number): number {
    const off = this.fixed(pos, 4);
    return off >= 0 ? this.lastPage.readInt32LE(off) : this.span(pos, pos + 4).readInt32LE(0);
  }

  readBigUInt64LE(pos: number): bigint {
    const off = this.fixed(pos, 8);
    return off >= 0 ? this.lastPage.readBigUInt64LE(off) : this.span(pos, pos + 8).readBigUInt64LE(0);
  }

  toString(encoding: 'latin1' | 'utf16le', start: number, end: number): string {
    const [s, e] = this.clamp(start, end);
    if (s >= e) return '';
    const index = Math.floor(s / this.pageBytes);
    if (Math.floor((e - 1) / this.pageBytes) === index) {
      const base = index * this.pageBytes;
      return this.page(index).toString(encoding, s - base, e - base);
    }
    return this.span(s, e).toString(encoding);
  }

  subarray(start: number, end: number): Buffer {
    const [s, e] = this.clamp(start, end);
    return s >= e ? Buffer.alloc(0) : this.span(s, e);
  }

  /**
   * For a fixed-size read of `n` bytes at `pos`: the offset in `lastPage` when the read fits in one
   * page (that page is then `lastPage`), -1 when it crosses a page boundary. Out of the hive throws.
   */
  private fixed(pos: number, n: number): number {
    if (!Number.isInteger(pos) || pos < 0 || pos + n > this.length) {
      throw new RangeError(`hive read of ${n} bytes at ${pos} is outside its ${this.length} bytes`);
    }
    const index = Math.floor(pos / this.pageBytes);
    const off = pos - index * this.pageBytes;
    if (off + n > this.pageBytes) return -1;
    this.page(index);
    return off;
  }

  private clamp(start: number, end: number): [number, number] {
    const s = Math.max(0, Math.min(this.length, Math.floor(start) || 0));
    const e = Math.max(s, Math.min(this.length, Math.floor(end) || 0));
    return [s, e];
  }

  /** A copy of bytes [s, e) (within the hive), gathered page by page. */
  private span(s: number, e: number): Buffer {
    const out = Buffer.allocUnsafe(e - s);
    let pos = s;
    while (pos < e) {
      const index = Math.floor(pos / this.pageBytes);
      const base = index * this.pageBytes;
      const page = this.page(index);
      const take = Math.min(e, base + page.length) - pos;
      page.copy(out, pos - s, pos - base, pos - base + take);
      pos += take;
    }
    return out;
  }

  private page(index: number): Buffer {
    if (index === this.lastIndex) return this.lastPage;
    let page = this.pages.get(index);
    if (page) {
      this.pages.delete(index); // most recently used goes last
    } else {
      const start = index * this.pageBytes;
      const want = Math.min(this.pageBytes, this.length - start);
      page = this.src.read(start, want);
      // The source's size was taken when it was opened; a file that shrank since cannot be read as it was.
      if (page.length < want) throw new RangeError(`hive shrank while read: ${page.length} of ${want} bytes at ${start}`);
      if (this.pages.size >= this.maxPages) this.pages.delete(this.pages.keys().next().value!);
    }
    this.pages.set(index, page);
    this.lastIndex = index;
    this.lastPage = page;
    return page;
  }
}
