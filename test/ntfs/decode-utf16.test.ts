/**
 * NTFS names (record.ts decodeUtf16): Buffer's UTF-16 slice where it equals TextDecoder's result,
 * TextDecoder where a surrogate is present (a lone one becomes U+FFFD, a pair is kept). Checked
 * against TextDecoder on random code units weighted toward surrogates, odd byte counts, offsets
 * and counts past the buffer.
 */
import { expect, test } from '@jest/globals';
import { decodeUtf16 } from '../../src/evidence/image/ntfs/record.js';

const reference = new TextDecoder('utf-16le');

/** What the names decoded to before the fast path: TextDecoder over the even bytes in range. */
function expected(buf: Buffer, offset: number, units: number): string {
  const end = Math.min(buf.length, offset + units * 2);
  if (offset < 0 || offset >= end) return '';
  return reference.decode(buf.subarray(offset, end - ((end - offset) & 1)));
}

test('equal to TextDecoder on random names, surrogates included', () => {
  let seed = 0x2545f491;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const unitOf = (): number => {
    const r = next() % 8;
    if (r === 0) return 0xd800 + (next() % 0x400); // high surrogate
    if (r === 1) return 0xdc00 + (next() % 0x400); // low surrogate
    if (r === 2) return next() % 0x10000;
    return 0x20 + (next() % 0x5f); // ASCII
  };
  let withSurrogates = 0;
  for (let i = 0; i < 5000; i++) {
    const units = next() % 40;
    const buf = Buffer.alloc(units * 2 + (next() % 2));
    for (let u = 0; u < units; u++) buf.writeUInt16LE(unitOf(), u * 2);
    if (/[\uD800-\uDFFF]/.test(buf.toString('utf16le'))) withSurrogates++;
    const offset = next() % 3;
    const count = next() % 45;
    expect(decodeUtf16(buf, offset, count)).toBe(expected(buf, offset, count));
  }
  expect(withSurrogates).toBeGreaterThan(1000);
});

test('a lone surrogate becomes U+FFFD, a pair stays one character', () => {
  const lone = Buffer.from([0x61, 0x00, 0x00, 0xd8, 0x62, 0x00]);
  expect(decodeUtf16(lone, 0, 3)).toBe('a\uFFFDb');
  const pair = Buffer.from('x😀y', 'utf16le');
  expect(decodeUtf16(pair, 0, 4)).toBe('x😀y');
  expect(decodeUtf16(Buffer.from('report.7z', 'utf16le'), 0, 9)).toBe('report.7z');
});
