/**
 * The one table of archive volume names: every consumer (parsers, the split-volume file rule,
 * history and Recycle Bin name traits, correlation, volume counting) asks volumeFromName.
 */
import { describe, expect, test } from '@jest/globals';
import { volumeFromName, volumeSetName, zipHasSplitSiblings } from '../../../src/artifacts/archive/volume.js';
import { isVolumeName } from '../../../src/artifacts/history/paths.js';
import { volumeStem } from '../../../src/correlate/paths.js';
import { countVolumes } from '../../../src/artifacts/archive/detect.js';

// name, format, 0-based index, naming, set name
const VOLUMES: [string, string, number, 'named' | 'bare', string][] = [
  ['bk.part1.rar', 'rar', 0, 'named', 'bk.rar'],
  ['BK.PART03.RAR', 'rar', 2, 'named', 'bk.rar'],
  ['bk.part0010.rar', 'rar', 9, 'named', 'bk.rar'],
  ['old.r00', 'rar', 1, 'named', 'old.rar'],
  ['old.r123', 'rar', 124, 'named', 'old.rar'],
  ['x.rar.002', 'rar', 1, 'named', 'x.rar'],
  ['x.z01', 'zip', 0, 'named', 'x.zip'],
  ['x.z100', 'zip', 99, 'named', 'x.zip'],
  ['x.zip.002', 'zip', 1, 'named', 'x.zip'],
  ['x.7z.001', '7z', 0, 'named', 'x.7z'],
  ['x.tgz.001', 'tar', 0, 'named', 'x.tgz'],
  ['x.tar.gz.003', 'tar', 2, 'named', 'x.tar.gz'],
  ['x.tar.zst.002', 'tar', 1, 'named', 'x.tar.zst'],
  ['x.cab.002', 'unknown', 1, 'named', 'x.cab'],
  ['x.gz.001', 'unknown', 0, 'named', 'x.gz'],
  ['x.zip.ab', 'unknown', 1, 'named', 'x.zip'],
  ['data.001', 'unknown', 0, 'bare', 'data'],
  ['Users/Public/bk.part2.rar', 'rar', 1, 'named', 'users/public/bk.rar'],
];

// Ordinary names: not a part of a split set.
const NOT_VOLUMES = ['bk.rar', 'x.zip', 'x.7z', 'report.part1.docx', 'x.part0.rar', 'data.000', 'data.1', 'x.gzip', 'x.cabal', 'x.zipaa', 'notes.txt', 'x.r', 'x.z1', '2019'];

describe('archive volume naming (one table)', () => {
  test.each(VOLUMES)('%s is volume %#: %s, index %i, %s, set %s', (name, format, index, naming, setName) => {
    expect(volumeFromName(name)).toEqual({ format, naming, volume: { index, multiVolume: true }, setName });
    expect(volumeSetName(name)).toBe(setName);
    expect(volumeStem(name)).toBe(setName);
    // A bare number is too weak for the name-only traits (history, Recycle Bin); it still counts for content rules.
    expect(isVolumeName(`C:\\Temp\\${name}`)).toBe(naming === 'named');
  });

  test.each(NOT_VOLUMES)('%s is not a volume', (name) => {
    expect(volumeFromName(name)).toBeNull();
    expect(volumeSetName(name)).toBe(name.toLowerCase());
    expect(isVolumeName(name)).toBe(false);
  });

  test('siblings of one set are counted together, a plain .zip/.rar with its parts', () => {
    const entries = (names: string[]) => names.map((name) => ({ name, isDirectory: false, size: 1 }));
    const dir = entries(['bk.part1.rar', 'bk.part2.rar', 'bk.part3.rar', 'x.z01', 'x.z02', 'x.zip', 'x.7z', 'data.001', 'data.002', 'other.rar']);
    expect(countVolumes('bk.part2.rar', dir)).toBe(3);
    expect(countVolumes('x.zip', dir)).toBe(3);
    expect(countVolumes('x.z01', dir)).toBe(3);
    expect(countVolumes('data.002', dir)).toBe(2);
    expect(countVolumes('x.7z', dir)).toBe(1);
    expect(countVolumes('other.rar', dir)).toBe(1);
  });

  test('a .zip is the last part of a split set only next to its .z01', () => {
    expect(zipHasSplitSiblings('X.zip', [{ name: 'x.z01' }])).toBe(true);
    expect(zipHasSplitSiblings('X.zip', [{ name: 'y.z01' }])).toBe(false);
    expect(zipHasSplitSiblings('x.rar', [{ name: 'x.z01' }])).toBe(false);
  });
});
