import { describe, expect, test } from '@jest/globals';
import { dosDateTimeToIso, filetimeToIso } from '../../src/util/filetime.js';

describe('filetimeToIso', () => {
  test('keeps the full 100-ns fraction', () => {
    // 2009-04-05 18:04:23.4375000 UTC... computed independently: (1238954663 s + 11644473600 s) * 1e7 + 4375000
    const ticks = (1238954663n + 11644473600n) * 10000000n + 4375000n;
    expect(filetimeToIso(ticks)).toBe('2009-04-05T18:04:23.4375000Z');
  });
  test('epoch of 1601 and zero', () => {
    expect(filetimeToIso(0n)).toBeNull();
    expect(filetimeToIso(1n)).toBe('1601-01-01T00:00:00.0000001Z');
  });
  test('out of range is null', () => {
    expect(filetimeToIso(0xffffffffffffffffn)).toBeNull();
  });
});

describe('dosDateTimeToIso', () => {
  test('decodes a valid stamp and rejects garbage', () => {
    // 2020-06-15 13:45:30 -> date ((40<<9)|(6<<5)|15), time ((13<<11)|(45<<5)|15)
    expect(dosDateTimeToIso((40 << 9) | (6 << 5) | 15, (13 << 11) | (45 << 5) | 15)).toBe('2020-06-15T13:45:30.000Z');
    expect(dosDateTimeToIso(0, 0)).toBeNull();
  });
});
