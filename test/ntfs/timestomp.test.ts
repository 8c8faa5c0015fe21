/** Timestomping signs from $SI and $FN times (docs/ntfs.md), on made-up times and on the corpus' hex-edited sample. */
import { describe, expect, test } from '@jest/globals';
import { timestompSigns } from '../../src/artifacts/ntfs/timestomp.js';
import type { FileNameAttribute, StandardInformation } from '../../src/evidence/image/ntfs/record.js';

const SECOND = 10_000_000n;
const T = 132223104000000000n + 1234567n; // 2020-01-01T00:00:00.1234567Z

function si(created: bigint, modified = created): StandardInformation {
  return { created, modified, mftModified: T, accessed: T, fileAttributes: 0x20, usn: null };
}
function fn(created: bigint): FileNameAttribute {
  return { created, modified: created, mftModified: created, accessed: created, parent: { entry: 5, sequence: 5 }, allocatedSize: 0, dataSize: 0, fileAttributes: 0x20, namespace: 1, name: 'x' };
}

describe('timestomp signs', () => {
  test('untouched file: no sign', () => {
    expect(timestompSigns(si(T), fn(T))).toEqual([]);
  });
  test('$SI backdated by a year through a one-second API: inversion and zero fraction', () => {
    const year = 365n * 86400n * SECOND;
    expect(timestompSigns(si(T - year - 1234567n), fn(T))).toEqual(['siCreatedBeforeFn', 'siModifiedBeforeFn', 'siCreatedZeroFraction']);
  });
  test('all $SI times whole seconds', () => {
    const whole = T - 1234567n;
    expect(timestompSigns({ ...si(whole), mftModified: whole, accessed: whole }, fn(T - 1234567n))).toEqual(['siZeroFraction']);
  });
  test('no $SI: nothing to say', () => {
    expect(timestompSigns(null, fn(T))).toEqual([]);
  });
});
