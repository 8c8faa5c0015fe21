/**
 * Amcache detection on written hives (fixtures/lib/regf-writer.mjs): a renamed 7-Zip (svchost.exe in
 * ProgramData whose OriginalFileName is 7z.exe) and a portable rar.exe in Users\Public are strong; the
 * 7-Zip installer in Downloads (product "7-Zip") is not a renamed archiver. Old Root\File entries too.
 */
import { expect, test } from '@jest/globals';
import { bufferSource } from '../../../src/util/byte-source.js';
import { amcacheParser } from '../../../src/artifacts/amcache/index.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { inspectFile } from '../../../src/pipeline/inspect.js';
// @ts-expect-error fixtures/lib/regf-writer.mjs has no type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';

const WHEN = new Date('2024-03-15T02:09:00Z');
const sz = (name: string, data: string) => ({ name, type: 'REG_SZ', data });
const inventory = (id: string, path: string, extra: Array<{ name: string; type: string; data: unknown }> = []) => ({
  name: id,
  lastWritten: WHEN,
  values: [sz('LowerCaseLongPath', path), sz('Name', path.split('\\').pop()!), sz('FileId', `0000${'ab'.repeat(20)}`), ...extra],
});

const hive = writeHive({
  name: '{11517B7C-E79D-4e20-961B-75A811715ADD}',
  subkeys: [{
    name: 'Root',
    subkeys: [
      { name: 'InventoryApplicationFile', subkeys: [
        inventory('svchost.exe|1111', 'c:\\programdata\\svchost.exe', [sz('OriginalFileName', '7z.exe'), sz('ProductName', '7-Zip')]),
        inventory('7z2301-x64.exe|2222', 'c:\\users\\bob\\downloads\\7z2301-x64.exe', [sz('ProductName', '7-Zip'), sz('OriginalFileName', '7zipInstall.exe')]),
        inventory('chrome.exe|3333', 'c:\\program files\\google\\chrome\\application\\chrome.exe'),
      ] },
      { name: 'File', subkeys: [{ name: 'ccbe4c57-0000-0000-0000-100000000000', subkeys: [{ name: '10000001a2b', lastWritten: WHEN, values: [sz('15', 'C:\\Users\\Public\\rar.exe'), sz('101', `0000${'cd'.repeat(20)}`)] }] }] },
    ],
  }],
}) as Buffer;

test('renamed and portable archivers in Amcache are strong; an installer with the product name is not', async () => {
  const ctx: ArtifactContext = { relPath: 'Windows/AppCompat/Programs/Amcache.hve', name: 'Amcache.hve', head: hive.subarray(0, 4100), size: hive.length, format: 'regf' };
  const records = (await amcacheParser.parse(bufferSource(hive), ctx))!.records;
  expect(records.map((r) => [r.source, r.fullPath, r.sha1])).toEqual([
    // in the hive's key order (the writer sorts subkeys as Windows does)
    ['InventoryApplicationFile', 'c:\\users\\bob\\downloads\\7z2301-x64.exe', 'ab'.repeat(20)],
    ['InventoryApplicationFile', 'c:\\program files\\google\\chrome\\application\\chrome.exe', 'ab'.repeat(20)],
    ['InventoryApplicationFile', 'c:\\programdata\\svchost.exe', 'ab'.repeat(20)],
    ['File', 'C:\\Users\\Public\\rar.exe', 'cd'.repeat(20)],
  ]);
  const result = (await regfParser.parse(bufferSource(hive), ctx))!;
  const dctx: DetectContext = { ...ctx, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
  const found = regfParser.detect!(result, dctx).filter((c) => c.kind === 'execution');
  expect(found.map((c) => [c.key, c.hits.map((h) => h.rule)])).toEqual([
    ['Root\\InventoryApplicationFile\\svchost.exe|1111', ['execution-renamed-archiver', 'execution-from-staging-folder']],
    ['Root\\File\\ccbe4c57-0000-0000-0000-100000000000\\10000001a2b', ['execution-archiver-ran', 'execution-from-staging-folder']],
  ]);
  expect(found[0]!.events!.map((e) => [e.type, e.time])).toEqual([['executed', '2024-03-15T02:09:00.0000000Z'], ['key-last-written', '2024-03-15T02:09:00.0000000Z']]);
});

test('a scan parses Amcache.hve once: the regf and Amcache parsers share one walk, with both results as before', async () => {
  // Count whole-hive reads (parseRegf reads the file from offset 0 in one piece at this size).
  let wholeReads = 0;
  const inner = bufferSource(hive);
  const src = { ...inner, read(position: number, length: number) {
    if (position === 0 && length >= hive.length) wholeReads++;
    return inner.read(position, length);
  } };
  const inspection = await inspectFile({
    src, head: hive.subarray(0, 4100), relPath: 'Windows/AppCompat/Programs/Amcache.hve', name: 'Amcache.hve', size: hive.length,
    times: NO_TIMES, hotspot: null, os: 'windows',
  });
  // A scan streams the hive through the detectors: no records held, the counts are in the facts.
  expect(inspection.runs.map((r) => [r.parser, r.result?.records.length ?? null, r.result?.facts])).toEqual([
    ['amcache', 0, { entries: 4 }],
    ['regf', 0, expect.objectContaining({ keyCount: expect.any(Number) })],
  ]);
  expect(wholeReads).toBe(1);
  // Same findings as each parser alone.
  const execution = inspection.innerCandidates.filter((c) => c.kind === 'execution').map((c) => c.key);
  expect(execution).toEqual(['Root\\InventoryApplicationFile\\svchost.exe|1111', 'Root\\File\\ccbe4c57-0000-0000-0000-100000000000\\10000001a2b']);
});

test('explain keeps the records (keepRecords): the parsers parse instead of streaming, with the same findings', async () => {
  const inspection = await inspectFile({
    src: bufferSource(hive), head: hive.subarray(0, 4100), relPath: 'Windows/AppCompat/Programs/Amcache.hve', name: 'Amcache.hve', size: hive.length,
    times: NO_TIMES, hotspot: null, os: 'windows', keepRecords: true,
  });
  expect(inspection.runs.map((r) => [r.parser, r.result?.records.length ?? null])).toEqual([['amcache', 4], ['regf', expect.any(Number)]]);
  const execution = inspection.innerCandidates.filter((c) => c.kind === 'execution').map((c) => c.key);
  expect(execution).toEqual(['Root\\InventoryApplicationFile\\svchost.exe|1111', 'Root\\File\\ccbe4c57-0000-0000-0000-100000000000\\10000001a2b']);
});
