/**
 * AppCompatCache (ShimCache): value layouts (Windows 10/11, 8.1, 7 x64) from written fixtures, the
 * SYSTEM-hive detector (a portable rar.exe in PerfLogs is strong; 7-Zip in Program Files is weak),
 * the `appcompatcache` parser, and hostile values (lying counts and sizes).
 */
import { describe, expect, test } from '@jest/globals';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseShimCache } from '../../../src/artifacts/appcompatcache/parse.js';
import { appCompatCacheParser } from '../../../src/artifacts/appcompatcache/index.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { shimCacheWin10, shimCacheWin7x64 } from '../../../fixtures/lib/shimcache-writer.mjs';
// @ts-expect-error fixtures/lib/regf-writer.mjs has no type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';

const T1 = new Date('2024-03-15T02:05:00Z');
const ENTRIES = [
  { path: 'C:\\PerfLogs\\rar.exe', lastModified: T1, executed: true },
  { path: 'C:\\Windows\\System32\\notepad.exe', lastModified: T1 },
  { path: 'C:\\Program Files\\7-Zip\\7zFM.exe', lastModified: T1, executed: true },
];

function systemHive(value: Buffer): Buffer {
  const key = (name: string, subkeys: unknown[] = [], values: unknown[] = []) => ({ name, subkeys, values });
  return writeHive(key('ROOT', [key('ControlSet001', [key('Control', [key('Session Manager', [key('AppCompatCache', [], [{ name: 'AppCompatCache', type: 'REG_BINARY', data: value }])])])])])) as Buffer;
}

describe('ShimCache value layouts', () => {
  test('Windows 10/11: paths, file times, order', () => {
    const r = parseShimCache(shimCacheWin10(ENTRIES));
    expect(r.format).toBe('Windows 10');
    expect(r.warnings).toEqual([]);
    expect(r.entries).toEqual(ENTRIES.map((e, i) => ({ position: i, path: e.path, lastModified: '2024-03-15T02:05:00.0000000Z', executed: null })));
  });

  test('Windows 7 x64: the insert flag says executed', () => {
    const r = parseShimCache(shimCacheWin7x64(ENTRIES));
    expect(r.format).toBe('Windows 7 x64');
    expect(r.entries.map((e) => [e.path, e.executed])).toEqual(ENTRIES.map((e) => [e.path, e.executed === true]));
  });

  test('Windows 8.1: package name and flags before the time', () => {
    const path = Buffer.from('C:\\Users\\Public\\7za.exe', 'utf16le');
    const body = Buffer.concat([Buffer.from([path.length, 0]), path, Buffer.from([0, 0]), Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(8), Buffer.alloc(4)]);
    body.writeBigUInt64LE(BigInt(Date.UTC(2024, 2, 15, 1, 5)) * 10000n + 116444736000000000n, 2 + path.length + 2 + 8);
    const head = Buffer.alloc(12);
    head.write('10ts', 0, 'latin1');
    head.writeUInt32LE(body.length, 8);
    const header = Buffer.alloc(0x80);
    header.writeUInt32LE(0x80, 0);
    const r = parseShimCache(Buffer.concat([header, head, body]));
    expect(r).toEqual({ format: 'Windows 8.1', warnings: [], entries: [{ position: 0, path: 'C:\\Users\\Public\\7za.exe', lastModified: '2024-03-15T01:05:00.0000000Z', executed: true }] });
  });

  test('hostile values: lying counts and sizes end with a warning and what was read', () => {
    const w7 = shimCacheWin7x64(ENTRIES);
    w7.writeUInt32LE(0xffffffff, 4);
    const r7 = parseShimCache(w7);
    expect(r7.entries).toHaveLength(3);
    expect(r7.warnings.length).toBeGreaterThan(0);
    const w10 = shimCacheWin10(ENTRIES);
    w10.writeUInt32LE(0x7fffffff, 0x34 + 8);
    const r10 = parseShimCache(w10);
    expect(r10.entries).toEqual([]);
    expect(r10.warnings.join(' ')).toMatch(/runs past the value/);
    expect(parseShimCache(Buffer.from('garbage!')).warnings.join(' ')).toMatch(/unknown AppCompatCache layout/);
    const full = shimCacheWin10(ENTRIES);
    for (let cut = 0; cut < full.length; cut += 7) expect(() => parseShimCache(full.subarray(0, cut))).not.toThrow();
  });
});

describe('ShimCache in a SYSTEM hive', () => {
  const hive = systemHive(shimCacheWin10(ENTRIES));
  const ctx: ArtifactContext = { relPath: 'Windows/System32/config/SYSTEM', name: 'SYSTEM', head: hive.subarray(0, 4100), size: hive.length, format: 'regf' };

  test('one finding for the value: rar.exe in PerfLogs is strong, 7-Zip in Program Files weak, Notepad nothing', async () => {
    const result = (await regfParser.parse(bufferSource(hive), ctx))!;
    const dctx: DetectContext = { ...ctx, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
    const found = regfParser.detect!(result, dctx).filter((c) => c.kind === 'execution');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ key: 'ControlSet001\\Control\\Session Manager\\AppCompatCache', value: 'AppCompatCache' });
    expect(found[0]!.hits.map((h) => h.message)).toEqual([
      'AppCompatCache: rar.exe is recorded (WinRAR) (entry 0)',
      'rar.exe ran from PerfLogs (C:\\PerfLogs\\rar.exe) (entry 0)',
      'AppCompatCache: 7zFM.exe is recorded (7-Zip) (entry 2)',
    ]);
    expect(found[0]!.names).toEqual([{ path: 'C:\\PerfLogs\\rar.exe', role: 'executes' }, { path: 'C:\\Program Files\\7-Zip\\7zFM.exe', role: 'executes' }]);
  });

  test('`parse --parser appcompatcache` prints the entries; the parser claims no file by itself', async () => {
    expect(appCompatCacheParser.matches(ctx)).toBe(false);
    const r = (await appCompatCacheParser.parse(bufferSource(hive), ctx))!;
    expect(r.records.map((x) => [x.controlSet, x.position, x.path])).toEqual(ENTRIES.map((e, i) => ['ControlSet001', i, e.path]));
  });
});
