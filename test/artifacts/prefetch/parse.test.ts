/**
 * Prefetch parser and detector on written fixtures (rar.exe run from PerfLogs, a renamed 7-Zip,
 * an installed 7-Zip, Notepad), the MAM container, checked with sccainfo where installed, and
 * hostile inputs (truncation, lying offsets and counts, damaged Huffman data).
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parsePrefetch } from '../../../src/artifacts/prefetch/parse.js';
import { prefetchParser } from '../../../src/artifacts/prefetch/index.js';
import { decompressXpressHuffman } from '../../../src/artifacts/prefetch/xpress-huffman.js';
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { mamContainer, writePrefetch, xpressHuffmanLiterals } from '../../../fixtures/lib/prefetch-writer.mjs';
import { testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';

const RAR_RUNS = [new Date('2024-03-15T02:31:05Z'), new Date('2024-03-15T02:20:00Z'), new Date('2024-03-15T02:10:41Z')];
const rarSpec = {
  executable: 'RAR.EXE',
  hash: 0x1a2b3c4d,
  runTimes: RAR_RUNS,
  runCount: 3,
  files: ['\\WINDOWS\\SYSTEM32\\NTDLL.DLL', '\\PERFLOGS\\RAR.EXE', '\\PERFLOGS\\1\\Q1.XLSX', '\\PERFLOGS\\OUT.PART1.RAR', '\\PERFLOGS\\OUT.PART2.RAR'],
  directories: ['\\PERFLOGS', '\\WINDOWS', '\\WINDOWS\\SYSTEM32'],
};

function ctxFor(name: string, head: Buffer): DetectContext {
  const base: ArtifactContext = { relPath: `Windows/Prefetch/${name}`, name, head: head.subarray(0, 4100), size: head.length, format: null };
  return { ...base, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
}

async function detect(name: string, buf: Buffer) {
  const ctx = ctxFor(name, buf);
  expect(prefetchParser.matches(ctx)).toBe(true);
  const result = (await prefetchParser.parse(bufferSource(buf), ctx))!;
  return prefetchParser.detect!(result, ctx);
}

describe('Prefetch records', () => {
  test('an uncompressed v30 file of rar.exe: run count, the 3 run times, volume, directories, files', () => {
    const parsed = parsePrefetch(bufferSource(writePrefetch(rarSpec)))!;
    expect(parsed.warnings).toEqual([]);
    const r = parsed.record;
    expect(r).toMatchObject({ type: 'prefetch', version: 30, compression: null, executableName: 'RAR.EXE', hash: '1A2B3C4D', runCount: 3 });
    expect(r.lastRun).toBe('2024-03-15T02:31:05.0000000Z');
    expect(r.previousRuns).toEqual(['2024-03-15T02:20:00.0000000Z', '2024-03-15T02:10:41.0000000Z']);
    expect(r.volumes).toHaveLength(1);
    expect(r.volumes[0]!.serial).toBe('8C9F49EC');
    expect(r.volumes[0]!.directories).toEqual(rarSpec.directories.map((d) => `${r.volumes[0]!.name}${d}`));
    expect(r.filesLoaded.map((f) => f.slice(r.volumes[0]!.name.length))).toEqual(rarSpec.files);
  });

  test('the MAM container decodes to the same record', () => {
    const plain = parsePrefetch(bufferSource(writePrefetch(rarSpec)))!.record;
    const mam = parsePrefetch(bufferSource(mamContainer(writePrefetch(rarSpec))))!;
    expect(mam.warnings).toEqual([]);
    expect({ ...mam.record, compression: null }).toEqual(plain);
    expect(mam.record.compression).toBe('MAM');
  });

  test('Xpress Huffman: blocks of 64 KiB each with their table, and an overlapping match', () => {
    const data = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 7) & 0xff));
    expect(decompressXpressHuffman(xpressHuffmanLiterals(data), data.length)).toEqual({ data, error: null });
    // Table: literal 'a' (0x61) and match symbol 0x100 (length 3, offset bits 0) get 1-bit codes.
    const table = Buffer.alloc(256);
    table[0x61 >> 1] = 0x10; // symbol 0x61 is odd: high nibble
    table[0x100 >> 1] = 0x01; // symbol 0x100 is even: low nibble
    // Bits: 'a' = 0, match = 1 (copies 3 bytes from offset 1) -> "aaaa".
    const stream = Buffer.concat([table, Buffer.from([0x00, 0x40, 0, 0, 0, 0])]);
    expect(decompressXpressHuffman(stream, 4)).toEqual({ data: Buffer.from('aaaa'), error: null });
  });

  test('damaged Huffman data ends with an error, never a throw or a hang', () => {
    const good = mamContainer(writePrefetch(rarSpec));
    const badTable = Buffer.from(good);
    badTable.fill(0, 8, 8 + 256); // no code at all
    const r1 = parsePrefetch(bufferSource(badTable))!;
    expect(r1.corrupted).toBe(true);
    expect(r1.warnings.join(' ')).toMatch(/invalid Huffman table/);
    const truncated = parsePrefetch(bufferSource(good.subarray(0, 400)))!;
    expect(truncated.corrupted).toBe(true);
    expect(truncated.warnings.join(' ')).toMatch(/truncated|decompressed data is not|past/);
    // A declared size far beyond the limit is capped, not allocated.
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xffffffff, 4);
    const r3 = parsePrefetch(bufferSource(huge))!;
    expect(r3.warnings.join(' ')).toMatch(/only the first/);
  });

  test('lying offsets and counts are bounded with warnings', () => {
    const buf = writePrefetch(rarSpec);
    const lying = Buffer.from(buf);
    lying.writeUInt32LE(0xffffff00, 0x68); // filename strings size
    lying.writeUInt32LE(0x7fffffff, 0x70); // volume count
    const r = parsePrefetch(bufferSource(lying))!;
    expect(r.corrupted).toBe(true);
    expect(r.record.filesLoaded.length).toBeGreaterThan(0);
    expect(r.warnings.join(' ')).toMatch(/volumes declared/);
    for (let cut = 0; cut < buf.length; cut += 37) expect(() => parsePrefetch(bufferSource(buf.subarray(0, cut)))).not.toThrow();
  });

  test('not a Prefetch file: null', () => {
    expect(parsePrefetch(bufferSource(Buffer.from('MZ not a prefetch file at all')))).toBeNull();
    const otherVersion = writePrefetch(rarSpec);
    otherVersion.writeUInt32LE(99, 0);
    expect(parsePrefetch(bufferSource(otherVersion))).toBeNull();
  });
});

describe('Prefetch detection', () => {
  test('rar.exe run from PerfLogs, touching volumes there: strong, with 3 run rows and names', async () => {
    const [c, ...rest] = await detect('RAR.EXE-1A2B3C4D.pf', writePrefetch(rarSpec));
    expect(rest).toEqual([]);
    expect(c!.kind).toBe('execution');
    expect(c!.hits.map((h) => h.rule)).toEqual(['execution-archiver-ran', 'execution-from-staging-folder', 'execution-touched-staged-file']);
    expect(c!.hits[0]!.message).toBe('Prefetch: RAR.EXE ran 3 times between 2024-03-15 02:10:41 UTC and 2024-03-15 02:31:05 UTC (WinRAR)');
    expect(c!.events!.map((e) => [e.time, e.type])).toEqual(RAR_RUNS.map((t) => [t.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z'), 'executed']));
    expect(c!.names).toEqual([
      { path: 'C:\\PERFLOGS\\RAR.EXE', role: 'executes' },
      { path: 'C:\\PERFLOGS\\1\\Q1.XLSX', role: 'reads' },
      { path: 'C:\\PERFLOGS\\OUT.PART1.RAR', role: 'reads' },
      { path: 'C:\\PERFLOGS\\OUT.PART2.RAR', role: 'reads' },
    ]);
  });

  test('a renamed 7-Zip (svchost.exe in ProgramData loading 7z.dll) is strong; Explorer loading 7-Zip is not', async () => {
    const renamed = await detect('SVCHOST.EXE-11111111.pf', writePrefetch({ ...rarSpec, executable: 'SVCHOST.EXE', files: ['\\PROGRAMDATA\\SVCHOST.EXE', '\\PROGRAMDATA\\7Z.DLL'] }));
    expect(renamed[0]!.hits.map((h) => h.rule)).toEqual(['execution-renamed-archiver', 'execution-from-staging-folder']);
    expect(await detect('EXPLORER.EXE-22222222.pf', writePrefetch({ ...rarSpec, executable: 'EXPLORER.EXE', files: ['\\WINDOWS\\EXPLORER.EXE', '\\PROGRAM FILES\\7-ZIP\\7Z.DLL'] }))).toEqual([]);
  });

  test('7-Zip installed in Program Files and run once: only the weak "archiver ran"; Notepad: nothing', async () => {
    const installed = await detect('7ZFM.EXE-33333333.pf', writePrefetch({ ...rarSpec, executable: '7ZFM.EXE', runCount: 1, runTimes: [RAR_RUNS[0]!], files: ['\\PROGRAM FILES\\7-ZIP\\7ZFM.EXE', '\\PROGRAM FILES\\7-ZIP\\7Z.DLL'] }));
    expect(installed[0]!.hits.map((h) => h.rule)).toEqual(['execution-archiver-ran']);
    expect(await detect('NOTEPAD.EXE-44444444.pf', writePrefetch({ ...rarSpec, executable: 'NOTEPAD.EXE', files: ['\\WINDOWS\\SYSTEM32\\NOTEPAD.EXE'] }))).toEqual([]);
  });
});

const HAVE_SCCAINFO = toolAvailable('sccainfo');

// The MAM writer is checked by our decoder only: libfwnt 20200717 (sccainfo) rejects its literal-only
// stream ("compression size value out of bounds"); the decoder itself agrees with sccainfo on the 10
// real MAM files of the corpus (conformance.test.ts).
testIf(HAVE_SCCAINFO, toolMissing('sccainfo'))('sccainfo reads the written v30 file as we do', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-pf-'));
  try {
    for (const [name, buf] of [['RAR.EXE-1A2B3C4D.pf', writePrefetch(rarSpec)]] as const) {
      writeFileSync(path.join(dir, name), buf);
      const out = execFileSync('sccainfo', [path.join(dir, name)], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
      expect(out).toMatch(/Format version\s+: 30/);
      expect(out).toMatch(/Executable filename\s+: RAR\.EXE/);
      expect(out).toMatch(/Run count\s+: 3/);
      expect(out).toMatch(/Last run time: 1\s+: Mar 15, 2024 02:31:05\.000000000 UTC/);
      expect(out).toMatch(/Last run time: 3\s+: Mar 15, 2024 02:10:41\.000000000 UTC/);
      expect(out).toMatch(/Number of filenames\s+: 5/);
      expect(out).toMatch(/Filename: 4\s+: \\VOLUME\{[0-9a-f-]+\}\\PERFLOGS\\OUT\.PART1\.RAR/);
      expect(out).toMatch(/Serial number\s+: 0x8c9f49ec/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
