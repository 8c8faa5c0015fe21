/**
 * NtfsFs.listCompact, which the walk and the hotspot expander use, against NtfsFs.list: for every
 * directory of the corpus NTFS volumes (and of a copy of one with damaged records) the same live
 * entries in the same order, the same names, types and sizes, each built entry deep-equal to the
 * listed one, the same counts, and the same warnings in the same order after the same calls. Names,
 * types and sizes come from the listing pass over the MFT; a record the pass cannot settle alone
 * (damaged, or attributes in extension records) is read again at listing time, as list() reads it.
 */
import { afterAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FsEntry } from '../../src/evidence/fs.js';
import { NtfsFs } from '../../src/evidence/image/fs/ntfs.js';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import type { ByteSource } from '../../src/util/byte-source.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf, toolAvailable } from '../helpers/corpus.js';
import { fileSource, gunzipSparse, workDir, WORK } from './helpers.js';

const HAVE = corpusAvailable();
const TOOLS = ['mkntfs', 'ntfscp', 'faketime'];
const HAVE_TOOLS = TOOLS.every((t) => toolAvailable(t));

interface Compared {
  directories: number;
  entries: number;
  /** Listed children whose size the listing pass left to stat() (NtfsDirEntry.size NaN). */
  settledByStat: number;
  warnings: number;
}

/** Walks every directory with list() on one reader and listCompact() on another over the same bytes. */
function compareListings(open: () => ByteSource): Compared {
  const full = new NtfsFs(open(), 'full');
  const compact = new NtfsFs(open(), 'compact');
  const vol = openNtfs(open());
  const out: Compared = { directories: 0, entries: 0, settledByStat: 0, warnings: 0 };
  const queue: FsEntry[] = [full.root()];
  expect(compact.root()).toEqual(queue[0]);
  while (queue.length > 0) {
    const dir = queue.shift()!;
    out.directories++;
    const listed = full.list(dir);
    const c = compact.listCompact(dir);
    const live = listed.entries.filter((e) => !e.deleted);
    expect(c.count).toBe(live.length);
    expect(c.listedCount).toBe(listed.entries.length);
    expect(c.truncated).toBe(listed.truncated);
    for (let i = 0; i < c.count; i++) {
      const e = live[i]!;
      expect([c.name(i), c.type(i), c.size(i)]).toEqual([e.name, e.type, e.type === 'file' ? e.size : 0]);
      expect(c.entry(i)).toEqual(e);
      out.entries++;
      if (e.type === 'directory') queue.push(e);
    }
    const [entry, sequence] = dir.id.split('-').map(Number) as [number, number];
    out.settledByStat += vol.list({ entry, sequence }).filter((k) => Number.isNaN(k.size)).length;
    // Same warnings, same order, at the same moment (entry(i) above reported none of its own).
    expect(compact.warnings).toEqual(full.warnings);
  }
  out.warnings = full.warnings.length;
  return out;
}

/** A record's bytes in an image file: MFT start from the boot sector, record `entry`. */
function recordOffset(bytes: Buffer, clusterSize: number, recordSize: number, entry: number): number {
  return Number(bytes.readBigUInt64LE(0x30)) * clusterSize + entry * recordSize;
}

describeIf(HAVE, CORPUS_MISSING)('NTFS compact listing = list()', () => {
  afterAll(() => rmSync(WORK, { recursive: true, force: true }));

  test('ntfs-rs/testfs1: every directory (mkntfs image: resident, non-resident, sparse, named streams, 200 subfolders)', () => {
    const file = corpusPath('ntfs/ntfs-rs/testfs1');
    const r = compareListings(() => fileSource(file));
    expect(r.directories).toBeGreaterThan(100);
    expect(r.entries).toBeGreaterThan(200);
  });

  test.each(['ntfs-si-vs-fn', 'ntfs-lastaccess'])('ntfs-samples/%s: every directory (Windows 10)', async (name) => {
    const raw = await gunzipSparse(corpusPath(`ntfs/ntfs-samples/${name}.raw.gz`), path.join(workDir(), `${name}.raw`));
    const r = compareListings(() => fileSource(raw, 128 * 512));
    expect(r.entries).toBeGreaterThan(20);
  });

  test('testfs1 with damaged records: the records left to stat() report their warnings as list() does', () => {
    const bytes = Buffer.from(readFileSync(corpusPath('ntfs/ntfs-rs/testfs1')));
    const vol = openNtfs(fileSource(corpusPath('ntfs/ntfs-rs/testfs1')));
    // 1000-bytes-file: its $DATA attribute claims 7 bytes (names and times still read, the content lost).
    const lengthDamaged = recordOffset(bytes, vol.clusterSize, vol.recordSize, vol.lookup('/1000-bytes-file')!.entry);
    let at = lengthDamaged + bytes.readUInt16LE(lengthDamaged + 0x14);
    while (bytes.readUInt32LE(at) !== 0x80) at += bytes.readUInt32LE(at + 4);
    bytes.writeUInt32LE(7, at + 4);
    // file-with-12345: the first sector no longer ends with the update sequence number (a torn write).
    const torn = recordOffset(bytes, vol.clusterSize, vol.recordSize, vol.lookup('/file-with-12345')!.entry);
    bytes[torn + 510] ^= 0xff;
    const damaged = path.join(workDir(), 'testfs1-damaged');
    writeFileSync(damaged, bytes);
    const r = compareListings(() => fileSource(damaged));
    expect(r.settledByStat).toBeGreaterThanOrEqual(2);
    expect(r.warnings).toBeGreaterThanOrEqual(2);
    const full = new NtfsFs(fileSource(damaged), 'damaged');
    full.list(full.root());
    expect(full.warnings.join('\n')).toMatch(/1000-bytes-file: .*has length 7/);
    expect(full.warnings.join('\n')).toMatch(/file-with-12345: .*fixup mismatch/);
  });
});

describeIf(HAVE_TOOLS, `tools ${TOOLS.join(', ')} not all installed`)('NTFS compact listing = list(), generated image', () => {
  afterAll(() => rmSync(WORK, { recursive: true, force: true }));

  test('a file whose streams ntfs-3g moved to extension records ($ATTRIBUTE_LIST) and a deleted record', () => {
    const dir = path.join(workDir(), 'compact-gen');
    mkdirSync(dir, { recursive: true });
    const image = path.join(dir, 'ntfs.img');
    const env = { ...process.env, TZ: 'UTC' };
    const run = (cmd: string, args: string[]): void => void execFileSync(cmd, args, { env, stdio: 'ignore' });
    run('truncate', ['-s', '16M', image]);
    run('mkntfs', ['-F', '-Q', '-T', '-s', '512', '-c', '4096', '-L', 'COMPACT', '-q', image]);
    const cp = (name: string, data: string, to: string, stream?: string): void => {
      const src = path.join(dir, name);
      writeFileSync(src, data);
      run('faketime', ['-f', '2020-01-02 03:04:05', 'ntfscp', '-f', ...(stream ? ['-N', stream] : []), image, src, to]);
    };
    cp('a.txt', 'hello staging\n', '/a.txt');
    cp('todelete.txt', 'to be deleted\n', '/todelete.txt');
    cp('many.txt', 'many streams\n', '/many.txt');
    for (let i = 0; i < 24; i++) cp(`s${i}`, `stream ${i} `.repeat(20), '/many.txt', `stream${String(i).padStart(2, '0')}`);
    // "del todelete.txt" as far as its MFT record goes: the in-use flag cleared (offset 0x16, no fixup position).
    const vol = openNtfs(fileSource(image));
    const bytes = readFileSync(image);
    const at = recordOffset(bytes, vol.clusterSize, vol.recordSize, vol.lookup('/todelete.txt')!.entry) + 0x16;
    bytes.writeUInt16LE(bytes.readUInt16LE(at) & ~1, at);
    writeFileSync(image, bytes);
    const r = compareListings(() => fileSource(image));
    // many.txt: its size settled by stat(), which reads the extension records.
    expect(r.settledByStat).toBeGreaterThanOrEqual(1);
    const fs = new NtfsFs(fileSource(image), 'gen');
    const root = fs.list(fs.root());
    expect(root.entries.filter((e) => e.deleted).map((e) => e.name)).toEqual(['todelete.txt']);
    const c = fs.listCompact(fs.root());
    expect(c.listedCount).toBe(c.count + 1);
    const many = [...Array(c.count).keys()].find((i) => c.name(i) === 'many.txt')!;
    expect(c.entry(many).streams).toHaveLength(24);
  }, 120_000);
});
