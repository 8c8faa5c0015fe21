import { describe, expect, test } from '@jest/globals';
import { dosDateTimeToIso, filetimeToIso, isoFromDate, isoFromMs, unixSecondsToIso } from '../../src/util/filetime.js';

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
    expect(dosDateTimeToIso((40 << 9) | (6 << 5) | 15, (13 << 11) | (45 << 5) | 15)).toBe('2020-06-15T13:45:30.0000000Z');
    expect(dosDateTimeToIso(0, 0)).toBeNull();
  });
});

// One precision everywhere: every source formats to a 7-digit fraction.
describe('one time format', () => {
  test.each([
    ['FILETIME', filetimeToIso((1742012760n + 11644473600n) * 10000000n + 1234567n), '2025-03-15T04:26:00.1234567Z'],
    ['epoch ms', isoFromMs(1742012760123), '2025-03-15T04:26:00.1230000Z'],
    ['Date', isoFromDate(new Date(Date.UTC(2025, 2, 15, 4, 26))), '2025-03-15T04:26:00.0000000Z'],
    ['Unix seconds', unixSecondsToIso(1742012760.5), '2025-03-15T04:26:00.5000000Z'],
    ['DOS date/time', dosDateTimeToIso((45 << 9) | (3 << 5) | 15, (4 << 11) | (26 << 5)), '2025-03-15T04:26:00.0000000Z'],
  ])('%s', (_source, got, want) => {
    expect(got).toBe(want);
    expect(got).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  });
});
