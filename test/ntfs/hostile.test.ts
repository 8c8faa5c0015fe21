/**
 * Hostile NTFS input: deterministic mutations of a real volume, a standalone $MFT and a $J, plus
 * hand-made damage (bad fixups, runlists that loop back, attribute lists naming themselves, parent
 * loops, impossible sizes and counts). Every case must end quickly with warnings, never throw
 * (except NtfsError for a volume that cannot be opened at all) and never hang.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../src/util/byte-source.js';
import { openNtfs, NtfsError, type NtfsVolume } from '../../src/evidence/image/ntfs/index.js';
import { walkMftFile } from '../../src/artifacts/ntfs/mft.js';
import { walkUsnJournal } from '../../src/artifacts/ntfs/usn.js';
import { parseMftRecord } from '../../src/evidence/image/ntfs/record.js';
import { lznt1Decompress } from '../../src/evidence/image/ntfs/lznt1.js';
import { readIndexStream } from '../../src/evidence/image/ntfs/indx.js';
import { ntfsTraceCandidates, TRACE_LIMITS } from '../../src/artifacts/ntfs/traces.js';
import { LIMITS } from '../../src/util/limits.js';
import { fileName, nonResident, record, resident, SI, volume } from './records.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf } from '../helpers/corpus.js';
import { cpuClock } from '../helpers/cpu.js';

const haveCorpus = corpusAvailable();

/** xorshift32: the same mutations on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** One of: bit flips, random bytes, 0xFF runs (maxed lengths), zeroed range, truncation; inside [from, to). */
function mutate(input: Buffer, seed: number, from: number, to: number): Buffer {
  const r = rng(seed);
  const out = Buffer.from(input);
  const at = () => from + Math.floor(r() * (to - from));
  switch (seed % 5) {
    case 0:
      for (let i = 0; i < 64; i++) out[at()] ^= 1 << Math.floor(r() * 8);
      break;
    case 1:
      for (let i = 0; i < 32; i++) out[at()] = Math.floor(r() * 256);
      break;
    case 2:
      for (let i = 0; i < 16; i++) out.fill(0xff, at(), at() + 1 + Math.floor(r() * 8));
      break;
    case 3: {
      const a = at();
      out.fill(0, a, Math.min(to, a + 4096));
      break;
    }
    default:
      return out.subarray(0, at());
  }
  return out;
}

/** Everything a caller can do with a volume, bounded. */
function exercise(v: NtfsVolume): number {
  let touched = 0;
  const queue = [v.root()];
  for (let i = 0; i < queue.length && i < 5000; i++) {
    for (const e of v.list(queue[i])) {
      touched++;
      const st = v.stat(e.ref);
      if (!st) continue;
      for (const s of ['', ...st.streams.map((x) => x.name)]) v.open(e.ref, s)?.read(0, 65536);
      if (e.isDirectory && e.ref.entry !== queue[i].entry) queue.push(e.ref);
    }
    // a directory's INDX blocks, searched for slack as the trace stage does
    const index = v.openIndex(queue[i]!);
    if (index) touched += readIndexStream(index, []).entries.length;
  }
  for (const r of v.records()) touched += r.inUse ? 0 : 1;
  for (const _ of v.deleted()) touched++;
  return touched;
}

function openOrNull(buf: Buffer): NtfsVolume | null {
  try {
    return openNtfs(bufferSource(buf));
  } catch (err) {
    if (err instanceof NtfsError) return null;
    throw err;
  }
}

/** Runs a generator to its end (what a consumer of the records does). */
function drain(records: Iterable<unknown>): void {
  for (const r of records) void r;
}

describeIf(haveCorpus, CORPUS_MISSING)('mutated corpus inputs', () => {
  test('testfs1: 40 mutations of a directory index (INDX blocks) without throwing or hanging', () => {
    const image = readFileSync(corpusPath('ntfs/ntfs-rs/testfs1'));
    const v0 = openNtfs(bufferSource(image));
    const dirs = v0.list(v0.root()).filter((e) => e.isDirectory);
    const withIndex = dirs.map((d) => d.ref).concat([v0.root()]).find((r) => v0.openIndex(r));
    expect(withIndex).toBeDefined();
    // where the index lies: its first INDX block in the image
    const first = v0.openIndex(withIndex!)!.read(0, 4096);
    const at = image.indexOf(first.subarray(0, 64));
    expect(at).toBeGreaterThan(0);
    for (let seed = 1; seed <= 40; seed++) {
      const started = cpuClock();
      const v = openOrNull(mutate(image, seed, at, at + 4 * 4096));
      if (v) {
        const index = v.openIndex(withIndex!);
        if (index) for (const e of readIndexStream(index, []).entries) expect(e.fn.name.length).toBeGreaterThan(0);
      }
      expect({ seed, slow: started() > 5000 }).toEqual({ seed, slow: false });
    }
  }, 120_000);

  test('testfs1: 60 mutations of the boot sector and the MFT end without throwing or hanging', () => {
    const image = readFileSync(corpusPath('ntfs/ntfs-rs/testfs1'));
    const mftStart = Number(image.readBigUInt64LE(0x30)) * 512 * image[0x0d];
    for (let seed = 1; seed <= 60; seed++) {
      const started = cpuClock();
      const region: [number, number] = seed % 6 === 0 ? [0, 512] : [mftStart, mftStart + 96 * 1024];
      const v = openOrNull(mutate(image, seed, region[0], region[1]));
      if (v) exercise(v);
      expect({ seed, slow: started() > 5000 }).toEqual({ seed, slow: false });
    }
  }, 120_000);

  test('standalone $MFT (xw) and $J (go-ntfs sample): 40 mutations each', () => {
    const mft = readFileSync(corpusPath('ntfs/ez-mft/xw/$MFT'));
    const usn = readFileSync(corpusPath('usnjrnl/go-ntfs/usn/sample.bin'));
    for (let seed = 1; seed <= 40; seed++) {
      const started = cpuClock();
      const w: string[] = [];
      drain(walkMftFile(bufferSource(mutate(mft, seed, 0, mft.length)), w));
      drain(walkUsnJournal(bufferSource(mutate(usn, seed, 0, usn.length)), w));
      expect({ seed, slow: started() > 5000 }).toEqual({ seed, slow: false });
    }
  }, 120_000);
});


describe('hand-made damage', () => {
  test('a parent loop (A in B, B in A) ends: both are orphans with a bounded path', () => {
    const v = openNtfs(bufferSource(volume(new Map([
      [20, record({ flags: 3, attrs: [SI, fileName('A', 21, 1)] })],
      [21, record({ flags: 3, attrs: [SI, fileName('B', 20, 1)] })],
    ]))));
    expect(v.pathOf(20)).toEqual({ path: '/$OrphanFiles/B/A', orphan: true });
    expect(v.list(v.root()).map((e) => e.name)).toEqual(['$MFT']);
    expect(v.list({ entry: 20, sequence: 1 }).map((e) => e.name)).toEqual(['B']);
    exercise(v);
  });

  test('a hard link is listed in both directories; the long name is shown, the 8.3 name is not listed', () => {
    const v = openNtfs(bufferSource(volume(new Map([
      [20, record({ flags: 3, attrs: [SI, fileName('dir', 5, 5)] })],
      [21, record({ attrs: [SI, fileName('LONGNA~1.TXT', 5, 5, 2), fileName('long name.txt', 5, 5, 1), fileName('link.txt', 20, 1, 0), resident(0x80, Buffer.from('x'))] })],
    ]))));
    expect(v.list(v.root()).map((e) => [e.name, e.ref.entry])).toEqual([['$MFT', 0], ['dir', 20], ['long name.txt', 21]]);
    expect(v.list({ entry: 20, sequence: 1 }).map((e) => [e.name, e.ref.entry])).toEqual([['link.txt', 21]]);
    const st = v.stat({ entry: 21, sequence: 1 })!;
    expect([st.name, st.names.map((n) => n.name)]).toEqual(['long name.txt', ['long name.txt', 'link.txt', 'LONGNA~1.TXT']]);
  });

  test('an attribute list naming itself and a stranger, and a runlist that loops back: warnings, what can be read', () => {
    const list = Buffer.alloc(0x40);
    for (const [i, entry] of [20, 22].entries()) {
      list.writeUInt32LE(0x80, i * 0x20);
      list.writeUInt16LE(0x20, i * 0x20 + 4);
      list.writeBigUInt64LE((1n << 48n) | BigInt(entry), i * 0x20 + 0x10);
    }
    // Runs: 2 clusters at LCN 100, then a second segment (extension) would restart at VCN 0 -> overlap.
    const v = openNtfs(bufferSource(volume(new Map([
      [20, record({ attrs: [SI, fileName('x.bin', 5, 5), resident(0x20, list), nonResident(0x80, Buffer.from([0x11, 2, 100, 0x11, 2, 0x80, 0]), { lastVcn: 3n, size: 16384n })] })],
      [22, record({ attrs: [SI] })],
    ]))));
    const st = v.stat({ entry: 20, sequence: 1 })!;
    expect(st.warnings.join('\n')).toMatch(/not one of its extension records/);
    const data = v.open(st.ref)!;
    // The second run would point before the volume start: the runlist stops there and the stream is cut to the 2 clusters mapped.
    expect(data.read(0, 16384)).toHaveLength(8192);
    expect(st.warnings.join('\n')).toMatch(/before the volume start/);
  });

  test('impossible sizes: a 2^50-byte stream is cut to what its runlist maps; a $MFT runlist of 2^28 clusters to its data size', () => {
    const v = openNtfs(bufferSource(volume(new Map([[20, record({ attrs: [SI, fileName('huge', 5, 5), nonResident(0x80, Buffer.from([0x11, 1, 100, 0]), { lastVcn: 0n, size: 2n ** 50n })] })]]), Buffer.from([0x14, 0xff, 0xff, 0xff, 0x0f, 4, 0]))));
    expect(v.warnings.join('\n')).toMatch(/runlist covers VCN 268435454/);
    expect(v.recordCount).toBe(64);
    const src = v.open({ entry: 20, sequence: 1 })!;
    expect(src.size).toBe(4096);
    expect(v.warnings.join('\n')).toMatch(/exceeds the 4096 bytes its runlist maps/);
    exercise(v);
  });

  test('bad fixups: the record is read with a warning; a deleted record with bad fixups is not reported as deleted', () => {
    const bad = record({ flags: 0, attrs: [SI, fileName('torn.txt', 5, 5), resident(0x80, Buffer.from('data'))] });
    bad.writeUInt16LE(0x4242, 510);
    const v = openNtfs(bufferSource(volume(new Map([[20, bad]]))));
    const r = [...v.records()].find((x) => x.entry === 20)!;
    expect(r.fixupsOk).toBe(false);
    expect(r.warnings.join('\n')).toMatch(/fixup mismatch/);
    expect([...v.deleted()]).toEqual([]);
  });

  test('huge counts: update sequence count, attribute lengths, name lengths all bounded', () => {
    const rec = record({ attrs: [SI, fileName('n', 5, 5)] });
    rec.writeUInt16LE(0xffff, 6);
    expect(parseMftRecord(rec, 1)?.warnings.join('\n')).toMatch(/update sequence array/);
    const rec2 = record({ attrs: [SI] });
    rec2.writeUInt32LE(0xfffffff8, 0x38 + 4);
    expect(parseMftRecord(rec2, 1)?.warnings.join('\n')).toMatch(/has length/);
  });

  test('LZNT1: back references before the start, truncated chunks, zero headers', () => {
    const w: string[] = [];
    expect(lznt1Decompress(Buffer.from([0x05, 0xb0, 0x01, 0xff, 0xff, 0x41, 0x41]), 4096, w)).toHaveLength(4096);
    expect(w.join()).toMatch(/back reference/);
    // "abc" literal then a reference copying 6 bytes from 3 back -> "abcabcabc".
    const chunk = Buffer.from([0x00, 0x00, 0x08, 0x61, 0x62, 0x63, 0x03, 0x20]);
    chunk.writeUInt16LE(0xb000 | (chunk.length - 3), 0);
    expect(lznt1Decompress(chunk, 9, []).toString()).toBe('abcabcabc');
  });

  test('directory indexes: every folder claiming a 256 MiB index stops at the per-volume budget, with a warning', async () => {
    // one run of 65,536 clusters at LCN 1: 256 MiB, past the 1 MiB volume (read as zeros)
    const runs = Buffer.from([0x13, 0x00, 0x00, 0x01, 0x01, 0x00]);
    const records = new Map<number, Buffer>();
    const folders = Math.ceil(TRACE_LIMITS.indexBytes / LIMITS.maxIndexStreamBytes) + 2;
    for (let i = 0; i < folders; i++) {
      records.set(30 + i, record({ flags: 3, attrs: [SI, fileName(`dir${i}`, 5, 5), nonResident(0xa0, runs, { lastVcn: 65535n, size: 256n * 1024n * 1024n, name: '$I30' })] }));
    }
    const v = openNtfs(bufferSource(volume(records)));
    expect(v.openIndex({ entry: 30, sequence: 1 })?.size).toBe(LIMITS.maxIndexStreamBytes);
    const started = cpuClock();
    const r = await ntfsTraceCandidates({
      mft: v.open({ entry: 0, sequence: 1 }),
      mftRel: '$MFT',
      usn: null,
      usnRel: null,
      volumeRel: '',
      drive: 'C',
      hotspots: [],
      openIndex: (entry, sequence) => v.openIndex({ entry, sequence }),
    });
    expect(r.warnings.join(' ')).toMatch(/more than \d+ bytes of directory indexes; the slack of the rest is not searched/);
    expect(r.candidates).toEqual([]);
    expect(started()).toBeLessThan(60_000);
  }, 120_000);

  test('not NTFS: a clear error', () => {
    expect(() => openNtfs(bufferSource(Buffer.alloc(4096)))).toThrow(NtfsError);
  });
});
