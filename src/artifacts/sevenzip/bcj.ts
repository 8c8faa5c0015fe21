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
