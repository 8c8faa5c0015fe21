/**
 * The decoders that decode into one flat buffer (no streaming form): xz (LZMA2 blocks), lzip (LZMA)
 * and LZ4 frames, each bounded by the caller's output size; shared by the archive listing's look
 * inside a compressed file (inner-tar.ts) and the YARA rules' whole-stream reader (whole.ts).
 */
import { decodeLzma, decodeLzma2 } from '../sevenzip/lzma.js';

const LZ4_MAGIC = 0x184d2204;

export interface Decompressed {
  data: Buffer;
  /** The stream holds more than `maxOutput` bytes: `data` is its first `maxOutput` (or, for zlib's formats, nothing). */
  cut: boolean;
  /** Why decoding stopped before the stream's end (damage, an unsupported variant); null when clean. */
  error: string | null;
}

/** Chunks collected up to a bound: the streaming decoders' sink. */
export class BoundedSink {
  readonly parts: Buffer[] = [];
  length = 0;
  cut = false;
  constructor(private readonly max: number) {}
  /** Keeps what fits; false once the bound is reached. */
  push(chunk: Buffer): boolean {
    const room = this.max - this.length;
    if (chunk.length > room) {
      if (room > 0) this.parts.push(Buffer.from(chunk.subarray(0, room)));
      this.length = this.max;
      this.cut = true;
      return false;
    }
    this.parts.push(Buffer.from(chunk));
    this.length += chunk.length;
    return true;
  }
  result(error: string | null): Decompressed {
    return { data: this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length), cut: this.cut, error };
  }
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
/** Bytes of a block's check by the stream's check type (xz file format 1.1.0, 2.1.1.2: reserved types keep their size class). */
const XZ_CHECK_BYTES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

/** An xz multibyte integer at `at` within `end`: its value and the position after it; null when cut or over 9 bytes. */
function xzVarint(b: Buffer, at: number, end: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 9 && at + i < end; i++) {
    const byte = b[at + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return null;
}

/**
 * xz: every stream (concatenated ones continue: pxz, xz -T, cat a.xz b.xz), every block of each
 * (LZMA2 alone; a BCJ filter is said), then the index and footer skipped by their sizes.
 */
export function xzStreams(input: Buffer, maxOutput: number): Decompressed {
  const sink = new BoundedSink(maxOutput);
  let at = 0;
  while (at + 12 <= input.length && input.subarray(at, at + 6).equals(XZ_MAGIC)) {
    const checkBytes = XZ_CHECK_BYTES[input[at + 7]! & 0x0f]!;
    at += 12;
    while (at < input.length && input[at] !== 0x00) {
      const headerSize = (input[at]! + 1) * 4;
      if (at + headerSize > input.length) return sink.result('xz block header cut');
      const flags = input[at + 1]!;
      let p = at + 2;
      let unpacked: number | null = null;
      for (const bit of [0x40, 0x80]) {
        if (!(flags & bit)) continue;
        const v = xzVarint(input, p, at + headerSize);
        if (!v) return sink.result('xz block header damaged');
        if (bit === 0x80) unpacked = v.value;
        p = v.next;
      }
      if ((flags & 0x03) !== 0 || input[p] !== 0x21) return sink.result('xz block uses filters other than LZMA2 alone (e.g. BCJ): not decompressed');
      const room = maxOutput - sink.length;
      // The block's declared size when it has one: the decoder's buffer is no larger than the block.
      const want = unpacked === null ? room + 1 : Math.min(unpacked, room + 1);
      const r = decodeLzma2(input.subarray(at + headerSize), want, true);
      if (!sink.push(r.data) || (unpacked !== null && unpacked > room)) return { ...sink.result(null), cut: true };
      if (r.error) return sink.result(`xz: ${r.error}`);
      // Block padding to four bytes, then the check.
      at += Math.ceil((headerSize + r.consumed) / 4) * 4 + checkBytes;
    }
    // The index: indicator, record count, records (unpadded and uncompressed sizes), padding, CRC32; then the 12-byte footer.
    const count = xzVarint(input, at + 1, input.length);
    if (!count) break;
    let p = count.next;
    for (let i = 0; i < count.value && p < input.length; i++) {
      for (let k = 0; k < 2; k++) {
        const v = xzVarint(input, p, input.length);
        if (!v) return sink.result('xz index damaged');
        p = v.next;
      }
    }
    at += Math.ceil((p - at) / 4) * 4 + 4 + 12;
    // Stream padding: zero bytes in fours.
    while (at + 4 <= input.length && input.readUInt32LE(at) === 0) at += 4;
  }
  return sink.result(null);
}

/** xz: stream header, one block whose only filter is LZMA2, then the LZMA2 chunks (`prefixOnly`: decodeLzma2). */
export function xzDecode(input: Buffer, maxOutput: number, warnings: string[], prefixOnly = false): Buffer {
  if (input.length < 12 + 8) return Buffer.alloc(0);
  const headerSize = (input[12]! + 1) * 4;
  if (headerSize < 8 || 12 + headerSize > input.length) return (warnings.push('xz block header out of range'), Buffer.alloc(0));
  const flags = input[13]!;
  const filters = (flags & 0x03) + 1;
  let at = 14;
  // Optional compressed / uncompressed sizes (multibyte integers).
  for (const bit of [0x40, 0x80]) if (flags & bit) while (at < 12 + headerSize && input[at++]! & 0x80);
  const filterId = input[at];
  if (filters !== 1 || filterId !== 0x21) return (warnings.push('xz block uses filters other than LZMA2 alone (e.g. BCJ): inner format not checked'), Buffer.alloc(0));
  const r = decodeLzma2(input.subarray(12 + headerSize), maxOutput, prefixOnly);
  if (r.error && r.data.length === 0) warnings.push(`xz: ${r.error}`);
  return r.data;
}

/** lzip: 'LZIP', version 1, coded dictionary size, then an LZMA stream with lc=3 lp=0 pb=2. */
export function lzipDecode(input: Buffer, maxOutput: number, warnings: string[]): Buffer {
  if (input.length < 6 + 5 || input[4] !== 1) return (warnings.push('lzip header is not version 1'), Buffer.alloc(0));
  const coded = input[5]!;
  const dict = 2 ** (coded & 0x1f) - (2 ** (coded & 0x1f) / 16) * (coded >>> 5);
  const props = Buffer.alloc(5);
  props[0] = 0x5d; // (pb * 5 + lp) * 9 + lc = (2 * 5 + 0) * 9 + 3
  props.writeUInt32LE(Math.min(dict, 0xffffffff) >>> 0, 1);
  const r = decodeLzma(input.subarray(6), props, maxOutput);
  if (r.error && r.data.length === 0) warnings.push(`lzip: ${r.error}`);
  return r.data;
}

/**
 * LZ4 frame format (lz4_Frame_format.md): magic, FLG, BD, optional content size and dictionary
 * id, header checksum; then blocks (u32 size, high bit = stored) until a zero size. Decoded
 * into one flat buffer capped at `maxOutput`, so linked blocks see their history.
 */
export function lz4Decode(input: Buffer, maxOutput: number, warnings: string[]): Buffer {
  if (input.length < 7 || input.readUInt32LE(0) !== LZ4_MAGIC) return (warnings.push('not an LZ4 frame (legacy frames are not listed)'), Buffer.alloc(0));
  const out = Buffer.alloc(maxOutput);
  let o = 0;
  let at = 0;
  // Concatenated frames continue (lz4 -c a b, or a frame per write): each frame's blocks, then its end mark and optional checksum.
  while (at + 7 <= input.length && input.readUInt32LE(at) === LZ4_MAGIC && o < out.length) {
    const flg = input[at + 4]!;
    at += 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
    const blockChecksum = (flg & 0x10) !== 0;
    let ended = false;
    while (at + 4 <= input.length && o < out.length) {
      const word = input.readUInt32LE(at);
      at += 4;
      if (word === 0) {
        ended = true;
        break;
      }
      const size = word & 0x7fffffff;
      const end = Math.min(input.length, at + size);
      if (word & 0x80000000) {
        const n = Math.min(end - at, out.length - o);
        input.copy(out, o, at, at + n);
        o += n;
      } else {
        o = lz4Block(input, at, end, out, o);
        if (o < 0) return (warnings.push('LZ4 block damaged'), out.subarray(0, -o - 1));
      }
      at = end + (blockChecksum ? 4 : 0);
    }
    if (!ended) break;
    at += flg & 0x04 ? 4 : 0;
  }
  return out.subarray(0, o);
}

/** One LZ4 block into out from o; returns the new output position, or -(pos + 1) on damage. */
function lz4Block(src: Buffer, at: number, end: number, out: Buffer, o: number): number {
  while (at < end) {
    const token = src[at++]!;
    let lit = token >>> 4;
    if (lit === 15) for (let b = 255; b === 255 && at < end; lit += b) b = src[at++]!;
    if (at + lit > end) return -(o + 1);
    const n = Math.min(lit, out.length - o);
    src.copy(out, o, at, at + n);
    o += n;
    at += lit;
    if (o >= out.length || at >= end) return o; // the last sequence has literals only
    if (at + 2 > end) return -(o + 1);
    const offset = src.readUInt16LE(at);
    at += 2;
    if (offset === 0 || offset > o) return -(o + 1);
    let len = (token & 15) + 4;
    if ((token & 15) === 15) for (let b = 255; b === 255 && at < end; len += b) b = src[at++]!;
    const m = Math.min(len, out.length - o);
    for (let i = 0; i < m; i++, o++) out[o] = out[o - offset]!;
    if (o >= out.length) return o;
  }
  return o;
}
