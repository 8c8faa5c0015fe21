/**
 * The access-artifact writers (fixtures/lib/access-writers.mjs) against the reference tools, and the
 * detection over them: an LNK to C:\PerfLogs\x.part1.rar, a 7-Zip File Manager Jump List naming it,
 * ShellBags for C:\PerfLogs in NTUSER.DAT and UsrClass.dat, and the ordinary cases that must stay quiet.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { lnkParser } from '../../../src/artifacts/lnk/index.js';
import type { LnkRecord } from '../../../src/artifacts/lnk/parse.js';
import { jumpListParser } from '../../../src/artifacts/jumplist/index.js';
import type { JumpListRecord } from '../../../src/artifacts/jumplist/parse.js';
import { shellBagsParser } from '../../../src/artifacts/shellbags/index.js';
import type { ShellBagRecord } from '../../../src/artifacts/shellbags/collect.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import type { ArtifactParser, DetectContext } from '../../../src/artifacts/types.js';
import { writeAutomaticDestinations, writeCustomDestinations, writeLnk, bagMruKey } from '../../../fixtures/lib/access-writers.mjs';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { compareLnk, lnkDisagreements, readLnkinfo } from '../lnk/lnkinfo.js';

const T = new Date('2026-11-20T02:14:00Z');
const PART1 = 'C:\\PerfLogs\\x.part1.rar';
const lnkToPart1 = writeLnk({ target: PART1, created: T, modified: T, accessed: T, size: 104_857_600, workingDirectory: 'C:\\PerfLogs' });
const lnkToDownload = writeLnk({ target: 'C:\\Users\\bob\\Downloads\\holiday-photos.zip', created: T, modified: T, accessed: T, size: 5_000_000 });
const sevenZipJumpList = writeAutomaticDestinations([
  { entryNumber: 2, path: PART1, lastOpened: new Date('2026-11-20T02:31:00Z'), lnk: lnkToPart1, accessCount: 3 },
  { entryNumber: 1, path: 'C:\\Users\\bob\\Downloads\\holiday-photos.zip', lastOpened: T, lnk: lnkToDownload },
]);

function ctxFor(name: string, buf: Buffer, relDir = 'Users/bob/AppData/Roaming/Microsoft/Windows/Recent'): DetectContext {
  return { relPath: `${relDir}/${name}`, name, head: buf.subarray(0, 4100), size: buf.length, format: null, os: 'windows', hotspot: null, hotspotWeight: 0, times: { ...NO_TIMES, modified: '2026-11-20T02:14:05.0000000Z', born: '2026-11-20T02:14:05.0000000Z' } };
}

async function run(parser: ArtifactParser, name: string, buf: Buffer, relDir?: string) {
  const ctx = ctxFor(name, buf, relDir);
  expect(parser.matches(ctx)).toBe(parser.id !== 'shellbags');
  const result = await parser.parse(bufferSource(buf), ctx);
  expect(result).not.toBeNull();
  return { result: result!, candidates: parser.detect ? parser.detect(result!, ctx) : [] };
}

function withFile(name: string, bytes: Buffer, fn: (file: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-access-'));
  try {
    writeFileSync(path.join(dir, name), bytes);
    fn(path.join(dir, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LNK fixture', () => {
  testIf(toolAvailable('lnkinfo'), toolMissing('lnkinfo'))('lnkinfo reads what the writer wrote, and agrees with our parser', async () => {
    const { result } = await run(lnkParser, 'x.part1.rar.lnk', lnkToPart1);
    withFile('x.lnk', lnkToPart1, (file) => {
      const expected = readLnkinfo(execFileSync('lnkinfo', [file]).toString('utf8'));
      expect(expected.fields['Link information/Local path']).toBe(PART1);
      expect(compareLnk(expected, result.records[0] as unknown as LnkRecord).length).toBeGreaterThan(15);
      expect(lnkDisagreements(expected, result.records[0] as unknown as LnkRecord)).toEqual([]);
    });
  });

  test('a link to a volume in PerfLogs is an access finding: volume set, staging place, names for correlation, times', async () => {
    const { result, candidates } = await run(lnkParser, 'x.part1.rar.lnk', lnkToPart1);
    const r = result.records[0] as unknown as LnkRecord;
    expect(r.targetIdAbsolutePath).toBe(PART1);
    expect(r.machineId).toBe('ws-finance-07');
    expect(r.trackerCreatedOn).not.toBeNull();
    expect(candidates).toHaveLength(1);
    const c = candidates[0]!;
    expect(c.kind).toBe('access');
    expect(c.user).toBe('bob');
    expect(c.hits.map((h) => h.rule).sort()).toEqual(['access-archive-in-staging-location', 'access-archive-volume-opened']);
    expect(c.names).toEqual([{ path: PART1, role: 'opens' }]);
    expect(c.events?.map((e) => e.type)).toEqual(['opened']);
  });

  test('a link to a zip in Downloads says it was opened, and nothing more', async () => {
    const { candidates } = await run(lnkParser, 'holiday-photos.zip.lnk', lnkToDownload);
    expect(candidates.flatMap((c) => c.hits.map((h) => h.rule))).toEqual(['access-archive-opened']);
  });

  test('a link to a document in the profile is no finding', async () => {
    const doc = writeLnk({ target: 'C:\\Users\\bob\\Documents\\budget.xlsx', created: T, modified: T, accessed: T, size: 20_000 });
    expect((await run(lnkParser, 'budget.xlsx.lnk', doc)).candidates).toEqual([]);
  });

  test('a link to an archive on a removable drive', async () => {
    const usb = writeLnk({ target: 'E:\\out\\q3.7z', driveType: 2, created: T, modified: T, accessed: T, size: 1000 });
    const { candidates } = await run(lnkParser, 'q3.7z.lnk', usb);
    expect(candidates[0]!.hits.map((h) => h.rule)).toEqual(['access-archive-opened', 'access-archive-removable-or-network']);
  });
});

describe('Jump List fixtures', () => {
  testIf(toolAvailable('olecfinfo'), toolMissing('olecfinfo'))('olecfinfo lists the DestList and LNK streams the writer made', () => {
    withFile('5bb830f67194431a.automaticDestinations-ms', sevenZipJumpList, (file) => {
      const out = execFileSync('olecfinfo', [file]).toString('utf8');
      expect(out).toMatch(/DestList \(\d+ bytes\)/);
      expect(out).toContain(`  1 (${lnkToDownload.length} bytes)`);
      expect(out).toContain(`  2 (${lnkToPart1.length} bytes)`);
    });
  });

  test('a 7-Zip File Manager Jump List naming x.part1.rar: the entry, its time and its stream locator', async () => {
    const { result, candidates } = await run(jumpListParser, '5bb830f67194431a.automaticDestinations-ms', sevenZipJumpList, 'Users/bob/AppData/Roaming/Microsoft/Windows/Recent/AutomaticDestinations');
    const records = result.records as unknown as JumpListRecord[];
    expect(records.map((r) => [r.entryNumber, r.path, r.lastModified, r.accessCount])).toEqual([
      [2, PART1, '2026-11-20T02:31:00.0000000Z', 3],
      [1, 'C:\\Users\\bob\\Downloads\\holiday-photos.zip', '2026-11-20T02:14:00.0000000Z', 1],
    ]);
    expect(records[0]!.appIdDescription).toMatch(/^7-Zip File Manager/);
    expect(records[0]!.lnk?.localPath).toBe(PART1);
    const staged = candidates.find((c) => c.jumpEntry === '2')!;
    expect(staged.hits.map((h) => h.rule).sort()).toEqual(['access-archive-in-staging-location', 'access-archive-volume-opened']);
    expect(staged.events).toEqual([expect.objectContaining({ time: '2026-11-20T02:31:00.0000000Z', type: 'opened' })]);
    expect(candidates.find((c) => c.jumpEntry === '1')!.hits.map((h) => h.rule)).toEqual(['access-archive-opened']);
  });

  test('DestList versions 1 and 3 read the same entries', async () => {
    for (const version of [1, 3] as const) {
      const jl = writeAutomaticDestinations([{ entryNumber: 5, path: PART1, lastOpened: T, lnk: lnkToPart1 }], { version });
      const { result } = await run(jumpListParser, '290532160612e071.automaticDestinations-ms', jl);
      const r = (result.records as unknown as JumpListRecord[])[0]!;
      expect([r.entryNumber, r.path, r.lastModified, r.appIdDescription]).toEqual([5, PART1, '2026-11-20T02:14:00.0000000Z', 'WinRAR (2.90 / 3.60 / 4.01, x64)']);
    }
  });

  test('CustomDestinations: every concatenated link, numbered #N', async () => {
    const custom = writeCustomDestinations([lnkToDownload, lnkToPart1]);
    const { result, candidates } = await run(jumpListParser, '5bb830f67194431a.customDestinations-ms', custom);
    expect((result.records as unknown as JumpListRecord[]).map((r) => [r.streamName, r.path])).toEqual([['#1', 'C:\\Users\\bob\\Downloads\\holiday-photos.zip'], ['#2', PART1]]);
    expect(candidates.map((c) => c.jumpEntry)).toEqual(['#1', '#2']);
  });
});

describe('ShellBags fixtures', () => {
  const browsed = new Date('2026-11-20T02:09:30Z');
  const bag = bagMruKey([{ path: 'C:\\Users\\bob\\Documents', time: new Date('2026-11-01T09:00:00Z') }, { path: 'C:\\PerfLogs', time: browsed }], browsed);
  const ntuser = writeHive({ name: 'ROOT', subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'Shell', subkeys: [bag] }] }] }] }] });
  const usrclass = writeHive({ name: 'S-1-5-21-1-2-3-1001_Classes', subkeys: [{ name: 'Local Settings', subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'Shell', subkeys: [bag] }] }] }] }] }] });

  test.each([['NTUSER.DAT', ntuser, 'Users/bob', 'Software'], ['UsrClass.dat', usrclass, 'Users/bob/AppData/Local/Microsoft/Windows', 'Local Settings\\Software']] as const)('%s: full paths from the MRU tree, times, and PerfLogs as an access finding', async (name, hive, dir, prefix) => {
    const { result } = await run(shellBagsParser, name, hive, dir);
    const records = result.records as unknown as ShellBagRecord[];
    expect(records.map((r) => r.absolutePath).sort()).toEqual(['C:\\', 'C:\\PerfLogs', 'C:\\Users', 'C:\\Users\\bob', 'C:\\Users\\bob\\Documents', 'My Computer']);
    // Parents before children.
    expect(records.map((r) => r.depth)).toEqual([...records.map((r) => r.depth)].sort((a, b) => a - b));
    const perf = records.find((r) => r.absolutePath === 'C:\\PerfLogs')!;
    expect(perf).toMatchObject({ bagPath: `${prefix}\\Microsoft\\Windows\\Shell\\BagMRU\\0\\0`, value: '1', mruPosition: 0, mftSequence: 2, modified: '2026-11-20T02:09:30.0000000Z', keyLastWritten: '2026-11-20T02:09:30.0000000Z' });

    const regf = await run(regfParser, name, hive, dir);
    const access = regf.candidates.filter((c) => c.kind === 'access');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ kind: 'access', key: perf.bagPath, value: '1', user: 'bob', names: [{ path: 'C:\\PerfLogs', role: 'opens' }] });
    expect(access[0]!.hits.map((h) => h.rule)).toEqual(['access-staging-folder-opened']);
    expect(access[0]!.events).toEqual([expect.objectContaining({ type: 'browsed', time: '2026-11-20T02:09:30.0000000Z' })]);
  });

  test('a BagMRU loop deeper than the bound stops with a warning', async () => {
    // 80 nested levels of one folder each: read to the depth bound, then a warning.
    let spec: { name: string; values: { name: string; type: string; data: Buffer }[]; subkeys: unknown[] } | null = null;
    const one = bagMruKey([{ path: 'C:\\d', time: T }], T);
    const item = (one.subkeys![0]!.subkeys![0]!.subkeys![0]!.values![0]!.data) as Buffer;
    for (let i = 0; i < 80; i++) spec = { name: i === 79 ? 'BagMRU' : '0', values: [{ name: '0', type: 'REG_BINARY', data: item }], subkeys: spec ? [spec] : [] };
    const hive = writeHive({ name: 'ROOT', subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'Shell', subkeys: [spec] }] }] }] }] });
    const { result } = await run(shellBagsParser, 'NTUSER.DAT', hive, 'Users/bob');
    expect(result.records.length).toBe(64);
    expect(result.warnings.some((w) => /deeper than 64/.test(w))).toBe(true);
  });
});
