/**
 * Unix `compress` (.Z, .taz): LZW with codes of 9 up to 9..16 bits, packed least significant bit
 * first after a three-byte header (1f 9d, flags: bits 0-4 the largest code width, 0x80 block mode,
 * where code 256 clears the table). The quirk every reader must share with the writer: codes are
 * written in groups of eight (one group is `width` bytes), and when the width grows or the table is
 * cleared the rest of the current group is padding, skipped. Checked against gzip's decompressor
 * (`gzip -dc`, the same algorithm as ncompress) on libarchive's writer (`bsdtar -cZf`).
 *
 * A flat decoder as flat.ts's (input, bound, warnings): linear in the input, at most `maxOutput`
 * bytes out, a 64 Ki-entry table and a 64 KiB stack whatever the input says.
 */

import { compressHeader } from './layout.js';

const CLEAR = 256;
const TABLE = 1 << 16;

/**
 * The bytes of a `.Z` stream, at most `maxOutput`. The format has no end marker nor checksum: a
 * stream cut short ends where its last whole code does, without a word; a code that cannot be
 * there (past the next free one, or a first code over 255) stops it with a warning, keeping what
 * came before.
 */
export function lzwDecode(input: Buffer, maxOutput: number, warnings: string[]): Buffer {
  const header = compressHeader(input);
  if (!header) {
    warnings.push('not a compress (.Z) stream: no 1f 9d magic');
    return Buffer.alloc(0);
  }
  const { maxBits, blockMode } = header;
  if (maxBits < 9 || maxBits > 16) {
    warnings.push(`compress (.Z) stream with ${maxBits}-bit codes: only 9 to 16 exist`);
    return Buffer.alloc(0);
  }
  if (header.reserved) warnings.push(`compress (.Z) header has reserved flag bits set (0x${header.reserved.toString(16)})`);

  const prefix = new Uint16Array(TABLE);
  const suffix = new Uint8Array(TABLE);
  for (let i = 0; i < 256; i++) suffix[i] = i;
  const stack = new Uint8Array(TABLE);
  let output = Buffer.allocUnsafe(Math.max(0, Math.min(maxOutput, guessOutput(input.length))));
  let outLength = 0;
  /** Room for `n` more bytes, within the bound: how many fit. */
  const reserve = (n: number): number => {
    const fits = Math.min(n, maxOutput - outLength);
    if (outLength + fits > output.length) {
      const grown = Buffer.allocUnsafe(Math.min(maxOutput, Math.max(output.length * 2, outLength + fits, 4096)));
      output.copy(grown, 0, 0, outLength);
      output = grown;
    }
    return fits;
  };

  const totalBits = input.length * 8;
  let width = 9;
  let mask = (1 << width) - 1;
  // The last code in the table: 256 (the clear code) in block mode, else 255.
  let last = blockMode ? 256 : 255;
  // Where the current run of codes of one width began, in bytes, and how many codes it has read.
  let runStart = 3;
  let codesInRun = 0;
  let previous = -1;
  let finalByte = 0;

  /** Skips the rest of the current group of eight codes, as the writer padded it. */
  const endRun = (): void => {
    runStart += Math.ceil(codesInRun / 8) * width;
    codesInRun = 0;
  };

  for (;;) {
    if (last >= mask && width < maxBits) {
      endRun();
      width++;
      mask = (1 << width) - 1;
    }
    const bit = runStart * 8 + codesInRun * width;
    if (bit + width > totalBits) break;
    const at = bit >>> 3;
    const word = input[at]! | ((input[at + 1] ?? 0) << 8) | ((input[at + 2] ?? 0) << 16);
    let code = (word >>> (bit & 7)) & mask;
    codesInRun++;

    if (previous === -1) {
      if (code > 255) {
        warnings.push(`compress (.Z) stream's first code is ${code}, not a byte`);
        break;
      }
      previous = finalByte = code;
      if (reserve(1) < 1) break;
      output[outLength++] = code;
      continue;
    }
    if (code === CLEAR && blockMode) {
      endRun();
      width = 9;
      mask = (1 << width) - 1;
      last = 255;
      continue;
    }
    const read = code;
    let depth = 0;
    if (code > last) {
      // The one code not yet in the table: the previous string and its own first byte (KwKwK).
      if (code !== last + 1) {
        warnings.push(`compress (.Z) code ${code} past the table's next entry ${last + 1} at byte ${at}: damaged`);
        break;
      }
      stack[depth++] = finalByte;
      code = previous;
    }
    // Each table entry's prefix is an earlier entry, so the chain is at most the table's length.
    while (code > 255 && depth < TABLE) {
      stack[depth++] = suffix[code]!;
      code = prefix[code]!;
    }
    finalByte = code;
    stack[depth++] = code;
    if (last < mask) {
      last++;
      prefix[last] = previous;
      suffix[last] = finalByte;
    }
    previous = read;
    // The string was gathered last byte first.
    const fits = reserve(depth);
    for (let i = 0; i < fits; i++) output[outLength + i] = stack[depth - 1 - i]!;
    outLength += fits;
    if (fits < depth) break;
  }
  return output.subarray(0, outLength);
}

/** A first output buffer: compress rarely does better than 4:1 on what is worth reading. */
function guessOutput(inputLength: number): number {
  return Math.min(64 * 1024 * 1024, Math.max(4096, inputLength * 4));
}
