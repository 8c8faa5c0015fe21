/**
 * LZ77 + Huffman ("Xpress Huffman", [MS-XCA] 2.1-2.2) decompression, bounded, written from the
 * specification: Windows 10/11 Prefetch files are stored in this form inside a MAM container.
 * No maintained Node library decodes it. The output is capped by the caller's expected size
 * (itself bounded by LIMITS.maxPrefetchBytes); damaged input ends decoding with an error message
 * and whatever was decoded so far, never an exception or a loop without progress.
 */

/** Each block of 65,536 output bytes starts with a table of 512 four-bit code lengths (256 bytes). */
const TABLE_BYTES = 256;
const SYMBOLS = 512;
const BLOCK_OUTPUT = 65_536;
const MAX_CODE_BITS = 15;
const DECODE_ENTRIES = 1 << MAX_CODE_BITS;

export interface XpressResult {
  data: Buffer;
  /** Why decoding stopped early (damaged or truncated input), or null when `expectedSize` bytes were produced. */
  error: string | null;
}

/**
 * Canonical Huffman table as [MS-XCA] 2.2.4 builds it: for each bit length 1..15, the symbols of
 * that length in order fill 2^(15-length) entries. Returns null when the lengths do not fill the
 * table exactly (an invalid code).
 */
function buildDecodeTable(lengths: Uint8Array, symbols: Uint16Array, bits: Uint8Array): boolean {
  let entry = 0;
  for (let len = 1; len <= MAX_CODE_BITS; len++) {
    const span = 1 << (MAX_CODE_BITS - len);
    for (let sym = 0; sym < SYMBOLS; sym++) {
      if (lengths[sym] !== len) continue;
      if (entry + span > DECODE_ENTRIES) return false;
      symbols.fill(sym, entry, entry + span);
      bits.fill(len, entry, entry + span);
      entry += span;
    }
  }
  return entry === DECODE_ENTRIES;
}

/** Decompresses `input` into at most `expectedSize` bytes. */
export function decompressXpressHuffman(input: Buffer, expectedSize: number): XpressResult {
  const out = Buffer.alloc(expectedSize);
  const lengths = new Uint8Array(SYMBOLS);
  const symbols = new Uint16Array(DECODE_ENTRIES);
  const bits = new Uint8Array(DECODE_ENTRIES);
  // Reads past the end of the input give zeros: the encoder pads its last bits that way.
  const read16 = (p: number): number => (p + 1 < input.length ? input.readUInt16LE(p) : p < input.length ? input[p]! : 0);
  let inPos = 0;
  let outPos = 0;
  const stop = (error: string | null): XpressResult => ({ data: out.subarray(0, outPos), error });

  while (outPos < expectedSize) {
    if (inPos + TABLE_BYTES > input.length) return stop(`compressed data ends at ${inPos} before block table (output ${outPos} of ${expectedSize} bytes)`);
    for (let i = 0; i < TABLE_BYTES; i++) {
      const b = input[inPos + i]!;
      lengths[2 * i] = b & 0x0f;
      lengths[2 * i + 1] = b >> 4;
    }
    if (!buildDecodeTable(lengths, symbols, bits)) return stop(`invalid Huffman table at ${inPos}`);
    inPos += TABLE_BYTES;
    // A 32-bit window: the next bits of the stream sit at its top; `extra` counts the bits below
    // the 16 that are always available.
    let window = ((read16(inPos) << 16) | read16(inPos + 2)) >>> 0;
    inPos += 4;
    let extra = 16;
    const consume = (n: number): void => {
      if (n === 0) return;
      window = (window << n) >>> 0;
      extra -= n;
      if (extra < 0) {
        window = (window + (read16(inPos) << -extra)) >>> 0;
        inPos += 2;
        extra += 16;
      }
    };
    const blockEnd = Math.min(expectedSize, outPos + BLOCK_OUTPUT);
    while (outPos < blockEnd) {
      // Past the input by more than a window's worth: the stream is truncated (zeros would decode forever).
      if (inPos > input.length + 4) return stop(`compressed data truncated (output ${outPos} of ${expectedSize} bytes)`);
      const next15 = window >>> (32 - MAX_CODE_BITS);
      const symbol = symbols[next15]!;
      consume(bits[next15]!);
      if (symbol < 256) {
        out[outPos++] = symbol;
        continue;
      }
      const match = symbol - 256;
      let length = match & 0x0f;
      const offsetBits = match >> 4;
      if (length === 15) {
        if (inPos >= input.length) return stop(`match length byte past the end at ${inPos}`);
        length = input[inPos++]!;
        if (length === 255) {
          if (inPos + 2 > input.length) return stop(`match length past the end at ${inPos}`);
          length = input.readUInt16LE(inPos);
          inPos += 2;
          if (length === 0) {
            if (inPos + 4 > input.length) return stop(`match length past the end at ${inPos}`);
            length = input.readUInt32LE(inPos);
            inPos += 4;
          }
          if (length < 15) return stop(`invalid match length at ${inPos}`);
          length -= 15;
        }
        length += 15;
      }
      length += 3;
      // offsetBits is 0..15; `>>> 32` would be a no-op in JavaScript, hence the explicit 0.
      const offset = (offsetBits === 0 ? 0 : window >>> (32 - offsetBits)) + (1 << offsetBits);
      consume(offsetBits);
      if (offset > outPos) return stop(`match offset ${offset} before the start of the output at ${outPos}`);
      const end = Math.min(expectedSize, outPos + length);
      // Byte by byte: the source may overlap the destination (runs).
      for (let from = outPos - offset; outPos < end; ) out[outPos++] = out[from++]!;
    }
  }
  return stop(null);
}
