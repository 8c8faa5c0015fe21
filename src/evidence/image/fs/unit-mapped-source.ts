/**
 * A file's content as a ByteSource when its file system maps it in fixed units (ext blocks, FAT
 * clusters). Shared by the ext and FAT readers so the bounds and the run merging live in one place.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { LIMITS } from '../../../util/limits.js';

/** Units merged into one read at most (4096 x 4 KiB = 16 MiB). */
const MAX_RUN_UNITS = 4096;

/**
 * `offsetOf(unit)` gives the partition byte offset of logical unit `unit`, or null for a hole or a
 * unit past the map (read as zeros). Physically contiguous units are read in one call.
 */
export function unitMappedSource(part: ByteSource, size: number, name: string, unitSize: number, offsetOf: (unit: number) => number | null): ByteSource {
  return {
    size,
    name,
    read: (position: number, length: number): Buffer => {
      if (!Number.isFinite(length) || length <= 0 || position < 0 || position >= size) return Buffer.alloc(0);
      if (length > LIMITS.maxReadBytes) throw new RangeError(`read of ${length} bytes exceeds limit ${LIMITS.maxReadBytes}`);
      const end = Math.min(size, position + Math.floor(length));
      const out = Buffer.alloc(end - position);
      let pos = position;
      while (pos < end) {
        const unit = Math.floor(pos / unitSize);
        const within = pos - unit * unitSize;
        const offset = offsetOf(unit);
        let run = 1;
        const maxRun = Math.min(MAX_RUN_UNITS, Math.ceil((end - unit * unitSize) / unitSize));
        if (offset !== null) while (run < maxRun && offsetOf(unit + run) === offset + run * unitSize) run++;
        const n = Math.min(run * unitSize - within, end - pos);
        if (offset !== null) part.read(offset + within, n).copy(out, pos - position);
        pos += n;
      }
      return out;
    },
  };
}
