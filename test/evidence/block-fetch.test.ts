/**
 * An image's blocks read and decoded ahead by a worker thread (src/evidence/image/container/
 * block-fetch.ts): every block read through it is the media's bytes (compressed and stored EWF
 * chunks, hinted or not, in the hinted order or not), a damaged chunk gives the same bytes and the
 * same warnings as without the worker, the image's descriptors are all closed after it, and a scan
 * of an NTFS E01 gives the same report with it as without it. The E01 is built here without a
 * mount (mkntfs, ntfscp, ewfacquire); the worker is the compiled
 * dist/evidence/image/container/block-fetch-worker.js (npm test builds first), so the built modules
 * are imported.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { describeIf, DIST_MISSING, toolAvailable } from '../helpers/corpus.js';
import { xorshiftBytes } from '../helpers/random.js';
import { countTakes, descriptorsBackTo, expectSameReport, openDescriptors, scanBothWays } from '../helpers/workers.js';
import { run } from './build-images.js';
import type { openImage as OpenImageFn } from '../../src/evidence/image/container/index.js';
import type { BlockFetcher as BlockFetcherType } from '../../src/evidence/image/container/block-fetch.js';

const WORKER = path.resolve('dist/evidence/image/container/block-fetch-worker.js');
const built = existsSync(WORKER);
if (!built && process.env.CI === 'true') throw new Error(`${WORKER} is missing: run npm run build`);
const TOOLS = ['mkntfs', 'ntfscp', 'ewfacquire'];
const missing = TOOLS.filter((t) => !toolAvailable(t));
const READY = built && missing.length === 0;

type ScanFn = (o: Record<string, unknown>) => Promise<{ findings: unknown[]; errors: unknown[]; timeline: unknown[]; summary: unknown; meta: { roots: Array<{ filesScanned: number }> } }>;
type BlockFetcherClass = typeof BlockFetcherType;

const CHUNK = 32 * 1024;

/** A deterministic order of 0..n-1. */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const r = xorshiftBytes(4 * n, seed);
  for (let i = n - 1; i > 0; i--) {
    const j = r.readUInt32LE(4 * i) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Until restored, `take` first waits (up to `ms`) for a block the worker has queued and not yet
 * done; counts the blocks hinted while a worker runs. Reaches into the fetcher's places (test only).
 */
function waitForQueuedBlocks(cls: BlockFetcherClass, queued: number, ms: number): { hinted: number; restore(): void } {
  interface Inside {
    take(block: number, into?: Buffer, at?: number): Buffer | null;
    hint(block: number): void;
    placeOf: Map<number, number>;
    state: Int32Array;
    running: boolean;
  }
  const proto = cls.prototype as unknown as Inside;
  const { take, hint } = proto;
  const counter = {
    hinted: 0,
    restore: () => {
      proto.take = take;
      proto.hint = hint;
    },
  };
  proto.hint = function (this: Inside, block: number) {
    if (this.running) counter.hinted++;
    hint.call(this, block);
  };
  proto.take = function (this: Inside, block: number, into?: Buffer, at?: number) {
    const place = this.placeOf.get(block);
    if (place !== undefined && this.running) Atomics.wait(this.state, place, queued, ms);
    return take.call(this, block, into, at);
  };
  return counter;
}

describeIf(READY, built ? `tools missing: ${missing.join(', ')}` : DIST_MISSING)('blocks fetched ahead by a worker', () => {
  let openImage: typeof OpenImageFn;
  let BlockFetcher: BlockFetcherClass;
  let queued: number;
  let scan: ScanFn;
  let limits: { readAheadAfterFiles: number };
  let dir: string;
  let raw: Buffer;
  let e01: string;

  beforeAll(async () => {
    ({ openImage } = (await import(path.resolve('dist/evidence/image/container/index.js'))) as { openImage: typeof OpenImageFn });
    ({ BlockFetcher, QUEUED: queued } = (await import(path.resolve('dist/evidence/image/container/block-fetch.js'))) as { BlockFetcher: BlockFetcherClass; QUEUED: number });
    ({ scan } = (await import(path.resolve('dist/pipeline/scan.js'))) as { scan: ScanFn });
    ({ LIMITS: limits } = (await import(path.resolve('dist/util/limits.js'))) as { LIMITS: { readAheadAfterFiles: number } });
    dir = tempDir('block-fetch');
    // Files in the volume's root (ntfscp writes there without a mount): notes (chunks that compress),
    // random blobs (chunks EWF stores uncompressed), ZIP-like heads, sizes across clusters and chunks.
    const image = path.join(dir, 'volume.ntfs');
    run('truncate', ['-s', '24M', image]);
    run('mkntfs', ['-F', '-Q', '-q', '-L', 'FETCH', image]);
    const files = path.join(dir, 'files');
    run('mkdir', [files]);
    for (let i = 0; i < 160; i++) {
      const name = i % 4 === 0 ? `blob${i}.dat` : i % 4 === 1 ? `c${i}.tmp` : `note${i}.txt`;
      const body = i % 4 === 0 ? xorshiftBytes(3000 + 997 * i, 0x5eed + i) : i % 4 === 1 ? Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), xorshiftBytes(200 + i, i)]) : Buffer.from(`note ${i}\n`.repeat(1 + i * 7));
      writeFileSync(path.join(files, name), body);
      run('ntfscp', ['-f', image, path.join(files, name), name]);
    }
    e01 = path.join(dir, 'volume');
    run('ewfacquire', ['-u', '-q', '-t', e01, '-f', 'encase6', '-c', 'deflate:fast', '-m', 'fixed', '-M', 'logical', '-b', '64', image], '');
    e01 += '.E01';
    raw = readFileSync(image);
  }, 120_000);
  afterAll(() => removeTree(dir));

  test('every block read through the worker is the media bytes, hinted in order, out of order or not at all', async () => {
    const before = openDescriptors();
    const takes = countTakes(BlockFetcher);
    const img = openImage(e01);
    try {
      const media = img.media;
      expect(media.size).toBe(raw.length);
      expect(media.fetchAhead).toBeDefined();
      await media.fetchAhead!.start();
      const chunks = raw.length / CHUNK;
      // Hinted ahead and read in that order, a random order of every chunk.
      const order = shuffled(chunks, 7);
      for (let k = 0; k < order.length; k++) {
        if (k % 16 === 0) {
          for (const c of order.slice(k, k + 16)) media.fetchAhead!.willRead(c * CHUNK + 100, 10);
          // A moment for the worker (16 chunks are well under a millisecond of its work): a loaded machine still serves most.
          await new Promise((r) => setTimeout(r, 5));
        }
        const c = order[k]!;
        const got = media.read(c * CHUNK, CHUNK);
        expect(got.equals(raw.subarray(c * CHUNK, (c + 1) * CHUNK))).toBe(true);
      }
      expect(takes.served).toBeGreaterThan(chunks / 4);
      // Hints never read (passed over), reads across two chunks, reads never hinted: the same bytes.
      const again = openImage(e01);
      try {
        await again.media.fetchAhead!.start();
        for (let c = 0; c + 3 < chunks; c += 3) {
          again.media.fetchAhead!.willRead(c * CHUNK, 3 * CHUNK);
          const at = (c + 2) * CHUNK - 50;
          expect(again.media.read(at, 100).equals(raw.subarray(at, at + 100))).toBe(true);
        }
        expect(again.warnings).toEqual([]);
      } finally {
        again.close();
      }
      expect(img.warnings).toEqual([]);
    } finally {
      takes.restore();
      img.close();
    }
    expect(await descriptorsBackTo(before)).toBe(before);
  }, 60_000);

  test('a block still decoded when hinted again is kept until it is read, not let go as the least recently used', async () => {
    const proto = BlockFetcher.prototype as unknown as { take: (block: number, ...rest: unknown[]) => unknown };
    const { take } = proto;
    const asked: number[] = [];
    proto.take = function (this: unknown, block: number, ...rest: unknown[]) {
      asked.push(block);
      return take.call(this, block, ...rest);
    };
    const img = openImage(e01);
    try {
      const media = img.media;
      await media.fetchAhead!.start();
      const chunks = raw.length / CHUNK;
      // The image's cache holds BLOCK_CACHE_BYTES of decoded blocks (512 chunks), fewer than the image has.
      const { BLOCK_CACHE_BYTES } = (await import(path.resolve('dist/evidence/image/container/block-source.js'))) as { BLOCK_CACHE_BYTES: number };
      const cached = BLOCK_CACHE_BYTES / CHUNK;
      expect(chunks).toBeGreaterThan(cached + 8);
      media.read(0, CHUNK);
      for (let c = 1; c < cached / 2; c++) media.read(c * CHUNK, CHUNK);
      // Chunk 0 is the least recently used; hinted again, it becomes the most recently used.
      media.fetchAhead!.willRead(100, 10);
      for (let c = cached / 2; c <= cached + 4; c++) media.read(c * CHUNK, CHUNK);
      asked.length = 0;
      expect(media.read(0, CHUNK).equals(raw.subarray(0, CHUNK))).toBe(true);
      expect(asked).toEqual([]);
      // The blocks read before the hint and not since were let go first.
      expect(media.read(CHUNK, CHUNK).equals(raw.subarray(CHUNK, 2 * CHUNK))).toBe(true);
      expect(asked).toEqual([1]);
    } finally {
      proto.take = take;
      img.close();
    }
  });

  test('a damaged chunk gives the same bytes and warnings with the worker as without it', async () => {
    const damaged = path.join(dir, 'damaged.E01');
    copyFileSync(e01, damaged);
    // Bytes of compressed chunks overwritten: from 1/4 of the segment on, every 97th KiB gets 64 bytes of noise.
    const fd = openSync(damaged, 'r+');
    const size = readFileSync(damaged).length;
    for (let at = Math.floor(size / 4); at < (size * 3) / 4; at += 97 * 1024) writeSync(fd, xorshiftBytes(64, at), 0, 64, at);
    closeSync(fd);
    const readAll = async (ahead: boolean): Promise<{ bytes: Buffer; warnings: string[] }> => {
      const img = openImage(damaged);
      try {
        if (ahead) await img.media.fetchAhead!.start();
        const parts: Buffer[] = [];
        const chunks = img.media.size / CHUNK;
        for (let c = 0; c < chunks; c++) {
          if (ahead && c % 8 === 0) {
            img.media.fetchAhead!.willRead(c * CHUNK, 8 * CHUNK);
            await new Promise((r) => setTimeout(r, 5));
          }
          parts.push(Buffer.from(img.media.read(c * CHUNK, CHUNK)));
        }
        return { bytes: Buffer.concat(parts), warnings: [...img.warnings] };
      } finally {
        img.close();
      }
    };
    const takes = countTakes(BlockFetcher);
    const ahead = await readAll(true);
    const served = takes.served;
    takes.restore();
    const here = await readAll(false);
    expect(here.warnings.some((w) => /does not inflate/.test(w))).toBe(true);
    expect(served).toBeGreaterThan(100);
    expect(ahead.warnings).toEqual(here.warnings);
    expect(ahead.bytes.equals(here.bytes)).toBe(true);
  }, 60_000);

  test('a worker that is gone leaves every block to this thread', async () => {
    const img = openImage(e01);
    try {
      await img.media.fetchAhead!.start();
      img.media.fetchAhead!.stop();
      img.media.fetchAhead!.willRead(0, raw.length);
      for (let c = 0; c < 64; c++) expect(img.media.read(c * CHUNK, CHUNK).equals(raw.subarray(c * CHUNK, (c + 1) * CHUNK))).toBe(true);
    } finally {
      img.close();
    }
  });

  test('the fetcher itself: stored and zlib blocks of a plain file, passed over, taken, never hinted', async () => {
    const plain = path.join(dir, 'plain.bin');
    const blocks = 40;
    const bytes = xorshiftBytes(blocks * CHUNK, 99);
    writeFileSync(plain, bytes);
    const fd = openSync(plain, 'r');
    const fetcher = new BlockFetcher(CHUNK, (i) => (i < blocks ? { fd, position: i * CHUNK, length: CHUNK, zlib: false } : null));
    try {
      await fetcher.start();
      for (let i = 0; i < 20; i++) fetcher.hint(i);
      fetcher.hint(1000); // no location: never sent
      // The worker gets a moment: blocks 0..19 done.
      await new Promise((r) => setTimeout(r, 200));
      const first = fetcher.take(0);
      expect(first?.equals(bytes.subarray(0, CHUNK))).toBe(true);
      // Taking block 10 passes 1..9 over; taking 5 afterwards: not held any more (this thread reads it).
      expect(fetcher.take(10)?.equals(bytes.subarray(10 * CHUNK, 11 * CHUNK))).toBe(true);
      expect(fetcher.take(5)).toBeNull();
      expect(fetcher.take(30)).toBeNull(); // never hinted
      expect(fetcher.take(11)?.equals(bytes.subarray(11 * CHUNK, 12 * CHUNK))).toBe(true);
    } finally {
      fetcher.stop();
      closeSync(fd);
    }
    expect(fetcher.running).toBe(false);
    expect(fetcher.take(12)).toBeNull();

    // zlib streams (as EWF stores compressed chunks), one after the other in a file.
    const streams = Array.from({ length: 12 }, (_, i) => deflateSync(Buffer.from(`block ${i} `.repeat(3000)).subarray(0, CHUNK)));
    const starts = streams.map((_, i) => streams.slice(0, i).reduce((n, z) => n + z.length, 0));
    const packed = path.join(dir, 'packed.bin');
    writeFileSync(packed, Buffer.concat(streams));
    const zfd = openSync(packed, 'r');
    const zfetcher = new BlockFetcher(CHUNK, (i) => (i < streams.length ? { fd: zfd, position: starts[i]!, length: streams[i]!.length, zlib: true } : null));
    try {
      await zfetcher.start();
      for (let i = 0; i < streams.length; i++) zfetcher.hint(i);
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < streams.length; i++) expect(zfetcher.take(i)?.toString()).toBe(Buffer.from(`block ${i} `.repeat(3000)).subarray(0, CHUNK).toString());
    } finally {
      zfetcher.stop();
      closeSync(zfd);
    }
  });

  test("each image's worker ends once its file systems are walked, before the next image's starts", async () => {
    const second = path.join(dir, 'second.E01');
    copyFileSync(e01, second);
    const saved = limits.readAheadAfterFiles;
    const proto = BlockFetcher.prototype as unknown as { start: () => unknown; stop: () => void; running: boolean };
    const { start, stop } = proto;
    const events: string[] = [];
    proto.start = function (this: typeof proto) {
      events.push('start');
      return start.call(this);
    };
    proto.stop = function (this: typeof proto) {
      if (this.running) events.push('stop');
      stop.call(this);
    };
    try {
      limits.readAheadAfterFiles = 1;
      const report = await scan({ roots: [e01, second], os: 'auto', scope: 'all', now: () => new Date(0) });
      expect(report.meta.roots.length).toBe(2);
    } finally {
      proto.start = start;
      proto.stop = stop;
      limits.readAheadAfterFiles = saved;
    }
    expect(events).toEqual(['start', 'stop', 'start', 'stop']);
  }, 120_000);

  test('a file system with room for readAheadAfterFiles files or more has its worker started before its first listing; a smaller one not then', async () => {
    const { NtfsFs } = (await import(path.resolve('dist/evidence/image/fs/ntfs.js'))) as { NtfsFs: { prototype: { list: (dir: unknown) => unknown; fileRecords: () => number } } };
    const fetcher = BlockFetcher.prototype as unknown as { start: () => unknown };
    const fs = NtfsFs.prototype;
    const { start } = fetcher;
    const { list, fileRecords } = fs;
    const saved = limits.readAheadAfterFiles;
    const events: string[] = [];
    let records = 0;
    fetcher.start = function (this: typeof fetcher) {
      events.push('start');
      return start.call(this);
    };
    fs.list = function (this: typeof fs, dir: unknown) {
      if (events.at(-1) !== 'list') events.push('list');
      records = fileRecords.call(this);
      return list.call(this, dir);
    };
    const firstEvents = async (threshold: (records: number) => number): Promise<string[]> => {
      events.length = 0;
      limits.readAheadAfterFiles = threshold(records);
      await scan({ roots: [e01], os: 'auto', scope: 'all', now: () => new Date(0) });
      return events.slice(0, 2);
    };
    try {
      await firstEvents(() => saved);
      expect(records).toBeGreaterThan(160);
      // At the line: started before the $MFT's pass; one record short: the walk's 160 files do not reach it.
      expect(await firstEvents((n) => n)).toEqual(['start', 'list']);
      expect(await firstEvents((n) => n + 1)).toEqual(['list']);
      expect(events).not.toContain('start');
    } finally {
      fetcher.start = start;
      fs.list = list;
      limits.readAheadAfterFiles = saved;
    }
  }, 120_000);

  test("a scan of an NTFS E01 gives the same report with the blocks fetched ahead as without", async () => {
    const saved = limits.readAheadAfterFiles;
    try {
      limits.readAheadAfterFiles = 1;
      const options = { roots: [e01], os: 'auto', scope: 'all', now: () => new Date(0) };
      // How far ahead of the walk the worker runs depends on the machine: in a loaded CI run it once
      // served none of this small image's blocks. Here the walk waits for each block the worker has
      // queued (up to 100 ms), so what is served depends on the hints, not on the scheduler.
      const patience = waitForQueuedBlocks(BlockFetcher, queued, 100);
      const { ahead, here, served } = await scanBothWays(scan, options, BlockFetcher, patience);
      expect(patience.hinted).toBeGreaterThan(20);
      expect(served).toBeGreaterThan(patience.hinted / 4);
      expect(ahead.meta.roots[0]!.filesScanned).toBeGreaterThanOrEqual(160);
      expect(ahead.findings.length).toBeGreaterThan(20);
      expectSameReport(ahead, here);
    } finally {
      limits.readAheadAfterFiles = saved;
    }
  }, 120_000);
});
