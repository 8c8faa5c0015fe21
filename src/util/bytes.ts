/**
 * `magic` at offset `at` of `buf`. A byte loop, not Buffer.compare: magics are a few bytes, and
 * about 20 native calls per walked file showed in the profile (docs/performance.md).
 */
export function hasBytesAt(buf: Buffer, magic: Uint8Array, at = 0): boolean {
  if (buf.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (buf[at + i] !== magic[i]) return false;
  return true;
}
