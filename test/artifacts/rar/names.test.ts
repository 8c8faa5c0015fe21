import { describe, expect, test } from '@jest/globals';
import { decodeRarName, methodName, utf8OrLatin1 } from '../../../src/artifacts/rar/names.js';

describe('RAR 4 names', () => {
  test('packed Unicode: high byte, one char with it, then a run copied from the ASCII part', () => {
    // high=0x04; flags 01 11 ....: char 0x16+(0x04<<8) = 'Ж', then copy 2+2 chars of ".txt"
    const raw = Buffer.concat([Buffer.from('_.txt'), Buffer.from([0x00, 0x04, 0b01110000, 0x16, 0x02])]);
    expect(decodeRarName(raw, true)).toBe('Ж.txt');
  });

  test('packed Unicode: literal UTF-16 units and corrected runs', () => {
    // flags 10 11 ....: UTF-16 unit 0x4E2D '中', then run of (0x80|1)+2=3 with correction +1 over "abc" -> "bcd" in page 0x00
    const raw = Buffer.concat([Buffer.from('?abc'), Buffer.from([0x00, 0x00, 0b10110000, 0x2d, 0x4e, 0x81, 0x01])]);
    expect(decodeRarName(raw, true)).toBe('中bcd');
  });

  test('Unicode flag without NUL means UTF-8; no flag means OEM bytes', () => {
    expect(decodeRarName(Buffer.from('Привет.txt'), true)).toBe('Привет.txt');
    expect(decodeRarName(Buffer.from([0x63, 0x61, 0x66, 0xe9]), false)).toBe('café');
    expect(utf8OrLatin1(Buffer.from('ok'))).toBe('ok');
  });

  test('hostile encodings end without hanging', () => {
    const raw = Buffer.concat([Buffer.from('a'), Buffer.from([0x00, 0x00]), Buffer.alloc(5000, 0xff)]);
    expect(decodeRarName(raw, true).length).toBeLessThanOrEqual(20);
  });

  test('methods', () => {
    expect(methodName(0)).toBe('store');
    expect(methodName(5)).toBe('best');
    expect(methodName(9)).toBeNull();
  });
});
