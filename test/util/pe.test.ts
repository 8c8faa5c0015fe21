import { describe, expect, test } from '@jest/globals';
import { isPe, looksLikePe, peHeaderOffset } from '../../src/util/pe.js';

function mz(lfanew: number, size: number, signature = 'PE\0\0'): Buffer {
  const b = Buffer.alloc(size);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(lfanew, 0x3c);
  if (lfanew + 4 <= size) b.write(signature, lfanew, 'latin1');
  return b;
}

// The one PE check: name, bytes, looksLikePe (MZ), PE header offset.
describe('PE check', () => {
  test.each([
    ['a real PE header at 0x80', mz(0x80, 0x200), true, 0x80],
    ['e_lfanew at the very end', mz(0x40, 0x44), true, 0x40],
    ['no PE signature (DOS stub only)', mz(0x80, 0x200, 'NE\0\0'), true, null],
    ['e_lfanew beyond the bytes', mz(0x1000, 0x200), true, null],
    ['a short "MZ" text', Buffer.from('MZ is a postcode'), true, null],
    ['not MZ', Buffer.from('PK\x03\x04'), false, null],
    ['empty', Buffer.alloc(0), false, null],
  ])('%s', (_what, head, mzMagic, offset) => {
    expect(looksLikePe(head)).toBe(mzMagic);
    expect(peHeaderOffset(head)).toBe(offset);
    expect(isPe(head)).toBe(offset !== null);
  });
});
