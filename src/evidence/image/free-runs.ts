/**
 * Runs of free allocation units from an allocation bitmap read piece by piece (a set bit: in use),
 * as NTFS's $Bitmap and ext's per-group block bitmaps keep them: what carving reads. A piece that
 * could not be read, or that the file system says it never allocated from, closes a run.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { FreeSpace } from '../fs.js';
import { sliceSource } from './container/block-source.js';

export interface FreeRun {
  first: number;
  length: number;
}

export class FreeRunBuilder {
  /** First unit of the run being built, -1 between runs. */
  private start = -1;

  /** The bits of `bitmap` (bit 0 of byte 0 first) for units [base, base + count); yields the runs they close. */
  *add(bitmap: Buffer, base: number, count: number): Generator<FreeRun> {
    const n = Math.min(count, bitmap.length * 8);
    for (let i = 0; i < n; ) {
      const b = bitmap[i >> 3]!;
      // A whole byte at once where it is all free or all in use (most of a bitmap).
      const whole = (i & 7) === 0 && i + 8 <= n && (b === 0 || b === 0xff);
      const free = whole ? b === 0 : ((b >> (i & 7)) & 1) === 0;
      if (free && this.start < 0) this.start = base + i;
      else if (!free && this.start >= 0) {
        yield { first: this.start, length: base + i - this.start };
        this.start = -1;
      }
      i += whole ? 8 : 1;
    }
  }

  /** Units from `at` on are not read as free (an unread piece, or the end): the run being built ends there. */
  *close(at: number): Generator<FreeRun> {
    if (this.start >= 0 && at > this.start) yield { first: this.start, length: at - this.start };
    this.start = -1;
  }
}

/**
 * A volume's free space whose units lie in order in the partition (ext blocks; FAT and exFAT clusters,
 * numbered from 2 after the FAT): units below `end`, unit `n` at `offsetOf(n)`; a carve's bytes are read
 * contiguously from its first unit.
 */
export function unitSpace(part: ByteSource, unit: { size: number; name: FreeSpace['unitName']; end: number; offsetOf(n: number): number }, runs: () => Iterable<FreeRun>): FreeSpace {
  return {
    unitSize: unit.size,
    unitName: unit.name,
    byteOffset: unit.offsetOf,
    runs,
    open: (first, bytes) => {
      const src = sliceSource(part, unit.offsetOf(first), Math.max(0, Math.min(bytes, (unit.end - first) * unit.size)), `${unit.name}s from ${first}`);
      return Object.assign(src, { close: () => undefined, willRead: (position: number, length: number) => src.fetchAhead?.willRead(position, length) });
    },
  };
}
