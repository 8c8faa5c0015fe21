/**
 * Hostile images: container, partition and file-system readers fed mutated corpus seeds
 * (bench/lib/mutate.mjs: bit flips, byte sets, truncations, splices, maxed length fields, zeroed
 * ranges) and hand-made loops must end, without a crash, within a time budget, with bounded reads.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mutate, MUTATIONS } from '../../bench/lib/mutate.mjs';
import { bufferSource, type ByteSource } from '../../src/util/byte-source.js';
import { bodyfile, walkFs } from '../../src/evidence/image/bodyfile.js';
import { openEwf } from '../../src/evidence/image/container/ewf.js';
import { openQcow2 } from '../../src/evidence/image/container/qcow2.js';
import { openVhd } from '../../src/evidence/image/container/vhd.js';
import { openSparseExtent } from '../../src/evidence/image/container/vmdk.js';
import { openVhdx } from '../../src/evidence/image/container/vhdx.js';
import { openFileSystem } from '../../src/evidence/image/fs/index.js';
import { ExtFs } from '../../src/evidence/image/fs/ext.js';
import { FatFs } from '../../src/evidence/image/fs/fat.js';
import { readVolumeLayout } from '../../src/evidence/image/volume/index.js';
import { sliceSource } from '../../src/evidence/image/container/block-source.js';
import { corpusAvailable, corpusPath, describeIf, toolAvailable, CORPUS_MISSING } from '../helpers/corpus.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { buildExfat } from './build-images.js';
import { cpuClock } from '../helpers/cpu.js';

const HAVE = corpusAvailable();
const BUDGET_MS = 5000;
const SEEDS_PER_KIND = 3;

/** Everything a scan would do with a media source: partitions, file systems, a full walk, file heads. */
function exercise(media: ByteSource): number {
  let touched = 0;
  // sample the media: the start, and a few places spread over the claimed size
  for (const p of [0, 4096, Math.floor(media.size / 2), Math.max(0, media.size - 4096)]) touched += media.read(p, 65536).length;
  const layout = readVolumeLayout(media);
  const parts = layout.scheme === 'none' ? [media] : layout.partitions.slice(0, 8).map((p) => sliceSource(media, p.startSector * p.sectorSize, p.sectors * p.sectorSize, 'p'));
  for (const part of parts) {
    const fs = openFileSystem(part, 'fuzz', []);
    if (!fs) continue;
    let n = 0;
    for (const e of walkFs(fs)) {
      if (++n > 20_000) break;
      if (e.type === 'file') {
        try {
          touched += fs.open(e).read(0, 65536).length;
        } catch {
          /* an entry this reader cannot open: reported by open, not a crash */
        }
      }
    }
  }
  return touched;
}

type Opener = (src: ByteSource, w: string[]) => ByteSource;
const SEEDS: Array<[string, Opener]> = [
  ['images/dfvfs/ext2.E01', (s, w) => openEwf([s], 'x', w).source],
  ['images/plaso/image.E01', (s, w) => openEwf([s], 'x', w).source],
  ['images/dfvfs/ext2.qcow2', (s, w) => openQcow2(s, 'x', w).source],
  ['images/dfvfs/ext2.vhd', (s, w) => openVhd(s, 'x', w).source],
  ['images/dfvfs/ext2.vmdk', (s, w) => openSparseExtent(s, 'x', w)],
  ['images/dfvfs/mbr.raw', (s) => s],
  ['images/gpt-rs/gpt-disk.img', (s) => s],
  ['images/go-ext4/hierarchy_64.ext4', (s) => s],
  ['images/go-ext4/tiny.ext4', (s) => s],
  ['images/rust-fatfs/fat12.img', (s) => s],
  ['images/rust-fatfs/fat16.img', (s) => s],
  ['ntfs/ntfs-rs/testfs1', (s) => s], // NTFS through the EvidenceFs adapter
];

describeIf(HAVE, CORPUS_MISSING)('image readers on mutated corpus seeds end without crash', () => {
  for (const [file, open] of SEEDS) {
    test(file, () => {
      const seed = readFileSync(corpusPath(file));
      let cases = 0;
      let rejected = 0;
      for (const kind of MUTATIONS) {
        for (let s = 1; s <= SEEDS_PER_KIND; s++) {
          const input = mutate(seed, kind, s * 7919);
          const started = cpuClock();
          const warnings: string[] = [];
          try {
            exercise(open(bufferSource(input), warnings));
          } catch (err) {
            // a container whose header is unusable is refused with an Error, never anything else
            expect([kind, s, err instanceof Error]).toEqual([kind, s, true]);
            expect((err as Error).constructor.name).not.toMatch(/^(TypeError|ReferenceError)$/);
            rejected++;
          }
          expect([kind, s, started() < BUDGET_MS]).toEqual([kind, s, true]);
          cases++;
        }
      }
      expect(cases).toBe(MUTATIONS.length * SEEDS_PER_KIND);
      expect(rejected).toBeLessThan(cases);
    }, 120_000);
  }

  test('an ext directory entry pointing back to the root ends (visited once, warned)', () => {
    const img = Buffer.from(readFileSync(corpusPath('images/go-ext4/hierarchy_32.ext4')));
    // the root's entry for directory1: inode, rec_len, name_len 10, type 2, name
    const at = img.indexOf(Buffer.from('directory1'));
    expect(img[at - 2]).toBe(10);
    img.writeUInt32LE(2, at - 8);
    const fs = new ExtFs(bufferSource(img), 'loop');
    const lines = bodyfile(fs);
    expect(lines.some((l) => l.startsWith('0|/directory1|2|'))).toBe(true);
    expect(fs.warnings.join('\n')).toMatch(/already visited/);
  });

  test('a FAT cluster chain looping onto itself ends (warned)', () => {
    const img = Buffer.from(readFileSync(corpusPath('images/rust-fatfs/fat12.img')));
    const first = firstClusterOf(img, 'LONG    TXT');
    expect(first).toBeGreaterThanOrEqual(2);
    // FAT12 entry of the first cluster -> itself
    const fatAt = img.readUInt16LE(14) * 512;
    const off = fatAt + Math.floor(first * 1.5);
    const v = img.readUInt16LE(off);
    img.writeUInt16LE(first & 1 ? (v & 0x000f) | (first << 4) : (v & 0xf000) | first, off);
    const fs = new FatFs(bufferSource(img), 'loop');
    const e = fs.lookup('/long.txt')!;
    const data = fs.open(e).read(0, e.size);
    expect(data.length).toBe(14000);
    expect(fs.warnings.join('\n')).toMatch(/loops/);
  });

  test('a partition table and file systems claiming more than the media hold', () => {
    const img = Buffer.from(readFileSync(corpusPath('images/dfvfs/mbr.raw')));
    img.writeUInt32LE(0xfffffff0, 446 + 12); // first partition: 4 billion sectors
    const layout = readVolumeLayout(bufferSource(img));
    expect(layout.partitions[0]!.sectors).toBe(0xfffffff0);
    const part = sliceSource(bufferSource(img), 512, layout.partitions[0]!.sectors * 512, 'p1');
    expect(part.size).toBe(img.length - 512);
    expect(exercise(bufferSource(img))).toBeGreaterThan(0);
  });

  test('a VHDX with a wild BAT and a QCOW2 claiming an exabyte', () => {
    const q = Buffer.from(readFileSync(corpusPath('images/dfvfs/ext2.qcow2')));
    q.writeBigUInt64BE(1n << 60n, 24);
    const w: string[] = [];
    const media = openQcow2(bufferSource(q), 'q', w).source;
    expect(media.size).toBe(2 ** 60);
    expect(exercise(media)).toBeGreaterThan(0);
    expect(() => openVhdx(bufferSource(Buffer.from('vhdxfile' + '\0'.repeat(400000))), 'v', [])).toThrow(/header/);
  });
});

// exFAT has no corpus seed: a volume made by mkfs.exfat with files put in by our writer is the seed.
const EXFAT_TOOLS = ['mkfs.exfat', 'fsck.exfat'].filter((t) => !toolAvailable(t));
describeIf(EXFAT_TOOLS.length === 0, `exFAT tools missing: ${EXFAT_TOOLS.join(', ')}`)('exFAT reader on a mutated volume', () => {
  test('every mutation ends without crash within the budget', () => {
    const dir = tempDir('fuzz-exfat');
    try {
      const files = [{ path: 'd', dir: true }, { path: 'd/x.bin', data: Buffer.alloc(9000, 7), fragmented: true }, { path: 'a.txt', data: 'a' }, { path: 'gone.txt', data: 'g', deleted: true }];
      const seed = readFileSync(buildExfat(dir, 'seed.exfat', 1, files));
      let rejected = 0;
      for (const kind of MUTATIONS) {
        for (let s = 1; s <= SEEDS_PER_KIND; s++) {
          const started = cpuClock();
          try {
            exercise(bufferSource(mutate(seed, kind, s * 7919)));
          } catch (err) {
            expect([kind, s, (err as Error).constructor.name]).toEqual([kind, s, 'Error']);
            rejected++;
          }
          expect([kind, s, started() < BUDGET_MS]).toEqual([kind, s, true]);
        }
      }
      expect(rejected).toBeLessThan(MUTATIONS.length * SEEDS_PER_KIND);
    } finally {
      removeTree(dir);
    }
  }, 120_000);
});

function firstClusterOf(img: Buffer, name11: string): number {
  const at = img.indexOf(Buffer.from(name11, 'latin1'));
  return img.readUInt16LE(at + 26);
}
