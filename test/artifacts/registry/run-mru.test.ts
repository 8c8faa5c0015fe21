/**
 * RunMRU (commands typed into the Run dialog) against RegRipper's runmru plugin, on the corpus hive
 * that has the key and on a written one; then the staging-command matcher over them: an archiver run
 * from PerfLogs with a header password, and the deletion of its archive later, oldest first.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { parseRegf } from '../../../src/artifacts/regf/parse.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import { HiveView } from '../../../src/artifacts/registry/view.js';
import { collectRunMru, RUN_MRU_KEY } from '../../../src/artifacts/registry/run-mru.js';
import { parsers as listParsers } from '../../../src/artifacts/registry/parsers.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { hiveOnDisk } from './helpers.js';

const T = new Date('2026-11-20T02:31:00Z');
const RAR = 'C:\\PerfLogs\\rar.exe a -hpS3cret C:\\PerfLogs\\d.rar C:\\Users\\alice\\Documents';
const DEL = 'cmd /c del C:\\PerfLogs\\d.rar';

/** a, b, c, d added in that order; d (the deletion) most recent. */
const hive: Buffer = writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'CurrentVersion', subkeys: [{ name: 'Explorer', subkeys: [{
  name: 'RunMRU', lastWritten: T, values: [
    { name: 'a', type: 'REG_SZ', data: 'cmd\\1' },
    { name: 'b', type: 'REG_SZ', data: `${RAR}\\1` },
    { name: 'c', type: 'REG_SZ', data: '\\\\fileserver\\share\\1' },
    { name: 'd', type: 'REG_SZ', data: `${DEL}\\1` },
    { name: 'MRUList', type: 'REG_SZ', data: 'dcba' },
  ],
}] }] }] }] }] }] });

async function view(bytes: Buffer): Promise<HiveView> {
  const parsed = await parseRegf(bufferSource(bytes), { relPath: 'Users/alice/NTUSER.DAT', name: 'NTUSER.DAT', head: bytes.subarray(0, 4100), size: bytes.length, format: 'regf' });
  return new HiveView(parsed!.records);
}

/** RegRipper's runmru listing: the commands in MRUList order, "\1" dropped. */
function regripperRunMru(file: string): string[] {
  const text = execFileSync('regripper', ['-r', file, '-p', 'runmru'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const byLetter = new Map<string, string>();
  let order = '';
  for (const line of text.split('\n')) {
    const list = /^MRUList = (\S*)$/.exec(line);
    if (list) order = list[1]!;
    const entry = /^([a-z])\s{3}(.*)$/.exec(line);
    if (entry) byLetter.set(entry[1]!, entry[2]!.replace(/\\1$/, ''));
  }
  return [...order].map((l) => byLetter.get(l) ?? `?${l}`);
}


describe('RunMRU against RegRipper runmru.pl', () => {
  testIf(corpusAvailable() && toolAvailable('regripper'), corpusAvailable() ? toolMissing('regripper') : CORPUS_MISSING)('the corpus regipy transactions_NTUSER.DAT: the same command list', async () => {
    const file = corpusPath('regf', 'regipy', 'transactions_NTUSER.DAT');
    const ours = collectRunMru(await view(readFileSync(file)));
    expect(ours.entries.map((e) => e.command)).toEqual(regripperRunMru(file));
    expect(ours.entries).toEqual([{ value: 'a', command: '...', mruPosition: 0 }]);
    expect(ours.keyLastWritten).toMatch(/^2017-07-12T07:34:25/);
  });

  testIf(toolAvailable('regripper'), toolMissing('regripper'))('a written hive: four commands in MRUList order', async () => {
    const ours = collectRunMru(await view(hive));
    expect(ours.entries.map((e) => [e.value, e.mruPosition, e.command])).toEqual([['d', 0, DEL], ['c', 1, '\\\\fileserver\\share'], ['b', 2, RAR], ['a', 3, 'cmd']]);
    expect(ours.entries.map((e) => e.command)).toEqual(hiveOnDisk(hive, regripperRunMru));
  });
});

test('stagehunt parse --parser runmru: one record per command, most recent first', async () => {
  const ctx = { relPath: 'NTUSER.DAT', name: 'NTUSER.DAT', head: hive.subarray(0, 4100), size: hive.length, format: 'regf' };
  const result = await listParsers.find((p) => p.id === 'runmru')!.parse(bufferSource(hive), ctx);
  expect(result!.records).toEqual([
    { type: 'runmru-command', value: 'd', command: DEL, mruPosition: 0, keyLastWritten: '2026-11-20T02:31:00.0000000Z' },
    { type: 'runmru-command', value: 'c', command: '\\\\fileserver\\share', mruPosition: 1, keyLastWritten: '2026-11-20T02:31:00.0000000Z' },
    { type: 'runmru-command', value: 'b', command: RAR, mruPosition: 2, keyLastWritten: '2026-11-20T02:31:00.0000000Z' },
    { type: 'runmru-command', value: 'a', command: 'cmd', mruPosition: 3, keyLastWritten: '2026-11-20T02:31:00.0000000Z' },
  ]);
});

describe('RunMRU detection', () => {
  test('the archiver run from PerfLogs and the later deletion of its archive are staging commands; the others are nothing', async () => {
    const ctx: DetectContext = { relPath: 'Users/alice/NTUSER.DAT', name: 'NTUSER.DAT', head: hive.subarray(0, 4100), size: hive.length, format: 'regf', os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
    const result = await regfParser.parse(bufferSource(hive), ctx);
    const found = regfParser.detect!(result!, ctx).filter((c) => c.key === RUN_MRU_KEY);
    expect(found.map((c) => [c.value, c.hits.map((h) => h.rule).sort()])).toEqual([
      ['d', ['history-delete-staged-archive']],
      ['b', ['history-archive-password', 'history-archive-to-staging-location', 'history-archive-user-data', 'history-archiver-create', 'history-archiver-unusual-folder']],
    ]);
    const [del, rar] = found;
    expect(rar).toMatchObject({ kind: 'registry', user: 'alice', format: 'runmru', names: [{ path: 'C:\\PerfLogs\\d.rar', role: 'writes' }, { path: 'C:\\Users\\alice\\Documents', role: 'reads' }], details: { list: 'RunMRU', command: RAR, mruPosition: 2 } });
    // Only the most recent command has a time (the key's last write); every registry finding keeps the key's time too.
    expect(del!.events).toEqual([
      { time: '2026-11-20T02:31:00.0000000Z', type: 'command', description: `alice ran from the Run dialog: ${DEL}` },
      { time: '2026-11-20T02:31:00.0000000Z', type: 'key-last-written', description: `registry key ${RUN_MRU_KEY} last written` },
    ]);
    expect(rar!.events!.map((e) => e.type)).toEqual(['key-last-written']);
  });
});
