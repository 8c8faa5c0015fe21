/**
 * Carving the free clusters of FAT32 and exFAT volumes (`scan --carve` over `FatFs.freeSpace`, which
 * reads the FAT, and `ExfatFs.freeSpace`, which reads the allocation bitmap: exFAT keeps no FAT chain
 * for a contiguous file). Archives copied in and deleted (mtools `mdel`; the exFAT writer clears the
 * in-use and bitmap bits, as a driver does) are found where The Sleuth Kit's `sigfind` (sectors)
 * finds their signature and `blkstat` says the sector is free, and their carves are the archives as
 * written; live archives (on exFAT a 7z and a ZIP beside the deleted 7z) are never carved.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FatFs } from '../../src/evidence/image/fs/fat.js';
import { ExfatFs } from '../../src/evidence/image/fs/exfat.js';
import type { EvidenceFs } from '../../src/evidence/fs.js';
import { carveArchives, type CarveResult } from '../../src/artifacts/carve/carve.js';
import { fileSource } from '../ntfs/helpers.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { prng } from '../helpers/random.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { buildExfat, run } from './build-images.js';

const TOOLS = ['mkfs.fat', 'mcopy', 'mdel', 'mkfs.exfat', 'fsck.exfat', '7zz', 'zip', 'sigfind', 'blkstat'];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeIf(TOOLS.every((t) => toolAvailable(t)), `tools ${TOOLS.join(', ')} not all installed`)('carving FAT32 and exFAT free clusters', () => {
  let dir: string;
  const archive: Record<string, Buffer> = {};
  beforeAll(() => {
    dir = path.join(os.tmpdir(), `stagehunt-carve-fat-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const docs = path.join(dir, 'docs');
    mkdirSync(docs, { recursive: true });
    for (const [n, seed] of [['payroll.xlsx', 1], ['contracts.docx', 2], ['Passwords.kdbx', 3]] as const)
      writeFileSync(path.join(docs, n), Buffer.from(Array.from({ length: 2500 }, (_, i) => `row ${i} of ${seed}: ${(i * 7919 + seed) % 1000}\n`).join('')));
    execFileSync('7zz', ['a', '-bso0', '-bsp0', '-mhe=on', '-pS3cret!', path.join(dir, 'stage.7z'), 'payroll.xlsx', 'contracts.docx'], { cwd: docs });
    execFileSync('zip', ['-q', '-X', path.join(dir, 'loot.zip'), 'Passwords.kdbx', 'payroll.xlsx'], { cwd: docs });
    execFileSync('7zz', ['a', '-bso0', '-bsp0', path.join(dir, 'keep.7z'), 'contracts.docx'], { cwd: docs });
    for (const n of ['stage.7z', 'loot.zip', 'keep.7z']) archive[n] = readFileSync(path.join(dir, n));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** sigfind's sectors (512-byte blocks) with `hex` at their start that blkstat calls free. */
  const freeHits = (image: string, hex: string) =>
    [...spawnSync('sigfind', ['-b', '512', hex, image], { encoding: 'utf8' }).stdout.matchAll(/^Block: (\d+) /gm)]
      .map((m) => Number(m[1]))
      .filter((s) => /^Not Allocated$/m.test(execFileSync('blkstat', [image, String(s)], { encoding: 'utf8' })));
  const sectorOf = (c: { details?: Record<string, unknown> }) => (c.details?.carved as { offset: number }).offset / 512;

  /** `deleted`: the archives deleted from the volume, which the carves must be. */
  async function check(image: string, fs: EvidenceFs, deleted: string[]): Promise<CarveResult> {
    const space = fs.freeSpace?.();
    expect(space).toBeTruthy();
    const carved = await carveArchives(space!, { volumeRel: '' });
    // The carves begin where sigfind finds the 7z and ZIP signatures in sectors blkstat calls free, and nowhere else.
    const expected = [...freeHits(image, '377ABCAF'), ...freeHits(image, '504B0304')].sort((a, b) => a - b);
    expect(expected).toHaveLength(deleted.length);
    expect(carved.candidates.map(sectorOf).sort((a, b) => a - b)).toEqual(expected);
    expect(carved.candidates.every((c) => c.kind === 'carved' && /^\$Unalloc\/cluster-\d+$/.test(c.path))).toBe(true);
    // Known ends: the carves are the archives as written.
    for (const c of carved.candidates) {
      const d = c.details!.carved as { hashes?: Record<string, string>; bytes: number; offset: number };
      const bytes = readFileSync(image).subarray(d.offset, d.offset + d.bytes);
      expect(deleted.map((n) => sha256(archive[n]!))).toContain(sha256(bytes));
    }
    const rules = carved.candidates.flatMap((c) => c.hits.map((h) => h.rule));
    expect(rules).toEqual(expect.arrayContaining(['archive-headers-encrypted', 'archive-carved-from-free-space', ...(deleted.includes('loot.zip') ? ['archive-sensitive-contents'] : [])]));
    expect(carved.warnings).toEqual([]);
    return carved;
  }

  test('FAT32: the free clusters by the FAT', async () => {
    const image = path.join(dir, 'fat32.img');
    run('mkfs.fat', ['-C', '--invariant', '-i', '12345678', '-n', 'STAGE', '-F', '32', image, '65536']);
    for (const n of ['stage.7z', 'loot.zip', 'keep.7z']) run('mcopy', ['-i', image, path.join(dir, n), `::/${n}`]);
    run('mdel', ['-i', image, '::/stage.7z', '::/loot.zip']);
    const carved = await check(image, new FatFs(fileSource(image), 'fat32'), ['stage.7z', 'loot.zip']);
    expect(carved.stats.freeUnits).toBeGreaterThan(1000);
  }, 60_000);

  test('exFAT: the free clusters by the allocation bitmap', async () => {
    const image = buildExfat(dir, 'exfat.img', 32, [
      // The writer gives a file the first free clusters, a deleted one's too: the deleted archive last.
      { path: 'keep.7z', data: archive['keep.7z']! },
      { path: 'loot.zip', data: archive['loot.zip']! },
      { path: 'stage.7z', data: archive['stage.7z']!, deleted: true },
    ]);
    expect(existsSync(image)).toBe(true);
    await check(image, new ExfatFs(fileSource(image), 'exfat'), ['stage.7z']);
  }, 60_000);

  test('damaged FATs and allocation bitmaps: the carve ends or goes on with what could be read, never a throw or a hang', async () => {
    const next = prng(0xfa7);
    const int = (n: number) => Math.floor(next() * n);
    for (const [name, open] of [
      ['fat32.img', (b: Buffer) => new FatFs(bufferSource(b), 'fat32')],
      ['exfat.img', (b: Buffer) => new ExfatFs(bufferSource(b), 'exfat')],
    ] as const) {
      const original = readFileSync(path.join(dir, name));
      for (let round = 0; round < 25; round++) {
        const bytes = Buffer.from(original);
        // Bytes of the boot sector, the FAT and the first clusters (the root directory, the bitmap) set at random.
        for (let k = 0; k < 64; k++) bytes[int(2 * 1024 * 1024)] = int(256);
        let fs: FatFs | ExfatFs;
        try {
          fs = open(bytes);
        } catch {
          continue; // a boot sector that cannot be used is refused with one line
        }
        const started = Date.now();
        const space = fs.freeSpace();
        if (space) await carveArchives(space, { volumeRel: '' });
        expect(Date.now() - started).toBeLessThan(10_000);
      }
    }
  }, 120_000);
});
