/**
 * Issue 18, items 5-8, 10, 11: the hostile inputs that hung or exhausted memory, at their full
 * size, built by fixtures/lib/hostile-inputs.mjs and run through the parsers in-process. Each
 * case asserts the bound (what is kept, the warning that says so) and a time far below the old
 * cost; the end-to-end 10 s / 300 MB check of the built CLI is scan.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import { bufferSource, type ByteSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { tarParser } from '../../../src/artifacts/tar/index.js';
import { parseRegf } from '../../../src/artifacts/regf/parse.js';
import { walkHive, rawBytesOf, type ValueRecord } from '../../../src/artifacts/regf/walk.js';
import { parseInfo2 } from '../../../src/artifacts/recycle-bin/info2.js';
import { parseHistory } from '../../../src/artifacts/history/parse.js';
import { sevenZipParser } from '../../../src/artifacts/sevenzip/index.js';
import type { ArtifactContext, ArtifactResult } from '../../../src/artifacts/types.js';
import {
  makeAliasedValuesHive, makeAmplified7z, makeContinuedHistory, makeDeepLongKeysHive, makePaxGlobalTar, virtualInfo2Source,
} from '../../../fixtures/lib/hostile-inputs.mjs';
import { cpuClock } from '../../helpers/cpu.js';

function ctx(name: string, buf: Buffer): ArtifactContext {
  return { relPath: name, name, head: buf.subarray(0, 4100), size: buf.length, format: null };
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t = cpuClock();
  const value = await fn();
  return { value, ms: t() };
}

/** Serialised size of a parse result: what `parse` and the report would write. */
function jsonBytes(r: ArtifactResult | null): number {
  let n = 0;
  for (const rec of r?.records ?? []) n += JSON.stringify(rec).length;
  return n;
}

describe('item 5: tar pax global headers cost linear time, bounded names', () => {
  test('a ~1 MiB global header of 100,000 keys before 1,000 entries: keys are not copied per entry', async () => {
    const buf = makePaxGlobalTar({ keys: 100_000, entries: 1_000 });
    const { value: r, ms } = await timed(() => tarParser.parse(bufferSource(buf), ctx('g.tar', buf)));
    expect(r!.records).toHaveLength(1_000);
    expect(r!.records[0]).toMatchObject({ name: 'e', size: 0 });
    expect(r!.warnings).toContain('1 pax header(s) with over 10000 records: the rest ignored');
    expect(ms).toBeLessThan(3_000); // was 120 s
  });

  test('a 1 MiB global path= inherited by 200,000 entries: names budget stops the listing', async () => {
    const buf = makePaxGlobalTar({ keys: 0, globalPathBytes: (1 << 20) - 64, entries: 200_000 });
    const { value: r, ms } = await timed(() => tarParser.parse(bufferSource(buf), ctx('p.tar', buf)));
    const names = r!.records.map((x) => x.name as string);
    expect(names.every((n) => n.length === LIMITS.maxNameBytes)).toBe(true);
    expect(names.length).toBe(Math.floor(LIMITS.maxListedNameBytes / LIMITS.maxNameBytes));
    expect(r!.warnings.join('\n')).toMatch(/listing stopped after \d+ entries: names exceed/);
    expect(r!.facts!.truncated).toBe(true);
    expect(jsonBytes(r)).toBeLessThan(LIMITS.maxListedNameBytes + 1_000_000);
    expect(ms).toBeLessThan(5_000); // was 6 minutes and 2.8 GB
  });
});

describe('item 6: regf aliased values are expanded once, data bounded per value and per hive', () => {
  test('a value list naming one 64 MiB big-data value 20,000 times (118 KB hive)', async () => {
    const buf = makeAliasedValuesHive({ repeats: 20_000, segments: 4_200 });
    expect(buf.length).toBeLessThan(140_000);
    const { value: r, ms } = await timed(() => parseRegf(bufferSource(buf, 'hive'), ctx('hive', buf)));
    const values = r!.records.filter((x) => x.type === 'registry-value') as unknown as ValueRecord[];
    expect(values).toHaveLength(1); // the vk cell is read once
    expect(values[0]!.size).toBe(4_200 * 16_344);
    // The segment list repeats one 16 KiB cell: only that cell's bytes are materialised.
    expect(rawBytesOf(values[0]!)!.length).toBe(16_344);
    const w = r!.warnings.join('\n');
    expect(w).toMatch(/names 19999 value cell\(s\) already read \(aliased\)/);
    expect(w).toMatch(/big-data segment 0x[0-9a-f]+ repeated \(aliased\)/);
    expect(ms).toBeLessThan(3_000); // was killed at 24 GB
  });

  test('many distinct big values: per-value cap, then the hive budget leaves only a head per value', () => {
    // 17 values just over 4 MiB each (real segments, no aliasing): 16 fill the 64 MiB budget.
    const big = Buffer.alloc(4 * 1024 * 1024 + 16_344, 0x5a);
    const values = Array.from({ length: 17 }, (_, i) => ({ name: `v${i}`, type: 'REG_BINARY', data: big }));
    // @ts-expect-error plain-JS fixture library without type declarations
    return import('../../../fixtures/lib/regf-writer.mjs').then(({ writeHive }: { writeHive: (k: unknown) => Buffer }) => {
      const hive = writeHive({ name: 'ROOT', subkeys: [{ name: 'Big', values }] });
      let kept = 0;
      const sizes: number[] = [];
      const warnings: string[] = [];
      for (const item of walkHive(hive)) {
        if (item.type === 'registry-value') {
          const n = rawBytesOf(item)!.length;
          kept += n;
          sizes.push(n);
        } else if (item.type === 'warning') warnings.push(item.message);
      }
      expect(Math.max(...sizes)).toBe(LIMITS.maxRegistryValueBytes);
      expect(kept).toBeLessThanOrEqual(LIMITS.maxRegistryHiveDataBytes + 17 * 256);
      expect(sizes[sizes.length - 1]).toBe(256);
      expect(warnings.join('\n')).toMatch(/hive data budget spent/);
      expect(warnings.join('\n')).toMatch(/value size limit/);
    });
  });
});

describe('item 7: regf deep keys with long names', () => {
  test('520 nested keys named with 16,000 bytes each: path length and total bounded, no OOM', async () => {
    const buf = makeDeepLongKeysHive({ depth: 520, nameLength: 16_000 });
    const { value: r, ms } = await timed(() => parseRegf(bufferSource(buf, 'hive'), ctx('hive', buf)));
    const keys = r!.records.filter((x) => x.type === 'registry-key').map((x) => x.key as string);
    expect(keys.length).toBeGreaterThan(1);
    expect(keys.every((k) => k.length <= LIMITS.maxRegistryKeyPathChars)).toBe(true);
    expect(r!.warnings.join('\n')).toMatch(/key path over 32768 characters under .*: subtree not read/);
    expect(jsonBytes(r)).toBeLessThan(1_000_000); // the full paths would total 2.2 billion characters
    expect(ms).toBeLessThan(3_000);
  });

  test('many keys with long paths stop at the per-hive total of path characters', () => {
    // 4,500 leaves under a 30,000-character path: key and value records each carry a ~32,000-
    // character path, 288 million characters in all, over LIMITS.maxRegistryPathCharsTotal.
    const long = 'L'.repeat(15_000);
    const leaves = Array.from({ length: 4_500 }, (_, i) => ({ name: `c${i}`.padEnd(2_000, 'x'), values: [{ name: 'v', type: 'REG_DWORD', data: 1 }] }));
    // @ts-expect-error plain-JS fixture library without type declarations
    return import('../../../fixtures/lib/regf-writer.mjs').then(({ writeHive }: { writeHive: (k: unknown) => Buffer }) => {
      const hive = writeHive({ name: 'ROOT', subkeys: [{ name: long, subkeys: [{ name: long, subkeys: leaves }] }] });
      let chars = 0;
      const warnings: string[] = [];
      for (const item of walkHive(hive)) {
        if (item.type === 'registry-key' || item.type === 'registry-value') chars += item.key.length;
        else if (item.type === 'warning') warnings.push(item.message);
      }
      expect(chars).toBeGreaterThan(LIMITS.maxRegistryPathCharsTotal - 100_000);
      expect(chars).toBeLessThanOrEqual(LIMITS.maxRegistryPathCharsTotal);
      expect(warnings.join('\n')).toMatch(/key paths exceed 268435456 characters in total/);
    });
  });
});

describe('item 8: INFO2 with a million records is streamed, what is kept is capped', () => {
  test('1,000,000 distinct 800-byte records (800 MB, made on demand): bounded records and warnings', async () => {
    const src = virtualInfo2Source({ records: 1_000_000 }) as ByteSource;
    const before = process.memoryUsage().heapUsed;
    const { value: r, ms } = await timed(() => parseInfo2(src));
    expect(r!.records).toHaveLength(LIMITS.maxInfo2RecordsKept);
    expect(r!.total).toBe(LIMITS.maxInfo2Records);
    expect(r!.warnings.join('\n')).toMatch(/1000000 record slots exceed the limit of 200000/);
    expect(r!.warnings.join('\n')).toMatch(/the first 10000 kept, 190000 counted only/);
    expect(r!.warnings.length).toBeLessThan(10);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(100 * 1024 * 1024);
    expect(ms).toBeLessThan(8_000);
  });
});

describe('item 10: history line continuations are joined in linear time', () => {
  test.each([
    ['zsh', 20_000],
    ['powershell', 100_000],
  ] as const)('%s: %i continued lines', (shell, lines) => {
    const buf = makeContinuedHistory(shell, lines);
    const t = cpuClock();
    const r = parseHistory(bufferSource(buf), shell);
    const ms = t();
    expect(r.commands).toHaveLength(1);
    expect(r.commands[0]!.command.length).toBeLessThanOrEqual(LIMITS.maxHistoryCommandChars);
    expect(r.commands[0]!.command.startsWith('echo part0')).toBe(true);
    expect(r.warnings).toContain(`1 continued command(s) longer than ${LIMITS.maxHistoryCommandChars} characters truncated`);
    expect(ms).toBeLessThan(2_000); // was 7 s (zsh) and 6.5 minutes (PSReadLine)
  });

  test('short continued commands are joined as before (marks stripped for zsh, kept for PowerShell)', () => {
    const z = parseHistory(bufferSource(makeContinuedHistory('zsh', 3)), 'zsh');
    expect(z.commands.map((c) => c.command)).toEqual(['echo part0\necho part1\necho done']);
    const p = parseHistory(bufferSource(makeContinuedHistory('powershell', 3)), 'powershell');
    expect(p.commands.map((c) => c.command)).toEqual(['echo part0 `\necho part1 `\necho done']);
    expect(z.warnings).toEqual([]);
  });
});

describe('item 11: 7z header amplification through zero padding in the LZMA stream', () => {
  test('a 198-byte 7z declaring 200,000 files lists only what its packed bytes can describe', async () => {
    const buf = makeAmplified7z({ files: 200_000 });
    expect(buf.length).toBeLessThan(2_600);
    const { value: r, ms } = await timed(() => sevenZipParser.parse(bufferSource(buf), ctx('a.7z', buf)));
    expect(r!.records.length).toBeLessThanOrEqual(Math.max(1024, buf.length * 8));
    expect(r!.warnings.join('\n')).toMatch(/7z declares 200000 files; listing the first \d+ \(more than its on-disk header bytes describe\)/);
    expect(ms).toBeLessThan(1_000);
  });

  test('a real 7z with thousands of files is still listed whole', async () => {
    const { makePlain7z } = await import('../../../fixtures/lib/sevenzip-rar-writers.mjs');
    const files = Array.from({ length: 3_000 }, (_, i) => ({ name: `d/f${i}.txt`, size: 0 }));
    const buf = makePlain7z({ files });
    const r = await sevenZipParser.parse(bufferSource(buf), ctx('ok.7z', buf));
    expect(r!.records).toHaveLength(3_000);
  });
});
