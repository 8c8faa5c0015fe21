/**
 * A Unix `compress` writer for tests, for the code widths and modes libarchive's writer does not
 * make (it always writes 16-bit block mode): any largest width 9..16, block mode on or off, and
 * clear codes where the test asks. Every stream it makes is checked by gzip's own decompressor
 * before the reader under test sees it, so a mistake here fails the test instead of agreeing with
 * the reader.
 */
export interface LzwOptions {
  maxBits: number;
  blockMode: boolean;
  /** Input offsets at which to emit the clear code (block mode only). */
  clearAt?: number[];
}

export function lzwCompress(data: Buffer, { maxBits, blockMode, clearAt = [] }: LzwOptions): Buffer {
  const bytes: number[] = [0x1f, 0x9d, maxBits | (blockMode ? 0x80 : 0)];
  let width = 9;
  let bitBuffer = 0;
  let bitCount = 0;
  let runBits = 0;
  const writeCode = (code: number): void => {
    bitBuffer |= code << bitCount;
    bitCount += width;
    runBits += width;
    while (bitCount >= 8) {
      bytes.push(bitBuffer & 0xff);
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };
  /** Pads the current group of eight codes, as every reader skips it when the width changes. */
  const endRun = (): void => {
    const group = width * 8;
    const pad = (group - (runBits % group)) % group;
    for (let i = 0; i < pad; i++) {
      bitCount++;
      if (bitCount === 8) {
        bytes.push(bitBuffer & 0xff);
        bitBuffer = 0;
        bitCount = 0;
      }
    }
    runBits = 0;
  };
  // The reader's view of its table, one entry behind the writer's: it decides the width.
  let readerLast = blockMode ? 256 : 255;
  let first = true;
  const emit = (code: number): void => {
    if (readerLast >= (1 << width) - 1 && width < maxBits) {
      endRun();
      width++;
    }
    writeCode(code);
    if (first) first = false;
    else if (readerLast < (1 << width) - 1) readerLast++;
  };
  let table = new Map<number, number>();
  let next = blockMode ? 257 : 256;
  const clears = new Set(clearAt);
  if (data.length === 0) return Buffer.from(bytes);
  let prefix = data[0]!;
  for (let i = 1; i < data.length; i++) {
    if (blockMode && clears.has(i)) {
      emit(prefix);
      emit(256);
      endRun();
      width = 9;
      readerLast = 255;
      table = new Map();
      next = 257;
      prefix = data[i]!;
      continue;
    }
    const c = data[i]!;
    const key = prefix * 256 + c;
    const known = table.get(key);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    emit(prefix);
    if (next < 1 << maxBits) table.set(key, next++);
    prefix = c;
  }
  emit(prefix);
  if (bitCount > 0) bytes.push(bitBuffer & 0xff);
  return Buffer.from(bytes);
}
