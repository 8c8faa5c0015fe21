/**
 * The PE check, in one place (registry magic, ZIP/7z/RAR self-extractor probing; the
 * fingerprint grades the same header in detail). Two strengths:
 * - looksLikePe: the 'MZ' magic alone, cheap enough for a parser's `matches`;
 * - peHeaderOffset / isPe: 'MZ' and a 'PE\0\0' signature where e_lfanew (DOS header 0x3C, u32 LE)
 *   points, inside the bytes given, so a short "MZ..." text does not count.
 */

/** DOS header 0x3C e_lfanew (u32): offset of the 'PE\0\0' signature. */
export const E_LFANEW = 0x3c;
/** 'PE\0\0' read as a u32 big-endian. */
const PE_SIGNATURE_BE = 0x50450000;

export function looksLikePe(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a;
}

/** Offset of the 'PE\0\0' signature when `head` holds it, else null. */
export function peHeaderOffset(head: Buffer): number | null {
  if (!looksLikePe(head) || head.length < E_LFANEW + 4) return null;
  const at = head.readUInt32LE(E_LFANEW);
  return at + 4 <= head.length && head.readUInt32BE(at) === PE_SIGNATURE_BE ? at : null;
}

export function isPe(head: Buffer): boolean {
  return peHeaderOffset(head) !== null;
}
