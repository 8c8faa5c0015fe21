/**
 * LZNT1 decompression (NTFS compressed $DATA). A compression unit (16 clusters) is a sequence of
 * chunks, each holding at most 4096 decompressed bytes:
 *   u16 header: bits 0-11 = chunk data size - 1 (after the header), bit 15 = compressed
 *   uncompressed chunk: the bytes as they are
 *   compressed chunk: groups of one flag byte + 8 items; flag bit 0 = literal byte,
 *   1 = u16 back reference whose split between offset and length depends on the position in
 *   the chunk (12 length bits at the start, fewer as the chunk grows).
 * Reference: [MS-XCA] 2.5 "LZNT1 Algorithm Details"
 * (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-xca/).
 * Bounded: never writes beyond `outLength`; a bad reference ends the chunk with a warning.
 */

import type { WarningSink } from './record.js';

const CHUNK_SIZE = 4096;

export function lznt1Decompress(input: Buffer, outLength: number, warnings: WarningSink): Buffer {
  const out = Buffer.alloc(outLength);
  let inPos = 0;
  let outPos = 0;
  while (inPos + 2 <= input.length && outPos < outLength) {
    const header = input.readUInt16LE(inPos);
    if (header === 0) break;
    const chunkLength = (header & 0x0fff) + 1;
    const compressed = (header & 0x8000) !== 0;
    inPos += 2;
    const chunkEnd = Math.min(input.length, inPos + chunkLength);
    const chunkStart = outPos;
    const chunkOutEnd = Math.min(outLength, chunkStart + CHUNK_SIZE);
    if (!compressed) {
      const n = Math.min(chunkEnd - inPos, chunkOutEnd - outPos);
      input.copy(out, outPos, inPos, inPos + n);
      outPos += n;
      inPos = chunkEnd;
      continue;
    }
    while (inPos < chunkEnd && outPos < chunkOutEnd) {
      const flags = input[inPos++];
      for (let bit = 0; bit < 8 && inPos < chunkEnd && outPos < chunkOutEnd; bit++) {
        if ((flags & (1 << bit)) === 0) {
          out[outPos++] = input[inPos++];
          continue;
        }
        if (inPos + 2 > chunkEnd) {
          inPos = chunkEnd;
          break;
        }
        const token = input.readUInt16LE(inPos);
        inPos += 2;
        // The more output this chunk has, the more bits the displacement needs.
        let lengthMask = 0x0fff;
        let displacementShift = 12;
        for (let i = outPos - chunkStart - 1; i >= 0x10; i >>= 1) {
          lengthMask >>= 1;
          displacementShift--;
        }
        const length = (token & lengthMask) + 3;
        const displacement = (token >> displacementShift) + 1;
        if (displacement > outPos - chunkStart) {
          warnings.push(`LZNT1: back reference ${displacement} bytes before the chunk start`);
          return out.subarray(0, outLength);
        }
        const copyEnd = Math.min(chunkOutEnd, outPos + length);
        // Overlapping copies repeat bytes (run-length), so copy one byte at a time.
        while (outPos < copyEnd) {
          out[outPos] = out[outPos - displacement];
          outPos++;
        }
      }
    }
    inPos = chunkEnd;
    // A chunk that decompressed to less than 4096 bytes is followed by zeros only if it is the last one;
    // NTFS starts each next chunk at the next 4096-byte boundary of the output.
    if (outPos < chunkOutEnd && inPos + 2 <= input.length && input.readUInt16LE(inPos) !== 0) outPos = chunkOutEnd;
  }
  return out;
}
