/**
 * exFAT (src/evidence/image/fs/exfat.ts) on volumes made by mkfs.exfat with files put in by
 * fixtures/lib/exfat-writer.mjs (no mount; fsck.exfat -n finds them clean): the listing equals
 * `fls -r -p -m /`, every live file equals its source and `icat`, a deleted entry set is listed as
 * deleted with its content, and damage (a broken set, a looping chain, a truncated volume) gives a
 * warning and what could be read.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bodyfile, walkFs } from '../../src/evidence/image/bodyfile.js';
import { ExfatFs, exfatTime } from '../../src/evidence/image/fs/exfat.js';
import { openDiskImage } from '../../src/evidence/image/index.js';
import { bufferSource } from '../../src/util/byte-source.js';
import type { ExfatFileSpec } from '../../fixtures/lib/exfat-writer.mjs';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { buildExfat, run } from './build-images.js';
import { tskComparable } from './tsk.js';

const TOOLS = ['mkfs.exfat', 'fsck.exfat', 'fls', 'icat'];
const missing = TOOLS.filter((t) => !toolAvailable(t));

const FILES: ExfatFileSpec[] = [
  { path: 'a.txt', data: 'hello staging\n' },
  { path: 'Windows', dir: true },
  { path: 'Windows/Temp', dir: true },
  { path: 'Windows/Temp/big.bin', data: Buffer.alloc(70000, 0x41), fragmented: true },
  { path: 'Windows/Temp/A Long File Name With Spaces And More Than Thirty Chars.txt', data: 'deep\n', hidden: true },
  { path: 'Überweisung.txt', data: 'ü\n', modified: new Date(Date.UTC(2021, 5, 7, 8, 9, 11, 230)) },
  { path: 'many', dir: true },
  ...Array.from({ length: 300 }, (_, i) => ({ path: `many/file-${i}.txt`, data: `n${i}\n`, fragmented: i % 2 === 1 })),
  { path: 'todelete.txt', data: 'to be deleted\n', deleted: true }, // last: nothing reuses its cluster
];

/**
 * TSK's virtual and metadata entries ($ALLOC_BITMAP, $UPCASE_TABLE) are not files; TSK drops the
 * write bits of a hidden exFAT file as if it were read-only (we take them from the read-only bit).
 */
function tskExfat(lines: string[], hidden: Set<string>): string[] {
  return tskComparable(lines)
    .filter((l) => !/^0\|\/\$(ALLOC_BITMAP|UPCASE_TABLE)\|/.test(l))
    .map((l) => (hidden.has(l.split('|')[1]!) ? l.replace('|r/rr-xr-xr-x|', '|r/rrwxrwxrwx|') : l));
}

describeIf(missing.length === 0, `exFAT tools missing: ${missing.join(', ')}`)('exFAT reader', () => {
  let dir: string;
  let img: string;
  beforeAll(() => {
    dir = tempDir('exfat');
    img = buildExfat(dir, 'stage.exfat', 8, FILES);
  }, 60_000);
  afterAll(() => removeTree(dir));

  test('listing = fls -r -p -m, content = source and icat, deleted set listed with its content', () => {
    const disk = openDiskImage(img);
    try {
      const fs = disk.volumes[0]!.fs as ExfatFs;
      expect([disk.volumes.length, fs.kind, fs.volumeLabel]).toEqual([1, 'exfat', 'STAGE']);
      const entries = [...walkFs(fs)];
      const hidden = new Set(entries.filter((e) => e.hidden && !e.readOnly).map((e) => e.path));
      expect([...hidden]).toEqual(['/Windows/Temp/A Long File Name With Spaces And More Than Thirty Chars.txt']);
      const theirs = tskExfat(run('fls', ['-r', '-p', '-m', '/', img]).trim().split('\n'), hidden);
      expect(tskComparable(bodyfile(fs))).toEqual(theirs);
      expect(theirs.length).toBe(FILES.length);
      let checked = 0;
      for (const spec of FILES) {
        const e = fs.lookup(spec.path);
        if (spec.deleted) {
          expect(e).toBeNull(); // lookups see live names only
          continue;
        }
        expect([spec.path, e?.type]).toEqual([spec.path, spec.dir ? 'directory' : 'file']);
        if (spec.dir) continue;
        const want = Buffer.from(spec.data ?? '');
        expect([spec.path, fs.open(e!).read(0, e!.size).equals(want)]).toEqual([spec.path, true]);
        if (checked++ < 6 || want.length > 4096) expect([spec.path, execFileSync('icat', [img, e!.id]).equals(want)]).toEqual([spec.path, true]);
      }
      const gone = entries.find((e) => e.deleted)!;
      expect([gone.path, gone.size]).toEqual(['/todelete.txt', 14]);
      expect(fs.open(gone).read(0, 100).toString()).toBe('to be deleted\n');
      const u = fs.lookup('/überweisung.txt', true)!;
      expect(u.times.mtime).toEqual({ sec: Date.UTC(2021, 5, 7, 8, 9, 11) / 1000, nsec: 230_000_000 });
      expect(fs.warnings).toEqual([]);
    } finally {
      disk.close();
    }
  });

  test('an entry carries where its data lies: copies of it open, an entry of another opening of the volume does not', () => {
    const bytes = readFileSync(img);
    const a = new ExfatFs(bufferSource(bytes), 'a');
    const b = new ExfatFs(bufferSource(bytes), 'b');
    const big = a.lookup('/Windows/Temp/big.bin')!;
    expect(a.open({ ...big }).read(0, big.size).equals(Buffer.alloc(70000, 0x41))).toBe(true);
    expect(a.list({ ...a.lookup('/many')! }).entries.length).toBe(300);
    // Ids are only addresses: b holds nothing for a's entries, and takes them for none of its own.
    expect(() => b.open(big)).toThrow(/not a regular file of this volume/);
    expect(b.list(a.lookup('/many')!).entries).toEqual([]);
    expect(b.open(b.lookup('/Windows/Temp/big.bin')!).read(0, 4).toString()).toBe('AAAA');
  });

  test('damage: a broken set checksum, a looping FAT chain and a truncated volume give warnings and what could be read', () => {
    const bytes = readFileSync(img);
    const broken = Buffer.from(bytes);
    const at = broken.indexOf(Buffer.from('a.txt', 'utf16le')) - 2 - 64; // the File entry of a.txt
    expect(broken[at]).toBe(0x85);
    broken[at + 2] ^= 0xff; // checksum
    // big.bin's chain: its second cluster points back to its first
    const fs0 = new ExfatFs(bufferSource(bytes), 'x');
    const big = fs0.lookup('/Windows/Temp/big.bin')!;
    const streamAt = broken.indexOf(Buffer.from('big.bin', 'utf16le')) - 2 - 32;
    const first = broken.readUInt32LE(streamAt + 20);
    const fatAt = broken.readUInt32LE(80) * 512;
    const second = broken.readUInt32LE(fatAt + first * 4);
    broken.writeUInt32LE(first, fatAt + second * 4);
    const fs = new ExfatFs(bufferSource(broken), 'broken');
    expect(fs.lookup('/a.txt')).not.toBeNull();
    const loop = fs.lookup('/Windows/Temp/big.bin')!;
    expect(fs.open(loop).read(0, big.size).subarray(0, 8192).equals(Buffer.alloc(8192, 0x41))).toBe(true);
    expect(fs.warnings.join('\n')).toMatch(/checksum mismatch[\s\S]*loops|loops[\s\S]*checksum mismatch/);
    const cut = new ExfatFs(bufferSource(bytes.subarray(0, 3 * 1024 * 1024)), 'cut');
    expect(cut.warnings.join('\n')).toMatch(/clusters declared/);
    expect([...walkFs(cut)].length).toBeGreaterThan(3);
  });
});

test('exFAT timestamps: 10 ms increments and the UTC offset', () => {
  const stamp = ((40 << 25) | (6 << 21) | (7 << 16) | (8 << 11) | (9 << 5) | 5) >>> 0; // 2020-06-07 08:09:10 local
  expect(exfatTime(stamp, 123, 0)).toEqual({ sec: Date.UTC(2020, 5, 7, 8, 9, 11) / 1000, nsec: 230_000_000 });
  expect(exfatTime(stamp, 0, 0x80 | 8)).toEqual({ sec: Date.UTC(2020, 5, 7, 6, 9, 10) / 1000, nsec: 0 }); // UTC+02:00
  expect(exfatTime(stamp, 0, 0x80 | 0x7c)).toEqual({ sec: Date.UTC(2020, 5, 7, 9, 9, 10) / 1000, nsec: 0 }); // UTC-01:00
  expect(exfatTime(0, 0, 0)).toBeUndefined();
});
