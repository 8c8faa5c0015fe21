/** Registry detectors on writer-built NTUSER.DAT, SYSTEM and SOFTWARE hives. */
import { describe, expect, test } from '@jest/globals';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import type { Candidate } from '../../../src/rules/types.js';
import { decodeUserAssistData, rot13 } from '../../../src/artifacts/registry/execution.js';
import { executionHits } from '../../../src/artifacts/execution/detect.js';
import { detectContext, levelOf, parseHive, RULES } from './helpers.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
// @ts-expect-error plain-JS fixture library without type declarations
import { newFormatLog } from '../../../fixtures/lib/regf-log-writer.mjs';

const T = (iso: string): Date => new Date(iso);
const utf16List = (...items: string[]): Buffer => Buffer.from(items.join('\u0000') + '\u0000\u0000', 'utf16le');

function zipBlob(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 12345;
  for (let i = 0; i < size; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  Buffer.from('504b0304140000000800', 'hex').copy(b);
  return b;
}

function fakePe(): Buffer {
  const b = Buffer.alloc(4096, 0x90);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\u0000\u0000', 0x80, 'latin1');
  return b;
}

function userAssist72(count: number, lastRun: bigint): Buffer {
  const b = Buffer.alloc(72);
  b.writeUInt32LE(count, 0x04);
  b.writeBigUInt64LE(lastRun, 0x3c);
  return b;
}

const FT_2024 = 133520000000000000n; // 1707526400 s after 1970: 2024-02-10T00:53:20Z
const ntuser = {
  name: 'CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}',
  subkeys: [{
    name: 'Software',
    subkeys: [
      { name: 'WinRAR', subkeys: [
        { name: 'ArcHistory', lastWritten: T('2024-03-01T10:00:00Z'), values: [
          { name: '0', type: 'REG_SZ', data: 'C:\\Users\\Public\\Libraries\\finance.rar' },
          { name: '1', type: 'REG_SZ', data: 'C:\\Users\\bob\\Documents\\notes.rar' },
        ] },
        { name: 'DialogEditHistory', subkeys: [{ name: 'ArcName', values: [{ name: '0', type: 'REG_SZ', data: 'E:\\out\\x.rar' }] }] },
      ] },
      { name: '7-Zip', subkeys: [
        { name: 'Compression', values: [{ name: 'ArcHistory', type: 'REG_BINARY', data: utf16List('C:\\PerfLogs\\1\\a.7z', 'C:\\Users\\bob\\b.7z') }] },
        { name: 'FM', values: [{ name: 'PanelPath0', type: 'REG_SZ', data: '\\\\fileserver\\share\\' }] },
      ] },
      { name: 'Nico Mak Computing', subkeys: [{ name: 'WinZip', subkeys: [{ name: 'mru', subkeys: [{ name: 'archives', values: [{ name: 'xd0', type: 'REG_SZ', data: 'C:\\Windows\\Temp\\s\\c.zip' }] }] }] }] },
      { name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'CurrentVersion', subkeys: [{ name: 'Explorer', subkeys: [
        { name: 'RecentDocs', subkeys: [{ name: '.zip', values: [
          { name: '0', type: 'REG_BINARY', data: Buffer.concat([Buffer.from('loot.zip\u0000', 'utf16le'), Buffer.from('14001f50e04fd020ea3a6910a2d808002b30309d', 'hex')]) },
          { name: 'MRUListEx', type: 'REG_BINARY', data: Buffer.from('00000000ffffffff', 'hex') },
        ] }] },
        { name: 'UserAssist', subkeys: [{ name: '{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}', subkeys: [{ name: 'Count', values: [
          { name: rot13('{6D809377-6AF0-444B-8957-A3773F02200E}\\7-Zip\\7zFM.exe'), type: 'REG_BINARY', data: userAssist72(3, FT_2024) },
          { name: rot13('C:\\Users\\Public\\r.exe'), type: 'REG_BINARY', data: userAssist72(1, FT_2024) },
          { name: rot13('C:\\Users\\Public\\rar.exe'), type: 'REG_BINARY', data: userAssist72(2, FT_2024) },
          { name: rot13('C:\\Windows\\notepad.exe'), type: 'REG_BINARY', data: userAssist72(9, FT_2024) },
        ] }] }] },
      ] }] }] }] },
      { name: 'Blobs', lastWritten: T('2024-03-02T00:00:00Z'), values: [
        { name: 'z', type: 'REG_BINARY', data: zipBlob(100 * 1024) },
        { name: 'b64', type: 'REG_SZ', data: fakePe().toString('base64') },
        { name: 'rand', type: 'REG_BINARY', data: zipBlob(32 * 1024).subarray(16) },
        { name: 'small', type: 'REG_BINARY', data: Buffer.from('504b0304', 'hex') },
        { name: 'text', type: 'REG_SZ', data: 'hello '.repeat(1000) },
      ] },
    ],
  }],
};

const SID = 'S-1-5-21-111-222-333-1001';
const system = {
  name: 'ROOT',
  subkeys: [{ name: 'ControlSet001', subkeys: [{ name: 'Services', subkeys: [{ name: 'bam', subkeys: [{ name: 'State', subkeys: [{ name: 'UserSettings', subkeys: [{
    name: SID,
    values: [
      { name: '\\Device\\HarddiskVolume3\\Users\\Public\\rar.exe', type: 'REG_BINARY', data: Buffer.concat([Buffer.from('00b0c5e1a26bda01', 'hex'), Buffer.alloc(16)]) },
      { name: '\\Device\\HarddiskVolume3\\Program Files\\7-Zip\\7zG.exe', type: 'REG_BINARY', data: Buffer.concat([Buffer.from('00b0c5e1a26bda01', 'hex'), Buffer.alloc(16)]) },
      { name: '\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe', type: 'REG_BINARY', data: Buffer.alloc(24, 1) },
      { name: 'Version', type: 'REG_DWORD', data: 1 },
    ],
  }] }] }] }] }] }],
};

const software = {
  name: 'ROOT',
  subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows NT', subkeys: [{ name: 'CurrentVersion', subkeys: [{ name: 'ProfileList', subkeys: [
    { name: SID, values: [{ name: 'ProfileImagePath', type: 'REG_EXPAND_SZ', data: 'C:\\Users\\bob' }] },
    { name: 'S-1-5-18', values: [{ name: 'ProfileImagePath', type: 'REG_EXPAND_SZ', data: '%systemroot%\\system32\\config\\systemprofile' }] },
  ] }] }] }] }],
};

async function detect(tree: object, relPath: string, options: object = {}): Promise<Candidate[]> {
  const res = await parseHive(writeHive(tree, options), relPath);
  expect(res.warnings).toEqual([]);
  return regfParser.detect!(res, detectContext(relPath));
}

const byValue = (cs: Candidate[], value: string): Candidate[] => cs.filter((c) => c.value === value);
const rules = (c: Candidate): string[] => c.hits.map((h) => h.rule);

describe('registry detectors', () => {
  test('every rule id the detectors use is defined in registry.json', () => {
    const ids = new Set(RULES.map((r) => r.id));
    expect(ids.size).toBe(RULES.length);
    for (const r of RULES) expect(r.references.length).toBeGreaterThan(0);
  });

  test('WinRAR ArcHistory into Users\\Public: high, with the key time and an mru name', async () => {
    const cs = await detect(ntuser, 'Users/bob/NTUSER.DAT');
    const c = cs.find((x) => x.key === 'Software\\WinRAR\\ArcHistory' && x.value === '0')!;
    expect(rules(c)).toEqual(['registry-archiver-history', 'registry-history-staging-location']);
    expect(levelOf(c).level).toBe('high');
    expect(c).toMatchObject({ kind: 'registry', path: 'Users/bob/NTUSER.DAT', user: 'bob' });
    expect(c.names).toEqual([{ path: 'C:\\Users\\Public\\Libraries\\finance.rar', role: 'mru' }]);
    expect(c.events).toContainEqual(expect.objectContaining({ type: 'key-last-written', time: '2024-03-01T10:00:00.0000000Z' }));
    const docs = cs.find((x) => x.key === 'Software\\WinRAR\\ArcHistory' && x.value === '1')!;
    expect(levelOf(docs).level).toBe('info'); // a user's documents: context only
  });

  test('7-Zip binary ArcHistory, WinZip mru, WinRAR dialog history, network panel path, RecentDocs', async () => {
    const cs = await detect(ntuser, 'Users/bob/NTUSER.DAT');
    const sevenZip = byValue(cs, 'ArcHistory').filter((c) => c.key === 'Software\\7-Zip\\Compression');
    expect(sevenZip.map((c) => c.names![0]!.path)).toEqual(['C:\\PerfLogs\\1\\a.7z', 'C:\\Users\\bob\\b.7z']);
    expect(levelOf(sevenZip[0]!).level).toBe('high');
    expect(rules(cs.find((c) => c.value === 'xd0')!)).toContain('registry-history-staging-location');
    expect(rules(cs.find((c) => c.key!.endsWith('ArcName'))!)).toContain('registry-history-other-drive');
    expect(rules(cs.find((c) => c.value === 'PanelPath0')!)).toContain('registry-history-network-share');
    const recent = cs.filter((c) => c.key!.endsWith('RecentDocs\\.zip'));
    expect(recent.map((c) => c.names![0]!.path)).toEqual(['loot.zip']);
    expect(rules(recent[0]!)).toEqual(['registry-recentdocs-archive']);
  });

  test('UserAssist: archivers only, ROT13 decoded, run count and last run; unusual folder is strong', async () => {
    const cs = (await detect(ntuser, 'Users/bob/NTUSER.DAT')).filter((c) => c.key!.endsWith('\\Count'));
    expect(cs.map((c) => c.details!.program)).toEqual(['C:\\Program Files\\7-Zip\\7zFM.exe', 'C:\\Users\\Public\\rar.exe']);
    expect(cs[0]!.details).toMatchObject({ runCount: 3, lastRun: '2024-02-10T00:53:20.0000000Z' });
    expect(cs[0]!.events).toContainEqual(expect.objectContaining({ type: 'executed', time: '2024-02-10T00:53:20.0000000Z' }));
    expect(rules(cs[0]!)).toEqual(['registry-archiver-executed']);
    expect(rules(cs[1]!)).toEqual(['registry-archiver-executed', 'registry-archiver-unusual-folder']);
    expect(levelOf(cs[1]!).level).toBe('high');
  });

  test('UserAssist data: Win7+ 72-byte and XP 16-byte layouts', () => {
    const xp = Buffer.alloc(16);
    xp.writeUInt32LE(7, 4);
    xp.writeBigUInt64LE(FT_2024, 8);
    expect(decodeUserAssistData(xp)).toEqual({ runCount: 2, lastRun: '2024-02-10T00:53:20.0000000Z' });
    expect(decodeUserAssistData(Buffer.alloc(3))).toEqual({ runCount: null, lastRun: null });
  });

  test('staged blobs: 100 KB ZIP is high; Base64 PE; high entropy; small and plain text ignored', async () => {
    const cs = (await detect(ntuser, 'Users/bob/NTUSER.DAT')).filter((c) => c.key === 'Software\\Blobs');
    const zip = byValue(cs, 'z')[0]!;
    expect(zip).toMatchObject({ size: 100 * 1024, format: 'zip' });
    expect(rules(zip)).toEqual(['registry-value-embedded-file', 'registry-value-blob-cluster']);
    expect(levelOf(zip).level).toBe('high');
    expect(zip.events).toContainEqual(expect.objectContaining({ type: 'key-last-written', time: '2024-03-02T00:00:00.0000000Z' }));
    expect(rules(byValue(cs, 'b64')[0]!)[0]).toBe('registry-value-encoded-file');
    expect(byValue(cs, 'b64')[0]!.format).toBe('pe');
    expect(rules(byValue(cs, 'rand')[0]!)[0]).toBe('registry-value-high-entropy');
    expect(byValue(cs, 'small')).toEqual([]);
    expect(byValue(cs, 'text')).toEqual([]);
  });

  test('BAM: archivers with last execution, device path resolved, SID mapped when known', async () => {
    const cs = await detect(system, 'Windows/System32/config/SYSTEM');
    expect(cs.map((c) => c.details!.program)).toEqual(['C:\\Users\\Public\\rar.exe', 'C:\\Program Files\\7-Zip\\7zG.exe']);
    expect(cs[0]).toMatchObject({ user: SID, value: '\\Device\\HarddiskVolume3\\Users\\Public\\rar.exe' });
    expect(levelOf(cs[0]!).level).toBe('high');
    expect(levelOf(cs[1]!).level).toBe('low');
    expect(cs[0]!.events![0]).toMatchObject({ type: 'executed', time: expect.stringMatching(/^2024-0/) });
    expect(cs[0]!.names).toEqual([{ path: 'C:\\Users\\Public\\rar.exe', role: 'executes' }]);
  });

  test('ProfileList gives summary.sidNames', async () => {
    const res = await parseHive(writeHive(software), 'Windows/System32/config/SOFTWARE');
    expect(res.facts!.sidNames).toEqual({ [SID]: 'bob', 'S-1-5-18': 'systemprofile' });
  });

  test('a SYSTEM hive copy in Windows/Temp is high; in its home it is not a finding', async () => {
    const inTemp = await detect(system, 'Windows/Temp/SYSTEM');
    const copy = inTemp.find((c) => c.kind === 'file')!;
    expect(rules(copy)).toEqual(['registry-hive-copy-outside-home', 'registry-credential-hive-copy']);
    expect(levelOf(copy).level).toBe('high');
    expect((await detect(system, 'Windows/System32/config/SYSTEM')).some((c) => c.kind === 'file')).toBe(false);
    const save = (await detect(software, 'ProgramData/x/soft.bak')).find((c) => c.kind === 'file')!;
    expect(rules(save)).toEqual(['registry-hive-copy-outside-home']);
  });

  test('a transaction log beside its hive at home is not a finding; a log elsewhere, or a primary hive named as a log, is', async () => {
    const hive: Buffer = writeHive(ntuser);
    const { log } = newFormatLog(hive, [hive]) as { log: Buffer };
    const fileFinding = async (bytes: Buffer, relPath: string): Promise<Candidate | undefined> => regfParser.detect!(await parseHive(bytes, relPath), detectContext(relPath)).find((c) => c.kind === 'file');
    for (const at of ['Users/bob/NTUSER.DAT.LOG1', 'Users/bob/ntuser.dat.LOG2', 'Users/bob/AppData/Local/Microsoft/Windows/UsrClass.dat.LOG1', 'Windows/AppCompat/Programs/Amcache.hve.LOG2', 'Windows/System32/config/SYSTEM.LOG1', 'Boot/BCD.LOG']) {
      expect([at, await fileFinding(log, at)]).toEqual([at, undefined]);
    }
    expect(rules((await fileFinding(log, 'Windows/Temp/NTUSER.DAT.LOG1'))!)).toEqual(['registry-hive-copy-outside-home']);
    expect(rules((await fileFinding(hive, 'Users/bob/NTUSER.DAT.LOG1'))!)).toEqual(['registry-hive-copy-outside-home']);
  });

  test('candidates survive a JSON round trip of the records (no raw buffers needed)', async () => {
    const res = await parseHive(writeHive(ntuser), 'Users/bob/NTUSER.DAT');
    const roundTrip = { ...res, records: JSON.parse(JSON.stringify(res.records)) };
    const a = regfParser.detect!(res, detectContext('Users/bob/NTUSER.DAT'));
    const b = regfParser.detect!(roundTrip, detectContext('Users/bob/NTUSER.DAT'));
    expect(b.map((c) => `${c.key}|${c.value}|${rules(c)}`)).toEqual(a.map((c) => `${c.key}|${c.value}|${rules(c)}`));
  });
});

describe('one tool table for every execution trace (src/artifacts/execution/tools.ts)', () => {
  // Archivers the execution table knew and UserAssist/BAM's own list did not, robocopy (copy tool),
  // and certutil (a staging tool: the execution rules judge it, registry-archiver-executed does not).
  const cases: Array<[string, string | null]> = [
    ['7z.exe', '7-Zip'], ['7zz.exe', '7-Zip'], ['unrar.exe', 'WinRAR'], ['bandizip.exe', 'Bandizip'], ['bz.exe', 'Bandizip'],
    ['robocopy.exe', 'robocopy'], ['certutil.exe', null], ['notepad.exe', null],
  ];

  test('UserAssist and BAM name the archivers and copy tools of the table', async () => {
    const userAssist = { name: 'ROOT', subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'CurrentVersion', subkeys: [{ name: 'Explorer', subkeys: [
      { name: 'UserAssist', subkeys: [{ name: '{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}', subkeys: [{ name: 'Count', values: cases.map(([exe]) => ({ name: rot13(`C:\\Tools\\${exe}`), type: 'REG_BINARY', data: userAssist72(1, FT_2024) })) }] }] },
    ] }] }] }] }] }] };
    const bam = { name: 'ROOT', subkeys: [{ name: 'ControlSet001', subkeys: [{ name: 'Services', subkeys: [{ name: 'bam', subkeys: [{ name: 'State', subkeys: [{ name: 'UserSettings', subkeys: [{
      name: SID, values: cases.map(([exe]) => ({ name: `\\Device\\HarddiskVolume3\\Tools\\${exe}`, type: 'REG_BINARY', data: Buffer.concat([Buffer.from('00b0c5e1a26bda01', 'hex'), Buffer.alloc(16)]) })),
    }] }] }] }] }] }] };
    const want = cases.filter(([, tool]) => tool !== null).map(([exe, tool]) => [exe, `${tool} ran`]);
    for (const [tree, rel] of [[userAssist, 'Users/bob/NTUSER.DAT'], [bam, 'Windows/System32/config/SYSTEM']] as const) {
      const found = (await detect(tree, rel)).filter((c) => rules(c).includes('registry-archiver-executed'));
      const got = found.map((c) => {
        const exe = String(c.details!.program).split('\\').pop()!;
        return [exe, /: (.+ ran)/.exec(c.hits[0]!.message)![1]!];
      });
      expect([rel, got]).toEqual([rel, want]);
    }
  });

  test('the execution rules (Prefetch, Amcache, ShimCache) leave the copy tool to UserAssist/BAM', () => {
    const run = (program: string) => executionHits({ source: 'Prefetch', program, pathKnown: true, runTimes: [], runCount: 1, renamedFrom: null, touched: [] }).map((h) => h.rule);
    expect(run('C:\\Tools\\robocopy.exe')).toEqual([]);
    expect(run('C:\\Tools\\certutil.exe')).toEqual(['execution-staging-tool-ran', 'execution-from-unusual-folder']);
    expect(run('C:\\Tools\\bandizip.exe')).toEqual(['execution-archiver-ran', 'execution-from-unusual-folder']);
  });
});
