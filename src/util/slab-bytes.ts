/**
 * Fresh buffers for the bytes read from each file (its head, a small read), cut from a shared slab.
 *
 * `Buffer.allocUnsafe` pools only requests below 4 KiB: a file's head (4,100 bytes, what file-type
 * wants) and a small read's page (4,096) each made an ArrayBuffer of their own, about 4 µs apiece
 * with its backing store and its tracking by the collector, twice or more per file
 * (docs/performance.md "Session 33"). A slice of a slab keeps the whole slab alive as long as it
 * lives, as a slice of Node's own pool does; the bytes of one file are let go with its inspection.
 * Never transfer such a buffer to another thread (it would detach the slab); a structured clone
 * copies the whole slab, so copy it first (`ownedCopy`).
 */

/** Bytes in one slab: 15 heads (at most this much is held alive by one forgotten slice). */
const SLAB_BYTES = 64 * 1024;
/** Requests larger than this get a buffer of their own (their allocation is no longer the cost). */
const MAX_SLICE_BYTES = 8 * 1024;

let slab: Buffer<ArrayBuffer> | null = null;
let used = 0;

/** An uninitialised buffer of `length` bytes, as `Buffer.allocUnsafe` gives it (the caller fills it). */
export function slabBytes(length: number): Buffer<ArrayBuffer> {
  if (length > MAX_SLICE_BYTES) return Buffer.allocUnsafe(length);
  if (slab === null || used + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + length);
  // The next slice starts 8-aligned, as typed-array views over the bytes want.
  used += (length + 7) & ~7;
  return out;
}

/** `bytes` in a buffer of its own, to be posted to another thread without its slab. */
export function ownedCopy(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}
