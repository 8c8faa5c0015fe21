/**
 * A read-ahead window over a ByteSource so parsers that walk many small records (ZIP central
 * directory, tar headers, CAB CFFILE entries) make few reads. Never reads more than WINDOW_BYTES.
 */
import type { ByteSource } from '../../util/byte-source.js';

const WINDOW_BYTES = 1024 * 1024;

export class WindowReader {
  private start = 0;
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly src: ByteSource) {}

  get size(): number {
    return this.src.size;
  }

  /** Up to `length` bytes at `position` (fewer at end of data). `length` must be <= WINDOW_BYTES. */
  get(position: number, length: number): Buffer {
    if (position < 0 || length <= 0 || position >= this.src.size) return Buffer.alloc(0);
    const want = Math.min(length, WINDOW_BYTES);
    const end = position + want;
    if (position < this.start || end > this.start + this.buf.length) {
      this.start = position;
      this.buf = this.src.read(position, Math.max(want, WINDOW_BYTES));
    }
    return this.buf.subarray(position - this.start, Math.min(this.buf.length, end - this.start));
  }
}

export const MAX_WINDOW_READ = WINDOW_BYTES;
