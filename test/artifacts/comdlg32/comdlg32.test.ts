/**
 * ComDlg32 (files opened or saved through the common file dialog, each program's last dialog
 * folder) against RegRipper's comdlg32 plugin: on the corpus NTUSER.DAT that has the key, and on
 * written hives with every list (Vista+ PIDL lists and XP's string lists); then the detection over
 * them (an archive saved in PerfLogs, 7-Zip's dialog last there) and the ordinary entries that must
 * stay quiet; then hostile values.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { LIMITS } from '../../../src/util/limits.js';
import { comDlg32Parser } from '../../../src/artifacts/comdlg32/index.js';
import { collectComDlg32, COMDLG32_KEY, type ComDlgRecord } from '../../../src/artifacts/comdlg32/collect.js';
import { HiveView } from '../../../src/artifacts/registry/view.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import type { ValueRecord } from '../../../src/artifacts/regf/walk.js';
import { comDlg32Key, type ComDlg32Spec } from '../../../fixtures/lib/access-writers.mjs';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { prng } from '../../helpers/random.js';
import { hiveOnDisk } from '../registry/helpers.js';

const T = new Date('2026-11-20T02:31:00Z');

function ntuserWith(spec: ComDlg32Spec): Buffer {
  const explorer = { name: 'Explorer', subkeys: [comDlg32Key(spec)] };
  return writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'CurrentVersion', subkeys: [explorer] }] }] }] }] });
}

const STAGED: ComDlg32Spec = {
  lastWritten: T,
  openSave: [
    { ext: '7z', paths: ['C:\\PerfLogs\\1\\data.7z', 'C:\\Users\\bob\\Downloads\\tools.7z'] },
    { ext: '*', paths: ['C:\\PerfLogs\\1\\data.7z', 'C:\\Users\\bob\\Documents\\q3.docx', 'D:\\x.zip'] },
    { ext: 'docx', paths: ['C:\\Users\\bob\\Documents\\q3.docx'] },
  ],
  lastVisited: [{ exe: '7zG.exe', folder: 'C:\\PerfLogs\\1' }, { exe: 'WINWORD.EXE', folder: 'C:\\Users\\bob\\Documents' }, { exe: 'chrome.exe', folder: 'C:\\Users\\bob\\Downloads' }],
  lastVisitedLegacy: [{ exe: 'WinRAR.exe', folder: 'C:\\Users\\Public\\Music' }],
  cidSize: ['7zG.exe', 'WINWORD.EXE', 'chrome.exe'],
  xpOpenSave: [{ ext: 'rar', paths: ['C:\\RECYCLER\\s.rar', 'C:\\Documents and Settings\\bob\\My Documents\\a.rar'] }],
  xpLastVisited: [{ exe: 'WinRAR.exe', folder: 'C:\\RECYCLER' }, { exe: 'notepad.exe', folder: 'C:\\Documents and Settings\\bob' }],
};

function ctxFor(buf: Buffer): DetectContext {
  return { relPath: 'Users/bob/NTUSER.DAT', name: 'NTUSER.DAT', head: buf.subarray(0, 4100), size: buf.length, format: null, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
}

async function records(buf: Buffer): Promise<ComDlgRecord[]> {
  const result = await comDlg32Parser.parse(bufferSource(buf), ctxFor(buf));
  expect(result).not.toBeNull();
  return result!.records as unknown as ComDlgRecord[];
}

/** RegRipper's comdlg32 output as { "list[\ext]": entries in MRU order }, paths as Explorer shows them. */
function regripperLists(hiveFile: string): Record<string, string[]> {
  const text = execFileSync('regripper', ['-r', hiveFile, '-p', 'comdlg32'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lists: Record<string, string[]> = {};
  let current: string[] | null = null;
  // "My Computer\C:\x" is "C:\x" in Explorer's (and our) paths; "CLSID_Pictures" is the known folder's name.
  const explorerPath = (p: string): string => p.replace(/^My Computer\\(?=[A-Za-z]:\\|CLSID_)/, '').replace(/^CLSID_/, '');
  for (const line of text.split('\n')) {
    const header = /^(CIDSizeMRU|LastVisitedPidlMRU|LastVisitedMRU|OpenSaveMRU\\\S+|OpenSavePidlMRU\\\S+|FirstFolder)$/.exec(line);
    if (header?.[1] === 'FirstFolder') {
      // Not read by us (the first folder a program's dialog opens, no staging meaning): skipped.
      current = null;
      continue;
    }
    if (header) {
      // RegRipper prints LastVisitedPidlMRULegacy under the name LastVisitedPidlMRU: the second one is it.
      const name = header[1] === 'LastVisitedPidlMRU' && lists.LastVisitedPidlMRU ? 'LastVisitedPidlMRULegacy' : header[1]!;
      current = lists[name] = [];
      continue;
    }
    if (!current || !line.startsWith('  ') || /^\s+MRUList = /.test(line)) continue;
    let m: RegExpExecArray | null;
    if ((m = /^ {2}\S+ -> EXE: (.*)$/.exec(line))) current.push(`${m[1]} - `);
    else if ((m = /^ {4}-> Last Dir: (.*)$/.exec(line))) current[current.length - 1] += explorerPath(m[1]!);
    else if ((m = /^ {2}\S+ -> (.*)$/.exec(line))) current.push(explorerPath(m[1]!));
    else if ((m = /^ {2}(\S.*?) - (.*?)\s*$/.exec(line))) current.push(`${m[1]} - ${explorerPath(m[2]!)}`);
    else current.push(explorerPath(line.trim()));
  }
  // RegRipper also lists OpenSaveMRU's own key under its name ("OpenSaveMRU\OpenSaveMRU has no values").
  for (const [name, entries] of Object.entries(lists)) if (entries.length === 0) delete lists[name];
  return lists;
}

/** Ours in the same shape: the listed entries of each key, in MRU order. */
function ourLists(rs: readonly ComDlgRecord[]): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (const r of rs) {
    if (r.mruPosition === null) continue;
    const name = r.extension !== null ? `${r.list}\\${r.extension}` : r.list;
    const shown = r.list === 'CIDSizeMRU' ? r.executable! : r.executable !== null ? `${r.executable} - ${r.absolutePath}` : r.absolutePath!;
    (lists[name] ??= []).push(shown);
  }
  return lists;
}


describe('ComDlg32 against RegRipper comdlg32.pl', () => {
  testIf(corpusAvailable() && toolAvailable('regripper'), corpusAvailable() ? toolMissing('regripper') : CORPUS_MISSING)('the corpus plaso NTUSER.DAT (Windows 7): every list, entry and order as RegRipper prints it', async () => {
    const file = corpusPath('regf', 'plaso', 'regf', 'NTUSER.DAT');
    const ours = await records(readFileSync(file));
    expect(ourLists(ours)).toEqual(regripperLists(file));
    // What the lists hold, so that an empty agreement cannot pass.
    expect(ourLists(ours)).toEqual({
      'OpenSavePidlMRU\\*': ['Pictures\\ash_0.png', 'Pictures\\ash.png'],
      'OpenSavePidlMRU\\png': ['Pictures\\ash_0.png', 'Pictures\\ash.png'],
      LastVisitedPidlMRU: ['iexplore.exe - Pictures'],
      CIDSizeMRU: ['iexplore.exe'],
    });
    expect(ours.find((r) => r.list === 'LastVisitedPidlMRU')).toMatchObject({ openedOn: '2016-10-09T19:59:17.7335862Z', mruPosition: 0 });
  });

  testIf(toolAvailable('regripper'), toolMissing('regripper'))('a written hive with every list, Vista+ and XP: the same entries in the same order', async () => {
    const hive = ntuserWith(STAGED);
    const ours = await records(hive);
    const theirs = hiveOnDisk(hive, regripperLists);
    expect(ourLists(ours)).toEqual(theirs);
    expect(Object.keys(theirs).sort()).toEqual(['CIDSizeMRU', 'LastVisitedMRU', 'LastVisitedPidlMRU', 'LastVisitedPidlMRULegacy', 'OpenSaveMRU\\rar', 'OpenSavePidlMRU\\*', 'OpenSavePidlMRU\\7z', 'OpenSavePidlMRU\\docx']);
    expect(theirs['OpenSavePidlMRU\\*']).toEqual(['C:\\PerfLogs\\1\\data.7z', 'C:\\Users\\bob\\Documents\\q3.docx', 'D:\\x.zip']);
    expect(theirs.LastVisitedMRU).toEqual(['WinRAR.exe - C:\\RECYCLER', 'notepad.exe - C:\\Documents and Settings\\bob']);
  });
});

describe('ComDlg32 records', () => {
  test('MRU order, the open time of position 0 only, and the target\'s shell-item times and MFT reference', async () => {
    const rs = await records(ntuserWith(STAGED));
    const sevenZip = rs.filter((r) => r.key.endsWith('\\OpenSavePidlMRU\\7z'));
    expect(sevenZip.map((r) => [r.value, r.mruPosition, r.absolutePath, r.openedOn])).toEqual([
      ['1', 0, 'C:\\PerfLogs\\1\\data.7z', '2026-11-20T02:31:00.0000000Z'],
      ['0', 1, 'C:\\Users\\bob\\Downloads\\tools.7z', null],
    ]);
    // The DOS times of the last item (two-second steps) and its NTFS file reference (pathItems: 1000 + depth).
    expect(sevenZip[0]).toMatchObject({ extension: '7z', modified: '2026-11-20T02:31:00.0000000Z', created: '2026-11-20T02:31:00.0000000Z', mftEntry: 1002, mftSequence: 1 });
    expect(rs.filter((r) => r.list === 'LastVisitedMRU').map((r) => [r.value, r.mruPosition, r.executable, r.absolutePath])).toEqual([['b', 0, 'WinRAR.exe', 'C:\\RECYCLER'], ['a', 1, 'notepad.exe', 'C:\\Documents and Settings\\bob']]);
    expect(rs.filter((r) => r.list === 'CIDSizeMRU').map((r) => [r.executable, r.absolutePath])).toEqual([['7zG.exe', null], ['WINWORD.EXE', null], ['chrome.exe', null]]);
  });
});

describe('ComDlg32 detection (a scan: the regf parser runs the registry detectors)', () => {
  test('an archive saved in PerfLogs, 7-Zip\'s dialog last there, WinRAR\'s in Users\\Public and the Recycle Bin; ordinary documents and downloads stay quiet or context', async () => {
    const hive = ntuserWith(STAGED);
    const ctx = ctxFor(hive);
    const result = await regfParser.parse(bufferSource(hive), ctx);
    const access = regfParser.detect!(result!, ctx).filter((c) => c.kind === 'access');
    const byTarget = Object.fromEntries(access.map((c) => [`${c.key!.slice(COMDLG32_KEY.length + 1)}:${c.value}`, c.hits.map((h) => h.rule).sort()]));
    expect(byTarget).toEqual({
      'OpenSavePidlMRU\\7z:1': ['access-archive-in-staging-location', 'access-archive-opened'],
      'OpenSavePidlMRU\\7z:0': ['access-archive-opened'],
      'OpenSavePidlMRU\\*:2': ['access-archive-in-staging-location', 'access-archive-opened'],
      'OpenSavePidlMRU\\*:0': ['access-archive-opened'],
      'OpenSaveMRU\\rar:b': ['access-archive-in-staging-location', 'access-archive-opened'],
      'OpenSaveMRU\\rar:a': ['access-archive-opened'],
      'LastVisitedPidlMRU:2': ['access-archiver-dialog-in-staging-location', 'access-staging-folder-opened'],
      'LastVisitedPidlMRULegacy:0': ['access-archiver-dialog-in-staging-location', 'access-staging-folder-opened'],
      'LastVisitedMRU:b': ['access-archiver-dialog-in-staging-location', 'access-staging-folder-opened'],
    });
    const dialog = access.find((c) => c.key!.endsWith('\\LastVisitedPidlMRU'))!;
    expect(dialog).toMatchObject({ user: 'bob', names: [{ path: 'C:\\PerfLogs\\1', role: 'opens' }], details: { source: 'ComDlg32', list: 'LastVisitedPidlMRU', executable: '7zG.exe', folder: true, place: 'PerfLogs' } });
    expect(dialog.hits.map((h) => h.message)).toEqual(["ComDlg32: 7zG.exe's file dialog last in C:\\PerfLogs\\1 (PerfLogs)", "7-Zip's own dialog chose a folder in PerfLogs"]);
    expect(dialog.events).toEqual([{ time: '2026-11-20T02:31:00.0000000Z', type: 'browsed', description: expect.stringContaining('C:\\PerfLogs\\1 browsed (ComDlg32') }]);
    const saved = access.find((c) => c.key!.endsWith('\\OpenSavePidlMRU\\7z') && c.value === '1')!;
    expect(saved).toMatchObject({ names: [{ path: 'C:\\PerfLogs\\1\\data.7z', role: 'opens' }], details: { extension: '7z', folder: false } });
    expect(saved.hits[0]!.message).toBe('ComDlg32 file opened or saved: C:\\PerfLogs\\1\\data.7z');
  });
});

describe('ComDlg32 on hostile values', () => {
  const value = (key: string, name: string, data: Buffer): ValueRecord => ({ type: 'registry-value', key, name, dataType: 'REG_BINARY', size: data.length, data: data.toString('hex') }) as ValueRecord;

  test('2,000 random and cut values in every list: no throw, every text bounded, one entry per value', () => {
    const rand = prng(4711);
    const good = ntuserWith(STAGED);
    const lists = ['OpenSavePidlMRU\\7z', 'LastVisitedPidlMRU', 'LastVisitedPidlMRULegacy', 'CIDSizeMRU', 'LastVisitedMRU', 'OpenSaveMRU\\rar'];
    const values: ValueRecord[] = [];
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rand() * 600);
      const b = Buffer.alloc(len);
      // Half random bytes, half cut or flipped pieces of the real hive (shell item lists with lying sizes).
      if (i % 2) for (let j = 0; j < len; j++) b[j] = Math.floor(rand() * 256);
      else good.copy(b, 0, Math.floor(rand() * (good.length - len)));
      values.push(value(`${COMDLG32_KEY}\\${lists[i % lists.length]}`, String(i), b));
    }
    values.push(value(`${COMDLG32_KEY}\\LastVisitedPidlMRU`, 'MRUListEx', Buffer.alloc(4096, 0x41)));
    values.push(value(`${COMDLG32_KEY}\\LastVisitedMRU`, 'long', Buffer.alloc(200_000, 0x41)));
    const walk = collectComDlg32(new HiveView(values));
    expect(walk.records).toHaveLength(2001);
    for (const r of walk.records) expect((r.executable ?? '').length + (r.absolutePath ?? '').length).toBeLessThanOrEqual(2 * 32_767 + 256 * 0xffff);
    expect(walk.records.find((r) => r.value === 'long')!.executable!.length).toBe(32_767);
  });

  test(`more than LIMITS.maxComDlg32Entries (${LIMITS.maxComDlg32Entries}) entries: the rest are left, with one warning`, () => {
    const values: ValueRecord[] = [];
    for (let i = 0; i < LIMITS.maxComDlg32Entries + 50; i++) values.push(value(`${COMDLG32_KEY}\\CIDSizeMRU`, String(i), Buffer.from('a\0', 'utf16le')));
    const walk = collectComDlg32(new HiveView(values));
    expect(walk.records).toHaveLength(LIMITS.maxComDlg32Entries);
    expect(walk.warnings).toEqual([`more than ${LIMITS.maxComDlg32Entries} ComDlg32 entries; the rest are not read`]);
  });
});
