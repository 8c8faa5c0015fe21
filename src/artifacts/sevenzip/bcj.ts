/**
 * The x86 branch filter (7-Zip's "BCJ", xz's x86 filter), decoding direction: the encoder turned
 * the relative targets of CALL (E8) and JMP (E9) instructions into absolute ones so that repeated
 * calls compress better; this turns them back. The state machine (which bytes before an E8/E9 make
 * it a likely instruction) follows the format's public description (xz's simple/x86.c, 7-Zip's
 * Bra86.c). Whole-buffer: a member's block is decoded at once, from position 0.
 */

/** Whether a target's high byte is one the encoder converts (0x00 or 0xFF: a near target). */
function nearByte(b: number): boolean {
  return b === 0x00 || b === 0xff;
}

/** Masks of the three bytes before an E8/E9 under which it is converted. */
const ALLOWED = [true, true, true, false, true, false, false, false];
/** For a mask, the byte of the target tested again after a conversion. */
const BIT_NUMBER = [0, 1, 2, 2, 3, 3, 3, 3];

/** Decodes `buf` in place (its first byte at stream position 0); the last four bytes are never converted. */
export function x86BranchDecode(buf: Buffer): void {
  let prevMask = 0;
  let prevPos = -5;
  const limit = buf.length - 5;
  let pos = 0;
  while (pos <= limit) {
    const op = buf[pos]!;
    if (op !== 0xe8 && op !== 0xe9) {
      pos++;
      continue;
    }
    const gap = pos - prevPos;
    prevPos = pos;
    if (gap > 5) prevMask = 0;
    else for (let i = 0; i < gap; i++) prevMask = ((prevMask & 0x77) << 1) & 0xff;
    const high = buf[pos + 4]!;
    if (nearByte(high) && ALLOWED[(prevMask >>> 1) & 7] && prevMask >>> 1 < 0x10) {
      let src = ((high << 24) | (buf[pos + 3]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 1]!) >>> 0;
      let dest: number;
      for (;;) {
        dest = (src - (pos + 5)) >>> 0;
        if (prevMask === 0) break;
        const i = BIT_NUMBER[prevMask >>> 1]!;
        if (!nearByte((dest >>> (24 - i * 8)) & 0xff)) break;
        src = (dest ^ (2 ** (32 - i * 8) - 1)) >>> 0;
      }
      buf[pos + 4] = (dest >>> 24) & 1 ? 0xff : 0x00;
      buf[pos + 3] = (dest >>> 16) & 0xff;
      buf[pos + 2] = (dest >>> 8) & 0xff;
      buf[pos + 1] = dest & 0xff;
      pos += 5;
      prevMask = 0;
    } else {
      pos++;
      prevMask |= 1;
      if (nearByte(high)) prevMask |= 0x10;
    }
  }
}

/** BCJ2's range decoder: LZMA's (11-bit probabilities, shift 5, normalised below 2^24). */
class Bcj2Range {
  private range = 0xffffffff;
  private code = 0;
  private at = 0;
  constructor(private readonly input: Buffer) {
    for (let i = 0; i < 5; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }
  private next(): number {
    return this.at < this.input.length ? this.input[this.at++]! : 0;
  }
  /** Decodes one bit with probability `probs[i]` and updates it. */
  bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> 11) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      bit = 0;
    } else {
      this.range = (this.range - bound) >>> 0;
      this.code = (this.code - bound) >>> 0;
      probs[i] = p - (p >>> 5);
      bit = 1;
    }
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return bit;
  }
}

/**
 * 7-Zip's BCJ2 filter (its `-mx9` choice for programs), decoding direction: the main stream with
 * the branch targets taken out; CALL targets in `call`, JMP/Jcc targets in `jump` (big-endian,
 * absolute), and a range-coded stream saying which E8/E9/0F 8x bytes were converted. At most
 * `size` bytes out; a stream that runs short ends the output (the caller compares with the size).
 */
export function bcj2Decode(main: Buffer, call: Buffer, jump: Buffer, rc: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size);
  // 256 contexts for E8 by the byte before it, one for E9, one for the Jcc forms.
  const probs = new Uint16Array(258).fill(1024);
  const range = new Bcj2Range(rc);
  let o = 0;
  let m = 0;
  let c = 0;
  let j = 0;
  let prev = 0;
  while (o < size) {
    // Plain bytes up to and including the next branch opcode.
    let b = -1;
    while (m < main.length && o < size) {
      b = main[m++]!;
      out[o++] = b;
      if ((b & 0xfe) === 0xe8 || (prev === 0x0f && (b & 0xf0) === 0x80)) break;
      prev = b;
      b = -1;
    }
    if (b < 0 || o >= size) break;
    const ctx = b === 0xe8 ? prev : b === 0xe9 ? 256 : 257;
    if (range.bit(probs, ctx) === 0) {
      prev = b;
      continue;
    }
    const from = b === 0xe8 ? call : jump;
    const at = b === 0xe8 ? c : j;
    if (at + 4 > from.length) break;
    const src = from.readUInt32BE(at);
    if (b === 0xe8) c += 4;
    else j += 4;
    const dest = (src - (o + 4)) >>> 0;
    for (let k = 0; k < 4 && o < size; k++) out[o++] = (dest >>> (8 * k)) & 0xff;
    prev = dest >>> 24;
  }
  return o === size ? out : out.subarray(0, o);
}
