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

describe('isoFromMs fast path', () => {
  /** The Date-based forms these functions had before the remembered day prefix. */
  const viaDate = (ms: number): string => isoFromDate(new Date(ms));
  const outcome = (f: () => string | null): string | null => {
    try {
      return f();
    } catch (err) {
      return `throws ${(err as Error).constructor.name}`;
    }
  };
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };

  test('the same string as toISOString for every millisecond form, inside and outside 1970-9999', () => {
    const edges = [0, 1, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 253_402_300_799_999, 253_402_300_800_000, -1, -0.5, 0.5, 1.9999, 1e15, 8.64e15, 8.64e15 + 1, -8.64e15, NaN, Infinity, -Infinity, 1_700_000_000_123.987];
    const cases = [...edges];
    for (let i = 0; i < 2_500; i++) cases.push(rand() * 3e12, Math.floor(rand() * 253_402_300_800_000), -rand() * 1e13, rand() * 1e16);
    for (const ms of cases) expect([ms, outcome(() => isoFromMs(ms))]).toEqual([ms, outcome(() => viaDate(ms))]);
  });

  test('FILETIME, DOS and Unix times format as through Date', () => {
    const oldFiletime = (ticks: bigint): string | null => {
      if (ticks <= 0n || ticks > 2650467743999999999n) return null;
      const unix100ns = ticks - 116444736000000000n;
      const ms = unix100ns >= 0n ? unix100ns / 10000n : -((-unix100ns + 9999n) / 10000n);
      const frac = ((unix100ns % 10000000n) + 10000000n) % 10000000n;
      const d = new Date(Number(ms));
      if (Number.isNaN(d.getTime())) return null;
      return `${d.toISOString().slice(0, 19)}.${frac.toString().padStart(7, '0')}Z`;
    };
    const ticks = [1n, 9999n, 10000n, 116444736000000000n, 116444735999999999n, 2650467743999999999n, 2650467744000000000n, 133_000_000_000_000_000n];
    for (let i = 0; i < 5000; i++) ticks.push(BigInt(Math.floor(rand() * 2 ** 53)) * 293n);
    for (const t of ticks) expect([t, filetimeToIso(t)]).toEqual([t, oldFiletime(t)]);
    for (let i = 0; i < 5000; i++) {
      const date = Math.floor(rand() * 0x10000);
      const time = Math.floor(rand() * 0x10000);
      const day = date & 0x1f;
      const month = (date >> 5) & 0x0f;
      const hour = (time >> 11) & 0x1f;
      const min = (time >> 5) & 0x3f;
      const sec = (time & 0x1f) * 2;
      const valid = day >= 1 && month >= 1 && month <= 12 && hour <= 23 && min <= 59 && sec <= 59;
      expect(dosDateTimeToIso(date, time)).toBe(valid ? viaDate(Date.UTC(((date >> 9) & 0x7f) + 1980, month - 1, day, hour, min, sec)) : null);
    }
    for (const s of [0, 0.0001, 1.5, 1e9, 1.7e9 + 0.123456, 253402300799.999, 253402300800, -1, NaN]) {
      const d = new Date(s * 1000);
      const old = !Number.isFinite(s) || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999 ? null : isoFromDate(d);
      expect(unixSecondsToIso(s)).toBe(old);
    }
  });
});
