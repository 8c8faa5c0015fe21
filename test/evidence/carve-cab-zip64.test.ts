/**
 * Carving the two staging archives whose end the first carver could not know: a cabinet (what
 * Windows' own `makecab` and `diantz` write; here GNOME's gcab, the same format) ends where its
 * header's total size says, and a ZIP64 (`zip -fz`: what Info-ZIP and 7-Zip write past 4 GiB or
 * 65,535 entries) ends with the end record its ZIP64 locator leads back from. Both copied into a FAT32
 * image and deleted (mtools, no mount): the carves begin where The Sleuth Kit's `sigfind` finds their
 * signatures in sectors `blkstat` calls free, end where the archives did (the bytes are the archives
 * as written, hashed), and are judged by what they hold.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FatFs } from '../../src/evidence/image/fs/fat.js';
import { carveArchives } from '../../src/artifacts/carve/carve.js';
import { fileSource } from '../ntfs/helpers.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { run } from './build-images.js';

const TOOLS = ['mkfs.fat', 'mcopy', 'mdel', 'gcab', 'zip', 'unzip', 'sigfind', 'blkstat'];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeIf(TOOLS.every((t) => toolAvailable(t)), `tools ${TOOLS.join(', ')} not all installed`)('carving cabinets and ZIP64 archives', () => {
  let dir: string;
  const archive: Record<string, Buffer> = {};
  beforeAll(() => {
    dir = path.join(os.tmpdir(), `stagehunt-carve-cab-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const docs = path.join(dir, 'docs');
    mkdirSync(docs, { recursive: true });
    for (const [n, seed] of [['payroll.xlsx', 1], ['contracts.docx', 2], ['Passwords.kdbx', 3]] as const)
      writeFileSync(path.join(docs, n), Buffer.from(Array.from({ length: 3000 }, (_, i) => `row ${i} of ${seed}: ${(i * 7919 + seed) % 1000}\n`).join('')));
    execFileSync('gcab', ['-c', '-z', path.join(dir, 'out.cab'), 'payroll.xlsx', 'contracts.docx', 'Passwords.kdbx'], { cwd: docs });
    execFileSync('zip', ['-q', '-X', '-fz', path.join(dir, 'big.zip'), 'payroll.xlsx', 'Passwords.kdbx'], { cwd: docs });
    for (const n of ['out.cab', 'big.zip']) archive[n] = readFileSync(path.join(dir, n));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the writers wrote what the test is about: a cabinet whose header gives its size, a ZIP whose end record defers to ZIP64', () => {
    const cab = archive['out.cab']!;
    expect([cab.toString('latin1', 0, 4), cab.readUInt32LE(8)]).toEqual(['MSCF', cab.length]);
    const zip = archive['big.zip']!;
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(zip.readUInt32LE(end - 20)).toBe(0x07064b50); // the ZIP64 locator
    expect(execFileSync('unzip', ['-Z', '-1', path.join(dir, 'big.zip')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['payroll.xlsx', 'Passwords.kdbx']);
  });

  test('FAT32: both carved with their ends known, the bytes as written, judged by what they hold', async () => {
    const image = path.join(dir, 'fat32.img');
    run('mkfs.fat', ['-C', '--invariant', '-i', '12345678', '-n', 'STAGE', '-F', '32', image, '65536']);
    for (const n of ['out.cab', 'big.zip']) run('mcopy', ['-i', image, path.join(dir, n), `::/${n}`]);
    run('mdel', ['-i', image, '::/out.cab', '::/big.zip']);
    const carved = await carveArchives(new FatFs(fileSource(image), 'fat32').freeSpace()!, { volumeRel: '' });
    const free = (hex: string) =>
      [...spawnSync('sigfind', ['-b', '512', hex, image], { encoding: 'utf8' }).stdout.matchAll(/^Block: (\d+) /gm)]
        .map((m) => Number(m[1]))
        .filter((s) => /^Not Allocated$/m.test(execFileSync('blkstat', [image, String(s)], { encoding: 'utf8' })));
    const sectors = carved.candidates.map((c) => (c.details!.carved as { offset: number }).offset / 512).sort((a, b) => a - b);
    expect(sectors).toEqual([...free('4D534346'), ...free('504B0304')].sort((a, b) => a - b));
    expect(sectors).toHaveLength(2);
    const bytes = readFileSync(image);
    for (const c of carved.candidates) {
      const d = c.details!.carved as { bytes: number; offset: number; end: string; names?: string[] };
      expect(d.end).toMatch(/^its end \((cabinet header|end record)\) in the same free run$/);
      expect([sha256(archive['out.cab']!), sha256(archive['big.zip']!)]).toContain(sha256(bytes.subarray(d.offset, d.offset + d.bytes)));
      expect(d.names).toEqual(expect.arrayContaining(['payroll.xlsx', 'Passwords.kdbx']));
    }
    // A password store among them: the archives are judged by what they hold.
    expect(carved.candidates.every((c) => c.hits.some((h) => h.rule === 'archive-sensitive-contents'))).toBe(true);
    expect(carved.warnings).toEqual([]);
  }, 60_000);
});
