/**
 * What RAR 5's and RAR 2.9's decoders share about their output: the stream's whole output kept in
 * one growing array (a match reaches back into it, a solid archive's next file continues it; the
 * caller's `max` bounds it), and the result of one file.
 */

export interface Unpacked {
  data: Buffer;
  /** Set when the stream is damaged or cut; `data` is what decoded before. */
  error: string | null;
  /** The output reached the stream's `max` before the file's end. */
  cut: boolean;
}

/** Damage met while decoding: the file's result is what decoded before it, with this message. */
export class UnpackDamage extends Error {}

export class StreamOutput {
  buf: Uint8Array = new Uint8Array(0);
  end = 0;

  constructor(readonly max: number) {}

  /**
   * A file's start in the stream and where its output stops: its size (null: the header does not
   * say) or the stream's `max`, whichever comes first; room is made for it.
   */
  beginFile(size: number | null): { start: number; limit: number } {
    const start = this.end;
    const limit = size === null ? this.max : Math.min(this.max, start + size);
    this.reserve(limit);
    return { start, limit };
  }

  private reserve(limit: number): void {
    if (this.buf.length >= limit) return;
    // Geometric growth: a solid archive of many small files does not copy its stream once per file.
    const grown = new Uint8Array(Math.min(this.max, Math.max(limit, this.buf.length * 2)));
    grown.set(this.buf.subarray(0, this.end));
    this.buf = grown;
  }

  /**
   * A match: `length` bytes from `distance` back, byte by byte (it may overlap what it writes, a
   * run), up to `limit`. Returns false when `limit` cut it short.
   */
  copy(distance: number, length: number, limit: number): boolean {
    if (distance > this.end || distance <= 0) throw new UnpackDamage(`a match ${distance} bytes back where the stream has ${this.end}`);
    const w = this.buf;
    const n = Math.min(length, limit - this.end);
    let at = this.end;
    for (let i = 0, from = at - distance; i < n; i++) w[at++] = w[from + i]!;
    this.end = at;
    return n === length;
  }
}

/**
 * What both decoders keep across a solid archive's files: the output, the last four match distances
 * (none yet: any use of one before a match is damage) and the last match's length.
 */
export abstract class LzStream {
  protected readonly out: StreamOutput;
  protected readonly oldDist = [NO_DISTANCE, NO_DISTANCE, NO_DISTANCE, NO_DISTANCE];
  protected lastLength = 0;

  /** @param max the output the whole stream may reach (the caller's budget): past it a file is `cut`. */
  constructor(max: number) {
    this.out = new StreamOutput(max);
  }

  /** Decodes one file's packed data, continuing the stream. `size` is the header's unpacked size (null when it does not say). */
  abstract decodeFile(packed: Uint8Array, size: number | null): Unpacked;
}

/** A distance past any output: the copy refuses it. */
const NO_DISTANCE = Number.MAX_SAFE_INTEGER;

/** A file's bytes as a Buffer over `data` (no copy). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
