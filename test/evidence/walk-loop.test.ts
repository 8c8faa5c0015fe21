/** A damaged image whose directories hold themselves: the walk enters each directory once and ends. */
import { expect, test } from '@jest/globals';
import type { EvidenceFs, FsEntry, FsListing } from '../../src/evidence/fs.js';
import { walkDirectories, type WalkIssue, type WalkStats } from '../../src/walk/walker.js';

const dir = (id: string, path: string, name: string): FsEntry => ({ name, path, id, type: 'directory', size: 0, times: {}, hidden: false, system: false, readOnly: false, deleted: false, streams: [] });

/** Root (id 1) holds a and b; both are directory 2, which holds itself twice and the root again. */
function loopingFs(): EvidenceFs {
  const root = dir('1', '/', '');
  const children = (d: FsEntry): FsEntry[] => {
    const base = d.path === '/' ? '' : d.path;
    if (d.id === '1') return [dir('2', `${base}/a`, 'a'), dir('2', `${base}/b`, 'b')];
    return [dir('2', `${base}/again`, 'again'), dir('2', `${base}/more`, 'more'), dir('1', `${base}/up`, 'up')];
  };
  return {
    kind: 'test',
    label: 'loop',
    warnings: [],
    root: () => root,
    list: (d): FsListing => ({ entries: children(d), truncated: false }),
    lookup: () => null,
    open: () => {
      throw new Error('no files');
    },
    close: () => undefined,
  };
}

test('a directory loop is walked once per directory and reported, never to the depth limit', () => {
  const issues: WalkIssue[] = [];
  const stats: WalkStats = { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 };
  const fs = loopingFs();
  const walked = [...walkDirectories(fs, fs.root(), '', { crossMounts: false, issues, stats })].map((l) => l.relDir);
  expect(walked).toEqual(['', 'a']);
  expect(stats.directories).toBe(2);
  expect(issues.map((i) => [i.path, i.code])).toEqual([
    ['b', 'ELOOP'],
    ['a/again', 'ELOOP'],
    ['a/more', 'ELOOP'],
    ['a/up', 'ELOOP'],
  ]);
});
