import { describe, expect, test } from '@jest/globals';
import { relDirOf } from '../../src/model/evidence.js';

describe('relDirOf: the directory of a root-relative path', () => {
  test.each([
    ['file.txt', ''],
    ['Windows/Temp/x.7z', 'Windows/Temp'],
    ['a/b', 'a'],
    ['dir/', 'dir'],
    ['', ''],
    ['$Recycle.Bin/S-1-5-21-1/$IAB12.zip', '$Recycle.Bin/S-1-5-21-1'],
  ])('%s -> %s', (relPath, dir) => {
    expect(relDirOf(relPath)).toBe(dir);
  });
});
