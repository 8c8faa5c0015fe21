/**
 * `magic` at offset `at` of `buf`. A byte loop, not Buffer.compare: magics are a few bytes, and
 * about 20 native calls per walked file showed in the profile (docs/performance.md).
 */
export function hasBytesAt(buf: Buffer, magic: Uint8Array, at = 0): boolean {
  if (buf.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (buf[at + i] !== magic[i]) return false;
  return true;
}

/**
 * Index of the first byte of `buf` before `limit` that String.prototype.trimStart would keep when
 * the bytes are read as latin1 (it drops 0x09-0x0D, 0x20 and 0xA0); `limit` or the length when all are blank.
 */
export function firstNonBlank(buf: Uint8Array, limit: number): number {
  const end = Math.min(limit, buf.length);
  let i = 0;
  while (i < end) {
    const b = buf[i]!;
    if (b !== 0x20 && b !== 0xa0 && (b < 0x09 || b > 0x0d)) break;
    i++;
  }
  return i;
}
