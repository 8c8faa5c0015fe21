/**
 * Shadow copies from hostile bytes (src/evidence/image/vss): every chain, count and offset of the
 * catalog and the stores is attacker-controlled. Loops end with a warning, offsets outside the
 * volume read as zeros with a warning, counts are capped, and any mutation of the structures gives
 * warnings and what could be read, never a throw or a hang. Also the descriptor semantics that
 * real stores rarely show: overlays, forwarders into the next store, the bitmaps.
 */
import { describe, expect, test } from '@jest/globals';
import { mutate, MUTATIONS } from '../../bench/lib/mutate.mjs';
import { openImage } from '../../src/evidence/image/container/index.js';
import { walkFs } from '../../src/evidence/image/bodyfile.js';
import { NtfsFs } from '../../src/evidence/image/fs/ntfs.js';
import { readShadowCopies } from '../../src/evidence/image/vss/index.js';
import { LIMITS } from '../../src/util/limits.js';
import type { ByteSource } from '../../src/util/byte-source.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf } from '../helpers/corpus.js';
import { VSS_BLOCK, vssMetadataBytes, writeVss, type StoreSpec } from '../../bench/lib/vss-layout.mjs';

const VOLUME = 4 * 1024 * 1024;
const META_AT = 2 * 1024 * 1024;

function bufferSource(b: Buffer): ByteSource {
  return { size: b.length, name: 'volume', read: (p, n) => Buffer.from(b.subarray(Math.max(0, p), Math.min(b.length, p + n))) };
}

/** A volume whose every 16 KiB block is filled with its block number (live data), VSS at META_AT. */
function volumeWith(stores: StoreSpec[]): { volume: Buffer; dataAt: number } {
  const volume = Buffer.alloc(VOLUME);
  for (let b = 0; b < META_AT / VSS_BLOCK; b++) volume.fill(b & 0xff, b * VSS_BLOCK, (b + 1) * VSS_BLOCK);
  volume.fill(0, 0x1e00, 0x2000);
  writeVss(volume, META_AT, stores);
  return { volume, dataAt: META_AT + vssMetadataBytes(stores, VOLUME) };
}

const block = (src: ByteSource, b: number): Buffer => src.read(b * VSS_BLOCK, VSS_BLOCK);
const filled = (v: number, n = VSS_BLOCK): Buffer => Buffer.alloc(n, v);

describe('descriptor semantics', () => {
  test('two stores: the older reads through the newer, a block saved in both reads each store\'s own, unsaved blocks read the live volume', () => {
    const stores: StoreSpec[] = [
      { storeId: '00000001-0000-4000-8000-000000000001', created: '2024-01-01T00:00:00Z', descriptors: [] },
      { storeId: '00000002-0000-4000-8000-000000000002', created: '2024-02-01T00:00:00Z', descriptors: [] },
    ];
    // store 1 saved block 3 (old bytes 0xa1); store 2 saved blocks 3 and 5 (0xb3, 0xb5)
    const saved: Array<[number, number, number]> = [
      [0, 3, 0xa1],
      [1, 3, 0xb3],
      [1, 5, 0xb5],
    ];
    let at = volumeWith(stores).dataAt;
    const places = saved.map(([s, original]) => {
      stores[s]!.descriptors.push({ original: original * VSS_BLOCK, relative: 1, store: at });
      at += VSS_BLOCK;
      return at - VSS_BLOCK;
    });
    const { volume } = volumeWith(stores);
    saved.forEach(([, , value], i) => volume.fill(value, places[i]!, places[i]! + VSS_BLOCK));
    const warnings: string[] = [];
    const [one, two] = readShadowCopies(bufferSource(volume), 'v', warnings);
    expect(warnings).toEqual([]);
    expect(block(one!.source, 3)).toEqual(filled(0xa1));
    expect(block(one!.source, 5)).toEqual(filled(0xb5)); // not saved by store 1: store 2's
    expect(block(one!.source, 7)).toEqual(filled(7)); // live
    expect(block(two!.source, 3)).toEqual(filled(0xb3));
    expect(block(two!.source, 7)).toEqual(filled(7));
    // a read across blocks stitches them
    expect(one!.source.read(3 * VSS_BLOCK + VSS_BLOCK - 2, 4)).toEqual(Buffer.from([0xa1, 0xa1, 4, 4]));
  });

  test('an overlay replaces only the 512-byte sectors its bitmap names, in its own store only', () => {
    const stores: StoreSpec[] = [
      { storeId: '00000001-0000-4000-8000-000000000001', created: '2024-01-01T00:00:00Z', descriptors: [] },
      { storeId: '00000002-0000-4000-8000-000000000002', created: '2024-02-01T00:00:00Z', descriptors: [] },
    ];
    const { dataAt } = volumeWith(stores);
    // store 2: an overlay of block 4 with sectors 0 and 2 (bitmap 0b101)
    stores[1]!.descriptors.push({ original: 4 * VSS_BLOCK, relative: 1, store: dataAt, flags: 0x02, bitmap: 0b101 });
    const { volume } = volumeWith(stores);
    volume.fill(0xcc, dataAt, dataAt + VSS_BLOCK);
    const [one, two] = readShadowCopies(bufferSource(volume), 'v', []);
    const b = block(two!.source, 4);
    expect(b.subarray(0, 512)).toEqual(filled(0xcc, 512));
    expect(b.subarray(512, 1024)).toEqual(filled(4, 512));
    expect(b.subarray(1024, 1536)).toEqual(filled(0xcc, 512));
    expect(b.subarray(1536)).toEqual(filled(4, VSS_BLOCK - 1536));
    // store 1 reads through store 2, where the overlay does not count
    expect(block(one!.source, 4)).toEqual(filled(4));
  });

  test('a forwarder reads the block it names through the next store', () => {
    const stores: StoreSpec[] = [
      { storeId: '00000001-0000-4000-8000-000000000001', created: '2024-01-01T00:00:00Z', descriptors: [{ original: 6 * VSS_BLOCK, relative: 9 * VSS_BLOCK, store: 0, flags: 0x01 }] },
      { storeId: '00000002-0000-4000-8000-000000000002', created: '2024-02-01T00:00:00Z', descriptors: [] },
    ];
    const { dataAt } = volumeWith(stores);
    stores[1]!.descriptors.push({ original: 9 * VSS_BLOCK, relative: 1, store: dataAt });
    const { volume } = volumeWith(stores);
    volume.fill(0xd9, dataAt, dataAt + VSS_BLOCK);
    const [one, two] = readShadowCopies(bufferSource(volume), 'v', []);
    expect(block(one!.source, 6)).toEqual(filled(0xd9)); // block 6 of copy 1 = block 9 as copy 2 has it
    expect(block(two!.source, 6)).toEqual(filled(6));
  });

  test('a block not in use at the copy reads as zeros in the newest copy, unless a previous bitmap says it was in use', () => {
    const stores: StoreSpec[] = [
      { storeId: '00000001-0000-4000-8000-000000000001', created: '2024-01-01T00:00:00Z', descriptors: [], unusedBlocks: [10] },
      { storeId: '00000002-0000-4000-8000-000000000002', created: '2024-02-01T00:00:00Z', descriptors: [], unusedBlocks: [10, 11, 12], previousUnused: [11] },
    ];
    const [one, two] = readShadowCopies(bufferSource(volumeWith(stores).volume), 'v', []);
    expect(block(two!.source, 11)).toEqual(Buffer.alloc(VSS_BLOCK)); // not in use in both bitmaps
    expect(block(two!.source, 10)).toEqual(filled(10)); // the previous bitmap says in use
    expect(block(two!.source, 12)).toEqual(filled(12));
    expect(block(one!.source, 11)).toEqual(filled(11)); // an older copy reads the live block
    // one store, no previous bitmap: its current bitmap alone decides
    const [only] = readShadowCopies(bufferSource(volumeWith([{ ...stores[0]!, unusedBlocks: [10] }]).volume), 'v', []);
    expect(block(only!.source, 10)).toEqual(Buffer.alloc(VSS_BLOCK));
    expect(block(only!.source, 9)).toEqual(filled(9));
  });
});

describe('hostile structures', () => {
  const oneStore = (): StoreSpec[] => [{ storeId: '00000001-0000-4000-8000-000000000001', created: '2024-01-01T00:00:00Z', descriptors: [] }];

  test('a catalog chain that loops ends with a warning', () => {
    const { volume } = volumeWith(oneStore());
    volume.writeBigUInt64LE(BigInt(META_AT), META_AT + 40); // next = itself
    const warnings: string[] = [];
    expect(readShadowCopies(bufferSource(volume), 'v', warnings)).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/catalog chain loops/);
  });

  test('a block list that loops ends with a warning, and the copy reads', () => {
    const stores = oneStore();
    const { volume } = volumeWith(stores);
    const listAt = META_AT + 2 * VSS_BLOCK;
    volume.writeBigUInt64LE(BigInt(listAt), listAt + 40);
    const warnings: string[] = [];
    const [copy] = readShadowCopies(bufferSource(volume), 'v', warnings);
    expect(block(copy!.source, 7)).toEqual(filled(7));
    expect(warnings.join('\n')).toMatch(/block list chain loops/);
  });

  test('a saved block outside the volume reads as zeros, said once', () => {
    const stores = oneStore();
    stores[0]!.descriptors.push({ original: 2 * VSS_BLOCK, relative: 1, store: VOLUME + 10 * VSS_BLOCK }, { original: 3 * VSS_BLOCK, relative: 1, store: Number.MAX_SAFE_INTEGER - 5 });
    const { volume } = volumeWith(stores);
    const warnings: string[] = [];
    const [copy] = readShadowCopies(bufferSource(volume), 'v', warnings);
    expect(block(copy!.source, 2)).toEqual(Buffer.alloc(VSS_BLOCK));
    expect(block(copy!.source, 3)).toEqual(Buffer.alloc(VSS_BLOCK));
    expect(warnings.filter((w) => /outside the volume/.test(w))).toHaveLength(1);
  });

  test('a store without its type 3 entry is said and left out; a machine name claiming 65535 bytes is bounded', () => {
    const stores = oneStore();
    const { volume } = volumeWith(stores);
    const headerAt = META_AT + VSS_BLOCK;
    volume.writeUInt16LE(0xffff, headerAt + 128 + 64);
    let warnings: string[] = [];
    const [copy] = readShadowCopies(bufferSource(volume), 'v', warnings);
    expect(copy!.operatingMachine!.length).toBeLessThanOrEqual(256);
    volume.fill(0, META_AT + 256, META_AT + 384); // the type 3 entry
    warnings = [];
    expect(readShadowCopies(bufferSource(volume), 'v', warnings)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/catalog entry type 3 missing/);
  });

  test('a catalog that claims a larger volume: said, and the volume as it is read', () => {
    const { volume } = volumeWith(oneStore());
    volume.writeBigUInt64LE(BigInt(VOLUME * 1024), META_AT + 128 + 8);
    const warnings: string[] = [];
    const [copy] = readShadowCopies(bufferSource(volume), 'v', warnings);
    expect(copy!.source.size).toBe(VOLUME);
    expect(warnings.join('\n')).toMatch(/claims a volume of 4294967296 bytes; the 4194304 bytes of this one are read/);
  });

  test('more stores than the limit: the newest are read', () => {
    const stores: StoreSpec[] = [];
    for (let i = 0; i < LIMITS.maxShadowCopies + 3; i++) stores.push({ storeId: `00000001-0000-4000-8000-${String(i).padStart(12, '0')}`, created: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(), descriptors: [] });
    const big = Buffer.alloc(32 * 1024 * 1024);
    writeVss(big, 2 * 1024 * 1024, stores);
    const warnings: string[] = [];
    const copies = readShadowCopies(bufferSource(big), 'v', warnings);
    expect(copies).toHaveLength(LIMITS.maxShadowCopies);
    expect(copies[0]!.created).toBe('2024-01-04T00:00:00.0000000Z');
    // numbered as among all the volume's copies (vshadowinfo's numbers)
    expect(copies.map((c) => c.number)).toEqual(Array.from({ length: LIMITS.maxShadowCopies }, (_, i) => i + 4));
    expect(warnings.join('\n')).toMatch(/the newest 64 read/);
  });

  test('block lists beyond the volume\'s descriptor budget: the oldest copies are left out (each reads through the newer), counted before any list is read', () => {
    const stores: StoreSpec[] = [1, 2, 3].map((n) => ({
      storeId: `00000001-0000-4000-8000-00000000000${n}`,
      created: `2024-0${n}-01T00:00:00Z`,
      // 600 descriptors: two block-list blocks, at most 1,016 descriptors by their count
      descriptors: Array.from({ length: 600 }, (_, i) => ({ original: (i % 64) * VSS_BLOCK, relative: 1, store: META_AT - VSS_BLOCK })),
    }));
    const { volume } = volumeWith(stores);
    const warnings: string[] = [];
    const copies = readShadowCopies(bufferSource(volume), 'v', warnings, 2100);
    expect(copies.map((c) => c.number)).toEqual([2, 3]);
    expect(warnings).toEqual(['v: shadow copies 1 to 1 left out: with the newer copies their block lists exceed 2100 descriptors']);
    expect(readShadowCopies(bufferSource(volume), 'v', [], 3100)).toHaveLength(3);
    expect(readShadowCopies(bufferSource(volume), 'v', [], 1000)).toEqual([]);
  });

  test('500 mutations of the catalog and store blocks: warnings and bytes, never a throw or a hang', () => {
    const stores: StoreSpec[] = [
      { storeId: '00000001-0000-4000-8000-000000000001', created: '2024-01-01T00:00:00Z', descriptors: [], unusedBlocks: [20, 21] },
      { storeId: '00000002-0000-4000-8000-000000000002', created: '2024-02-01T00:00:00Z', descriptors: [], previousUnused: [3] },
    ];
    const { dataAt } = volumeWith(stores);
    stores[0]!.descriptors.push({ original: 1 * VSS_BLOCK, relative: 1, store: dataAt }, { original: 2 * VSS_BLOCK, relative: 5 * VSS_BLOCK, store: 0, flags: 1 });
    stores[1]!.descriptors.push({ original: 5 * VSS_BLOCK, relative: 1, store: dataAt + VSS_BLOCK }, { original: 1 * VSS_BLOCK, relative: 1, store: dataAt, flags: 2, bitmap: 0xf0f0 });
    const { volume: pristine } = volumeWith(stores);
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const metaBytes = dataAt - META_AT;
    const interesting = [0, 0xffffffff, 1, 2, 3, META_AT, META_AT + 2 * VSS_BLOCK, VOLUME, VSS_BLOCK, 0x80000000];
    const started = Date.now();
    for (let i = 0; i < 500; i++) {
      const volume = Buffer.from(pristine);
      for (let k = 0, n = 1 + rand(8); k < n; k++) {
        const at = META_AT + rand(metaBytes - 8);
        if (rand(2) === 0) volume.writeUInt32LE(interesting[rand(interesting.length)]!, at - (at % 4));
        else volume[at] = rand(256);
      }
      if (rand(4) === 0) volume.writeUInt32LE(interesting[rand(interesting.length)]!, 0x1e00 + 48);
      const warnings: string[] = [];
      const copies = readShadowCopies(bufferSource(volume), 'v', warnings);
      expect(copies.length).toBeLessThanOrEqual(2);
      for (const c of copies) {
        for (const b of [0, 1, 2, 3, 5, 20, 255]) expect(block(c.source, b)).toHaveLength(VSS_BLOCK);
      }
      expect(warnings.length).toBeLessThanOrEqual(1000);
    }
    // Generous: a loop would not end at all.
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

/** The 16 KiB blocks of a real volume's VSS structures: the header's, the catalog chain, each store's header, block list and bitmap chains. */
function structureBlocks(volume: ByteSource): number[] {
  const out = [0];
  const follow = (first: number): void => {
    for (let at = first, n = 0; at > 0 && n < 64; n++) {
      out.push(at);
      at = Number(volume.read(at + 40, 8).readBigUInt64LE(0));
    }
  };
  const catalogAt = Number(volume.read(0x1e00 + 48, 8).readBigUInt64LE(0));
  follow(catalogAt);
  const catalog = volume.read(catalogAt, VSS_BLOCK);
  for (let o = 128; o + 128 <= VSS_BLOCK; o += 128) {
    if (catalog.readBigUInt64LE(o) !== 3n) continue;
    for (const field of [8, 32, 48]) follow(Number(catalog.readBigUInt64LE(o + field)));
  }
  return out;
}

/** `volume` with one 16 KiB block replaced (a shorter replacement reads as zeros after its end). */
function withBlock(volume: ByteSource, at: number, replacement: Buffer): ByteSource {
  const block = Buffer.alloc(VSS_BLOCK);
  replacement.copy(block, 0, 0, Math.min(VSS_BLOCK, replacement.length));
  return {
    size: volume.size,
    name: volume.name,
    read(p: number, n: number): Buffer {
      const out = volume.read(p, n);
      const from = Math.max(p, at);
      const to = Math.min(p + out.length, at + VSS_BLOCK);
      if (from < to) block.copy(out, from - p, from - at, to - at);
      return out;
    },
  };
}

describeIf(corpusAvailable(), CORPUS_MISSING)('mutated structures of a real volume (plaso vsstest.qcow2)', () => {
  test('every mutation kind on every VSS block: warnings and readable copies (and their NTFS walks), never a throw or a hang', () => {
    const img = openImage(corpusPath('images/plaso/vsstest.qcow2'));
    try {
      const blocks = structureBlocks(img.media);
      expect(blocks.length).toBeGreaterThanOrEqual(8);
      let cases = 0;
      const started = Date.now();
      for (const at of blocks) {
        const original = img.media.read(at, VSS_BLOCK);
        for (const kind of MUTATIONS) {
          for (const seed of [1, 2]) {
            const volume = withBlock(img.media, at, mutate(original, kind, seed * 7919 + at));
            const warnings: string[] = [];
            const copies = readShadowCopies(volume, 'vsstest', warnings);
            expect(copies.length).toBeLessThanOrEqual(2);
            for (const c of copies) {
              for (const p of [0, 0x1e00, 12 * 1024 * 1024, c.source.size - 4096]) expect(c.source.read(p, 4096).length).toBe(Math.min(4096, c.source.size - p));
              let fs: NtfsFs | null = null;
              try {
                fs = new NtfsFs(c.source, 'copy');
              } catch {
                continue; // no NTFS boot sector left: the scan says so and goes on (openFileSystem)
              }
              let n = 0;
              for (const e of walkFs(fs)) if (++n > 10_000 || !e) break;
            }
            cases++;
          }
        }
      }
      expect(cases).toBe(blocks.length * MUTATIONS.length * 2);
      expect(Date.now() - started).toBeLessThan(120_000);
    } finally {
      img.close();
    }
  }, 180_000);
});
