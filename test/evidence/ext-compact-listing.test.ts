/**
 * ExtFs.listCompact, which the walk and the hotspot expander use, against ExtFs.list: for every
 * directory of the corpus ext2/3/4 volumes and of generated ext4 volumes (a folder large enough to
 * be hash-indexed, symbolic links, entries deleted with debugfs whose names stay in the slack), the
 * same live entries in the same order, the same names, types and sizes, each built entry deep-equal
 * to the listed one, the same counts, and the same warnings in the same order after the same calls.
 * And a cached inode holds a copy of its bytes, not a view that keeps a whole block alive.
 */
import { afterAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EvidenceFs, FsEntry } from '../../src/evidence/fs.js';
import { ExtFs } from '../../src/evidence/image/fs/ext.js';
import { openDiskImage } from '../../src/evidence/image/index.js';
import { fileSource } from '../ntfs/helpers.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf, toolAvailable } from '../helpers/corpus.js';

const HAVE = corpusAvailable();
const TOOLS = ['mkfs.ext4', 'debugfs'];
const HAVE_TOOLS = TOOLS.every((t) => toolAvailable(t));
const WORK = path.join(os.tmpdir(), `stagehunt-ext-compact-${process.pid}`);

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

interface Compared {
  directories: number;
  entries: number;
  deleted: number;
}

/** Walks every directory with list() on one reader and listCompact() on another over the same bytes. */
function compareListings(full: EvidenceFs, compact: EvidenceFs): Compared {
  const out: Compared = { directories: 0, entries: 0, deleted: 0 };
  const queue: FsEntry[] = [full.root()];
  expect(compact.root()).toEqual(queue[0]);
  while (queue.length > 0) {
    const dir = queue.shift()!;
    out.directories++;
    const listed = full.list(dir);
    const c = compact.listCompact!(dir);
    const live = listed.entries.filter((e) => !e.deleted);
    out.deleted += listed.entries.length - live.length;
    expect([c.count, c.listedCount, c.truncated]).toEqual([live.length, listed.entries.length, listed.truncated]);
    for (let i = 0; i < c.count; i++) {
      const e = live[i]!;
      expect([c.name(i), c.type(i), c.size(i)]).toEqual([e.name, e.type, e.size]);
      expect(c.entry(i)).toEqual(e);
      out.entries++;
      if (e.type === 'directory') queue.push(e);
    }
    expect(compact.warnings).toEqual(full.warnings);
  }
  return out;
}

/** Ext volumes of the corpus images (IMAGES_SUMMARY names each file system and its sector offset). */
function corpusExtVolumes(): Array<{ file: string; offset: number }> {
  const out: Array<{ file: string; offset: number }> = [];
  for (const line of readFileSync(corpusPath('images', 'IMAGES_SUMMARY.expected.tsv'), 'utf8').trim().split('\n').slice(1)) {
    const c = line.split('\t');
    if (!c[0]!.startsWith('images/')) continue;
    for (const m of (c[10] ?? '').matchAll(/Ext[234]@(\d+)/g)) out.push({ file: c[0]!, offset: Number(m[1]) * 512 });
  }
  return out;
}

describeIf(HAVE, CORPUS_MISSING)('ext compact listing = list(), corpus', () => {
  test('every directory of every corpus ext volume', () => {
    const volumes = corpusExtVolumes();
    expect(volumes.length).toBeGreaterThanOrEqual(12);
    let entries = 0;
    for (const { file, offset } of volumes) {
      const a = openDiskImage(corpusPath(file));
      const b = openDiskImage(corpusPath(file));
      try {
        const fa = a.volumes.find((v) => v.offset === offset)?.fs;
        const fb = b.volumes.find((v) => v.offset === offset)?.fs;
        expect(fa?.kind).toMatch(/^ext/);
        entries += compareListings(fa!, fb!).entries;
      } finally {
        a.close();
        b.close();
      }
    }
    expect(entries).toBeGreaterThan(100);
  });
});

describeIf(HAVE, CORPUS_MISSING)('ext inode cache', () => {
  test('a cached inode keeps its own bytes, not a view of the block or image it was read from', () => {
    const image = readFileSync(corpusPath('images/go-ext4/hierarchy_64.ext4'));
    // bufferSource-like reads: views into the whole image, as a block cache's are views into a block
    const fs = new ExtFs({ size: image.length, name: 'views', read: (p: number, n: number) => image.subarray(p, p + n) }, 'views');
    const root = fs.inode(2)!;
    expect(root.raw.buffer).not.toBe(image.buffer);
    expect(root.raw.buffer.byteLength).toBeLessThan(64 * 1024);
  });
});

describeIf(HAVE_TOOLS, `tools ${TOOLS.join(', ')} not all installed`)('ext compact listing = list(), generated volumes', () => {
  test('a hash-indexed folder of 3,000 files, symbolic links, a subfolder, and entries deleted with debugfs', () => {
    const dir = path.join(WORK, 'gen');
    const tree = path.join(dir, 'tree');
    mkdirSync(path.join(tree, 'big', 'sub'), { recursive: true });
    const names = [...Array(3000).keys()].map((i) => `f${(i * 7919) % 3000}-${'x'.repeat(i % 40)}.txt`);
    names.forEach((n, i) => writeFileSync(path.join(tree, 'big', n), `file ${i}\n`.repeat(i % 5)));
    writeFileSync(path.join(tree, 'big', 'sub', 'inner.bin'), Buffer.alloc(5000, 7));
    symlinkSync('sub/inner.bin', path.join(tree, 'big', 'link-to-inner'));
    symlinkSync('/nowhere/at/all', path.join(tree, 'dangling'));
    writeFileSync(path.join(tree, 'keep.txt'), 'kept\n');
    writeFileSync(path.join(tree, 'gone.txt'), 'deleted\n');
    const image = path.join(dir, 'ext4.img');
    const env = { ...process.env, TZ: 'UTC', E2FSPROGS_FAKE_TIME: '1700000000' };
    execFileSync('truncate', ['-s', '64M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'root_owner=0:0', '-d', tree, image], { env, stdio: 'ignore' });
    // unlink without mounting: the names stay in the directory blocks' slack, as after rm
    for (const victim of ['/gone.txt', `/big/${names[17]}`, `/big/${names[1000]}`]) execFileSync('debugfs', ['-w', '-R', `rm ${victim}`, image], { env, stdio: 'ignore' });
    const r = compareListings(new ExtFs(fileSource(image), 'full'), new ExtFs(fileSource(image), 'compact'));
    expect(r.entries).toBeGreaterThan(3000);
    expect(r.deleted).toBeGreaterThanOrEqual(3);
    const fs = new ExtFs(fileSource(image), 'gen');
    const big = fs.lookup('/big')!;
    const c = fs.listCompact(big);
    const types = new Set([...Array(c.count).keys()].map((i) => c.type(i)));
    expect([...types].sort()).toEqual(['directory', 'file', 'symlink']);
    expect(c.entry([...Array(c.count).keys()].find((i) => c.name(i) === 'link-to-inner')!).linkTarget).toBe('sub/inner.bin');
  }, 120_000);
});
